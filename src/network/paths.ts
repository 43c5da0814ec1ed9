import type { Connection } from '@libp2p/interface'
import type { ConnectionPath } from '../api/backend.ts'
import type { HearthLibp2p } from './libp2p.ts'
import { isRelayAddr, relayOf } from './reachability.ts'

/**
 * How each open connection came to be: 'relayed' (through a relay: its address holds
 * /p2p-circuit), 'hole-punched' (a direct connection that DCUtR opened over a relayed one, which
 * it then closed: a hole punch, or, the case that works for js-libp2p over TCP, the unilateral
 * upgrade to a side that has a public address), or 'direct'.
 */
export interface PathTracker {
  start (): void
  stop (): void
  pathOf (conn: Connection): ConnectionPath
  /** the relay PeerId of a relayed connection */
  relayOf (conn: Connection): string | undefined
  /** a direct connection Hearth dialed itself (connect's own upgrade): plain 'direct' */
  markDirect (conn: Connection): void
}

export function createPathTracker (node: HearthLibp2p): PathTracker {
  const upgraded = new Set<string>()
  const onOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    if (isRelayAddr(conn.remoteAddr)) return
    const relayed = node.getConnections(conn.remotePeer).some(c => c.id !== conn.id && c.status === 'open' && isRelayAddr(c.remoteAddr))
    if (relayed) upgraded.add(conn.id)
  }
  const onClose = (evt: CustomEvent<Connection>): void => { upgraded.delete(evt.detail.id) }
  return {
    start () {
      node.addEventListener('connection:open', onOpen)
      node.addEventListener('connection:close', onClose)
    },
    stop () {
      node.removeEventListener('connection:open', onOpen)
      node.removeEventListener('connection:close', onClose)
      upgraded.clear()
    },
    pathOf: conn => isRelayAddr(conn.remoteAddr) ? 'relayed' : upgraded.has(conn.id) ? 'hole-punched' : 'direct',
    relayOf: conn => relayOf(conn.remoteAddr.toString()),
    markDirect: conn => { upgraded.delete(conn.id) }
  }
}
