import type { Multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'

/**
 * The two libp2p components Hearth reaches past the public Libp2p interface for, in one place.
 * js-libp2p 3 has no public call to listen on one more address after start (a reservation on a
 * chosen relay), nor to ask why an address is in getMultiaddrs() (announced, UPnP-mapped,
 * confirmed by AutoNAT). Both exist on `libp2p.components` (pinned libp2p 3.3.11); the shapes
 * below are checked at runtime, and test/nat/internals.test.ts fails if an upgrade moves them.
 */
export interface TransportManagerLike {
  listen (addrs: Multiaddr[]): Promise<void>
}

export interface AddressWithMetadata {
  multiaddr: Multiaddr
  verified: boolean
  /** 'transport' | 'announce' | 'observed' | 'ip-mapping' | 'dns-mapping' */
  type: string
}

export interface AddressManagerLike {
  getAddressesWithMetadata (): AddressWithMetadata[]
}

export interface Libp2pInternals {
  transportManager: TransportManagerLike
  addressManager: AddressManagerLike
}

export function libp2pInternals (node: Libp2p<any>): Libp2pInternals {
  const components = (node as unknown as { components?: Record<string, unknown> }).components
  const transportManager = components?.transportManager as TransportManagerLike | undefined
  const addressManager = components?.addressManager as AddressManagerLike | undefined
  if (typeof transportManager?.listen !== 'function' || typeof addressManager?.getAddressesWithMetadata !== 'function') {
    throw new Error('this libp2p version does not expose components.transportManager.listen / addressManager.getAddressesWithMetadata (src/network/internals.ts)')
  }
  return { transportManager, addressManager }
}

/**
 * libp2p merges the negotiated protocol into the remote peer's peer-store record on every
 * stream it opens or accepts (connection.js), and a merge always decodes, rewrites and
 * re-encodes the record (it carries an `updated` time) even when the protocol is already in it:
 * one agreement message = two such merges. Skip a protocols-only merge of one protocol this
 * node already merged for that peer; any other change to the peer (a patch, a delete, a merge
 * of anything else, such as identify's) forgets what was known, so the next stream merges again.
 * Callers of protocol-only merges (libp2p's connection) do not use the returned peer; the last
 * one merged is returned.
 */
export function skipRepeatedProtocolMerges (node: Libp2p<any>): void {
  const store = node.peerStore as unknown as Record<'merge' | 'patch' | 'save' | 'delete', (...args: any[]) => Promise<any>>
  const known = new Map<string, { protocols: Set<string>, peer: unknown }>()
  const merge = store.merge.bind(store)
  store.merge = async (peerId: { toString: () => string }, data: Record<string, unknown>, options?: unknown) => {
    const id = peerId.toString()
    const protocols = data.protocols as string[] | undefined
    const only = Object.keys(data).length === 1 && Array.isArray(protocols) && protocols.length === 1
    const seen = known.get(id)
    if (only && seen?.protocols.has(protocols[0]!) === true) return seen.peer
    const peer = await merge(peerId, data, options)
    if (only) {
      const entry = seen ?? { protocols: new Set<string>(), peer }
      entry.protocols.add(protocols[0]!)
      entry.peer = peer
      known.set(id, entry)
      if (known.size > 4096) known.delete(known.keys().next().value!)
    } else {
      known.delete(id)
    }
    return peer
  }
  for (const name of ['patch', 'save', 'delete'] as const) {
    const original = store[name].bind(store)
    store[name] = async (peerId: { toString: () => string }, ...rest: unknown[]) => {
      known.delete(peerId.toString())
      return await original(peerId, ...rest)
    }
  }
}
