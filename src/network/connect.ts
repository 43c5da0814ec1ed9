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

export const CONNECT_TIMEOUT_MS = 30_000
export const DIAL_TIMEOUT_MS = 10_000
export const DHT_GET_TIMEOUT_MS = 15_000
export const ROUTING_TABLE_WAIT_MS = 3_000

export interface ConnectDeps { node: HearthLibp2p, contacts: Contacts, selfDid: string, onRecord?: (record: DidRecord) => void }

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
  const done = async (conn: Connection, via: string, known?: DidRecord): Promise<ConnectResult> => {
    const { record, bytes } = await fetchRecord(conn, { expectedDid: did, signal })
    const best = known !== undefined && known.seq > record.seq ? known : record
    await remember(deps, best, via, known !== undefined && known.seq > record.seq ? undefined : bytes)
    return { did, peerId: conn.remotePeer.toString(), remoteAddr: conn.remoteAddr.toString(), via, ms: Math.round(performance.now() - started) }
  }
  const attempt = async (via: string, peers: Array<{ peerId: string, addrs: string[] }>, known?: DidRecord): Promise<ConnectResult | undefined> => {
    for (const p of peers) {
      try {
        const conn = await dial(deps.node, p.peerId, p.addrs, signal)
        return await done(conn, via, known)
      } catch (err) {
        if (signal.aborted) throw timeout(did, failures)
        failures.push(`${via} ${p.peerId.slice(-8)}: ${(err as Error).message}`)
      }
    }
    return undefined
  }

  const contact = await deps.contacts.get(did)
  // 1. already connected to one of its devices
  for (const p of contact?.peerIds ?? []) {
    const conn = deps.node.getConnections(peerIdFromString(p)).find(c => c.status === 'open')
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
  const code = record === undefined && contact === undefined && hints.length === 0 ? 'NOT_FOUND' : 'UNREACHABLE'
  throw new HearthError(code, code === 'NOT_FOUND'
    ? `no way to reach ${did}: no contact, no invitation, and no DID record in the DHT (${failures.join('; ')})`
    : `found ${did} but could not reach it: ${failures.join('; ')}`, { details: { did, failures } })
}

const SCAN_LIMIT = 32
const SCAN_TIMEOUT_MS = 2_000

async function scanConnected (deps: ConnectDeps, did: string, signal: AbortSignal): Promise<Connection | undefined> {
  const unknown = deps.node.getConnections()
    .filter(c => c.status === 'open' && deps.contacts.didOf(c.remotePeer.toString()) === undefined)
    .slice(0, SCAN_LIMIT)
  const found = await Promise.all(unknown.map(async c => {
    try {
      const { record } = await fetchRecord(c, { signal: anySignal(signal, AbortSignal.timeout(SCAN_TIMEOUT_MS)) })
      deps.contacts.learn(c.remotePeer.toString(), record.did)
      return record.did === did ? c : undefined
    } catch { return undefined }
  }))
  return found.find(c => c !== undefined)
}

async function dial (node: HearthLibp2p, peer: string, addrs: string[], signal: AbortSignal): Promise<Connection> {
  const id: PeerId = peerIdFromString(peer)
  if (id.equals(node.peerId)) throw new Error('that device is this node')
  const mas = addrs.flatMap(a => { try { return [multiaddr(a.replace(/\/p2p\/[^/]+$/, ''))] } catch { return [] } })
  if (mas.length > 0) await node.peerStore.merge(id, { multiaddrs: mas })
  return await node.dial(id, { signal: anySignal(signal, AbortSignal.timeout(DIAL_TIMEOUT_MS)) })
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
