import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { isLinkLocal, isLoopback, isNetworkAddress, isPrivate } from '@libp2p/utils'
import type { AddressManagerLike } from './internals.ts'

/**
 * 'public': others can dial one of our addresses (an announced public address, a UPnP mapping on
 * the home router, or an address AutoNAT confirmed); 'relayed': not dialable, but reachable
 * through at least one relay reservation; 'private': neither (a LAN or loopback node).
 */
export type Reachability = 'public' | 'relayed' | 'private'

export interface PublicAddress {
  address: string
  /** why we believe others can dial it */
  source: 'announce' | 'upnp' | 'autonat'
}

export const isRelayAddr = (a: string | Multiaddr): boolean => a.toString().includes('/p2p-circuit')

/** An IP address that is neither private, loopback nor link-local, and not a relay address. */
export function isPublicAddr (a: string | Multiaddr): boolean {
  try {
    const ma = typeof a === 'string' ? multiaddr(a) : a
    if (isRelayAddr(ma) || !isNetworkAddress(ma)) return false
    return !isPrivate(ma) && !isLoopback(ma) && !isLinkLocal(ma)
  } catch { return false }
}

/** The relay PeerId in /…/p2p/<relay>/p2p-circuit/…, or undefined. */
export function relayOf (a: string): string | undefined {
  const i = a.indexOf('/p2p-circuit')
  if (i < 0) return undefined
  return a.slice(0, i).match(/\/p2p\/([^/]+)$/)?.[1]
}

/** Our confirmed public addresses and where each came from. */
export function publicAddresses (addressManager: AddressManagerLike): PublicAddress[] {
  const seen = new Set<string>()
  const out: PublicAddress[] = []
  for (const a of addressManager.getAddressesWithMetadata()) {
    if (!a.verified || !isPublicAddr(a.multiaddr)) continue
    const address = a.multiaddr.toString()
    if (seen.has(address)) continue
    seen.add(address)
    out.push({ address, source: a.type === 'announce' ? 'announce' : a.type === 'ip-mapping' ? 'upnp' : 'autonat' })
  }
  return out
}
