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
