import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Connection, PeerId } from '@libp2p/interface'
import { HearthError, isHearthError } from '../errors.ts'
import { publicKeyFromDidKey } from '../identity/index.ts'
import type { ConnectResult } from '../api/backend.ts'
import type { Contacts, Contact } from './contacts.ts'
import { recordKey, verifyDidRecord } from './did-record.ts'
import type { DidRecord } from './did-record.ts'
import { isInvitation, parseInvitation } from './invitation.ts'
import { anySignal, fetchRecord } from './record-protocol.ts'
import type { HearthLibp2p } from './libp2p.ts'
import { isPublicAddr, isRelayAddr } from './reachability.ts'

export const CONNECT_TIMEOUT_MS = 30_000
export const DIAL_TIMEOUT_MS = 10_000
export const DHT_GET_TIMEOUT_MS = 15_000
export const ROUTING_TABLE_WAIT_MS = 3_000
/** After reaching a peer through a relay, how long to try a public direct address its record lists. */
export const UPGRADE_TIMEOUT_MS = 5_000

export interface ConnectDeps {
  node: HearthLibp2p
  contacts: Contacts
  selfDid: string
  onRecord?: (record: DidRecord) => void
  /** told about a direct connection connect() opened itself to replace a relayed one */
  onDirect?: (conn: Connection) => void
}

/** Why connect-by-DID failed (HearthError details.reason). */
export type ConnectFailure = 'no-record' | 'no-relay' | 'all-dials-failed'

/**
 * connect(did): already connected -> contact cache -> signed DID record from the DHT -> dial;
 * the DHT's findPeer for devices we knew is the fallback (DESIGN.md section 3). Every path ends
 * by reading the peer's signed record over the authenticated connection, so a stale cache or a
 * lying invitation can never make us believe a PeerId speaks for a DID it does not.
 */
export async function connectTarget (deps: ConnectDeps, target: string, options: { signal?: AbortSignal } = {}): Promise<ConnectResult> {
  const started = performance.now()
  const signal = anySignal(options.signal, AbortSignal.timeout(CONNECT_TIMEOUT_MS))
  let did = target
  let hints: string[] = []
  if (isInvitation(target)) ({ did, addrs: hints } = parseInvitation(target))
  else publicKeyFromDidKey(target) // throws INVALID_DID with the reason
  if (did === deps.selfDid) throw new HearthError('INVALID_ARGUMENT', 'that is this node\'s own DID')

  const failures: string[] = []
  /** every address of the target we learned (invitation, cache, record, findPeer) */
  const seenAddrs = new Set<string>()
  /** addresses libp2p knew when it dialed: a relayed result means the direct ones among them failed */
  const dialed = new Set<string>()
  const done = async (conn: Connection, via: string, known?: DidRecord): Promise<ConnectResult> => {
    const { record, bytes } = await fetchRecord(conn, { expectedDid: did, signal })
    const best = known !== undefined && known.seq > record.seq ? known : record
    await remember(deps, best, via, known !== undefined && known.seq > record.seq ? undefined : bytes)
    const final = isRelayAddr(conn.remoteAddr) ? (await upgrade(deps, conn, record, dialed, signal)) ?? conn : conn
    return { did, peerId: final.remotePeer.toString(), remoteAddr: final.remoteAddr.toString(), via, ms: Math.round(performance.now() - started) }
  }
  const attempt = async (via: string, peers: Array<{ peerId: string, addrs: string[] }>, known?: DidRecord): Promise<ConnectResult | undefined> => {
    for (const p of peers) {
      for (const a of p.addrs) seenAddrs.add(stripPeer(a))
      try {
        const conn = await dial(deps.node, p.peerId, p.addrs, signal, dialed)
        return await done(conn, via, known)
      } catch (err) {
        if (signal.aborted) throw timeout(did, failures)
        failures.push(`${via} ${p.peerId.slice(-8)}: ${dialErrorMessage(err)}`)
      }
    }
    return undefined
  }

  const contact = await deps.contacts.get(did)
  // 1. already connected to one of its devices (a direct connection rather than a relayed one):
  // a contact's, or a connected peer that already proved it speaks for the DID
  const learned = deps.node.getConnections().map(c => c.remotePeer.toString()).filter(p => deps.contacts.didOf(p) === did)
  for (const p of new Set([...(contact?.peerIds ?? []), ...learned])) {
    const conn = deps.node.getConnections(peerIdFromString(p)).filter(c => c.status === 'open')
      .sort((a, b) => Number(isRelayAddr(a.remoteAddr)) - Number(isRelayAddr(b.remoteAddr)))[0]
    if (conn !== undefined) {
      try { return await done(conn, 'connected') } catch (err) { failures.push(`open connection: ${(err as Error).message}`) }
    }
  }
  // 2. invitation hints, then the contact cache
  if (hints.length > 0) {
    const r = await attempt('invitation', groupByPeer(hints))
    if (r !== undefined) return r
  }
  if (contact !== undefined) {
    const r = await attempt('cache', contact.peerIds.map(peerId => ({ peerId, addrs: contact.addresses })))
    if (r !== undefined) return r
  }
  // 2b. a peer we are already connected to (a bootstrap peer, one found by mDNS) may be it:
  // ask those whose DID we do not know yet; records are small and the connections are open
  {
    const r = await scanConnected(deps, did, signal)
    if (r !== undefined) return await done(r, 'connected')
  }
  // 3. the signed record in the DHT
  let record: DidRecord | undefined
  try {
    await routingTableReady(deps.node, signal)
    const value = await deps.node.contentRouting.get(recordKey(did), { signal: anySignal(signal, AbortSignal.timeout(DHT_GET_TIMEOUT_MS)) })
    record = verifyDidRecord(value, did)
  } catch (err) {
    if (options.signal?.aborted === true) throw timeout(did, failures)
    failures.push(`dht: ${isHearthError(err) ? err.message : describeDhtError(err)}`)
  }
  if (record !== undefined) {
    const r = await attempt('dht', record.devices, record)
    if (r !== undefined) return r
  }
  // 4. fallback: ask the DHT where devices we knew of are now
  for (const p of new Set([...(contact?.peerIds ?? []), ...(record?.devices.map(d => d.peerId) ?? [])])) {
    try {
      const info = await deps.node.peerRouting.findPeer(peerIdFromString(p), { signal: anySignal(signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)) })
      const r = await attempt('findPeer', [{ peerId: p, addrs: info.multiaddrs.map(a => a.toString()) }], record)
      if (r !== undefined) return r
    } catch (err) {
      if (signal.aborted) throw timeout(did, failures)
      failures.push(`findPeer ${p.slice(-8)}: ${(err as Error).message}`)
    }
  }
  throw unreachable(did, failures, record === undefined && contact === undefined && hints.length === 0, [...seenAddrs])
}

/**
 * Say why, in words a person can act on: nothing to go on (no record), nothing but addresses
 * behind someone's NAT (no relay), or addresses that all failed.
 */
export function unreachable (did: string, failures: string[], nothingKnown: boolean, addrs: string[]): HearthError {
  const tried = failures.length > 0 ? ` (${failures.join('; ')})` : ''
  if (nothingKnown) {
    return new HearthError('NOT_FOUND', `no way to reach ${did}: no record: no contact, no invitation, and no DID record in the DHT${tried}`,
      { details: { did, reason: 'no-record' satisfies ConnectFailure, failures } })
  }
  const relays = addrs.filter(isRelayAddr)
  if (relays.length === 0 && !addrs.some(isPublicAddr)) {
    return new HearthError('UNREACHABLE', `found ${did} but could not reach it: no relay: it lists ${addrs.length > 0 ? `only private (LAN or loopback) addresses, ${addrs.slice(0, 4).join(', ')},` : 'no address'} and no relay address; ` +
      'from outside its network it becomes reachable once one of its contacts with a public address relays for it (Hearth with network.relay auto or on)' + tried,
    { details: { did, reason: 'no-relay' satisfies ConnectFailure, failures } })
  }
  return new HearthError('UNREACHABLE', `found ${did} but could not reach it: all dials failed${relays.length > 0 ? `, including through ${relays.length === 1 ? 'its relay' : `its ${relays.length} relays`}` : ''}${tried}`,
    { details: { did, reason: 'all-dials-failed' satisfies ConnectFailure, failures } })
}

/**
 * We reached the peer through a relay, and its current record lists a public direct address
 * that libp2p did not know when it dialed (the record we had was older): try it, and keep the
 * direct connection if it answers. (DCUtR does the same only when the *dialer* has the public
 * address; js-libp2p cannot hole-punch TCP between two NATs.)
 */
async function upgrade (deps: ConnectDeps, relayed: Connection, record: DidRecord, dialed: Set<string>, signal: AbortSignal): Promise<Connection | undefined> {
  const peer = relayed.remotePeer
  const addrs = (record.devices.find(d => d.peerId === peer.toString())?.addrs ?? [])
    .filter(a => isPublicAddr(a) && !dialed.has(stripPeer(a)))
  if (addrs.length === 0) return undefined
  try {
    const conn = await deps.node.dial(addrs.map(a => multiaddr(`${stripPeer(a)}/p2p/${peer.toString()}`)),
      { force: true, signal: anySignal(signal, AbortSignal.timeout(UPGRADE_TIMEOUT_MS)) })
    if (isRelayAddr(conn.remoteAddr)) return undefined
    deps.onDirect?.(conn)
    await relayed.close().catch(() => {})
    return conn
  } catch {
    return undefined
  }
}

const stripPeer = (a: string): string => a.replace(/\/p2p\/[^/]+$/, '')

/** libp2p's dial errors: keep the per-address reasons, briefly. */
function dialErrorMessage (err: unknown): string {
  const e = err as Error & { errors?: Error[] }
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.map(x => x.message.split('\n')[0]).join(', ').slice(0, 500)
  return (e.message ?? String(err)).split('\n')[0]!.slice(0, 300)
}

const SCAN_LIMIT = 32
const SCAN_TIMEOUT_MS = 5_000

/** Ask connected peers whose DID we do not know yet; done as soon as one of them is `did`. */
async function scanConnected (deps: ConnectDeps, did: string, signal: AbortSignal): Promise<Connection | undefined> {
  const unknown = deps.node.getConnections()
    .filter(c => c.status === 'open' && deps.contacts.didOf(c.remotePeer.toString()) === undefined)
    .slice(0, SCAN_LIMIT)
  if (unknown.length === 0) return undefined
  return await new Promise<Connection | undefined>(resolve => {
    let left = unknown.length
    for (const c of unknown) {
      fetchRecord(c, { signal: anySignal(signal, AbortSignal.timeout(SCAN_TIMEOUT_MS)) })
        .then(({ record }) => {
          deps.contacts.learn(c.remotePeer.toString(), record.did)
          if (record.did === did) resolve(c)
        }, () => {})
        .finally(() => { if (--left === 0) resolve(undefined) })
    }
  })
}

async function dial (node: HearthLibp2p, peer: string, addrs: string[], signal: AbortSignal, dialed: Set<string>): Promise<Connection> {
  const id: PeerId = peerIdFromString(peer)
  if (id.equals(node.peerId)) throw new Error('that device is this node')
  const mas = addrs.flatMap(a => { try { return [multiaddr(stripPeer(a))] } catch { return [] } })
  if (mas.length > 0) await node.peerStore.merge(id, { multiaddrs: mas }).catch(() => {})
  // the given addresses (the peer store keeps no relay addresses of other peers) and the known ones
  const all = new Set(mas.map(a => a.toString()))
  try {
    for (const a of (await node.peerStore.get(id)).addresses) all.add(stripPeer(a.multiaddr.toString()))
  } catch {}
  for (const a of all) dialed.add(a)
  const options = { signal: anySignal(signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)) }
  if (all.size === 0) return await node.dial(id, options)
  return await node.dial([...all].map(a => multiaddr(`${a}/p2p/${peer}`)), options)
}

async function remember (deps: ConnectDeps, record: DidRecord, source: string, bytes?: Uint8Array): Promise<void> {
  deps.onRecord?.(record)
  const contact: Contact = {
    did: record.did,
    peerIds: record.devices.map(d => d.peerId),
    addresses: record.devices.flatMap(d => d.addrs).slice(0, 32),
    seq: record.seq,
    lastSeen: Date.now(),
    source
  }
  if (bytes !== undefined) contact.record = Buffer.from(bytes).toString('base64')
  await deps.contacts.upsert(contact)
  // Contacts are worth keeping connected when the connection manager prunes.
  for (const p of contact.peerIds) {
    await deps.node.peerStore.merge(peerIdFromString(p), { tags: { 'hearth-contact': { value: 50 } } }).catch(() => {})
  }
}

function groupByPeer (addrs: string[]): Array<{ peerId: string, addrs: string[] }> {
  const m = new Map<string, string[]>()
  for (const a of addrs) {
    const peer = a.match(/\/p2p\/([^/]+)$/)?.[1]
    if (peer !== undefined) m.set(peer, [...(m.get(peer) ?? []), a])
  }
  return [...m].map(([peerId, as]) => ({ peerId, addrs: as }))
}

/**
 * Right after start, peers are connected but identify has not yet put them in the routing
 * table, and a DHT query with an empty table fails at once. Give it a moment.
 */
async function routingTableReady (node: HearthLibp2p, signal: AbortSignal): Promise<void> {
  const table = (node.services.dht as unknown as { routingTable?: { size: number } }).routingTable
  const end = Date.now() + ROUTING_TABLE_WAIT_MS
  while (table !== undefined && table.size === 0 && node.getConnections().length > 0 && Date.now() < end && !signal.aborted) {
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function describeDhtError (err: unknown): string {
  const e = err as Error
  if (e.name === 'NotFoundError' || e.name === 'AggregateError') return 'no DID record found'
  return e.message
}

function timeout (did: string, failures: string[]): HearthError {
  return new HearthError('TIMEOUT', `connecting to ${did} timed out${failures.length > 0 ? ` (${failures.join('; ')})` : ''}`)
}
