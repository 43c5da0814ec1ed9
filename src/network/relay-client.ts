import { multiaddr } from '@multiformats/multiaddr'
import type { RelayView } from '../api/backend.ts'
import type { HearthLibp2p } from './libp2p.ts'
import type { TransportManagerLike } from './internals.ts'
import { RELAY_HOP_PROTOCOL } from './relay-service.ts'
import { isRelayAddr, relayOf } from './reachability.ts'

/** How often to look again for relays while we hold fewer reservations than wanted. */
export const RELAY_CHECK_MS = 15_000
/** First retry after a failed reservation; doubles per failure up to RELAY_RETRY_MAX_MS. */
export const RELAY_RETRY_MS = 2_000
export const RELAY_RETRY_MAX_MS = 10 * 60_000
/** After this many failures in a row, try that relay again only once we reconnect to it. */
export const RELAY_MAX_FAILURES = 8
export const RESERVE_TIMEOUT_MS = 10_000
const MAX_TRACKED_RELAYS = 64
const MAX_KNOWN_PEERS = 1024

/**
 * Holds reservations on up to `wanted` relays while this node is not publicly reachable. A
 * relay is a peer we have a direct connection to that offers the hop protocol and that we
 * chose: a contact or a configured bootstrap peer. We never go looking for strangers' relays
 * (libp2p's own '/p2p-circuit' discovery random-walks the DHT and dials whoever it finds).
 * Reserving is `listen /p2p/<relay>/p2p-circuit`; the relay addresses then appear in
 * getMultiaddrs(), and the record publisher republishes the DID record with them.
 */
export interface RelayClientInit {
  wanted: number
  transportManager: TransportManagerLike
  /** contacts and bootstrap peers */
  isCandidate: (peerId: string) => boolean
  /** prefer these (contacts) over other candidates */
  isPreferred: (peerId: string) => boolean
  didOf: (peerId: string) => string | undefined
  isPublic: () => boolean
  emit: (type: string, data: Record<string, unknown>) => void
}

export interface RelayClient {
  start (): void
  stop (): void
  /** look for relays now (reachability changed; or `peerId` became a contact: retry it at once) */
  poke (peerId?: string): void
  /** relay PeerIds we hold a reservation on */
  reserved (): string[]
  status (): RelayView[]
}

interface Attempt { failures: number, next: number, error?: string, refused?: boolean, at: number, since?: number }

export function createRelayClient (node: HearthLibp2p, init: RelayClientInit): RelayClient {
  const attempts = new Map<string, Attempt>()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = true

  const reservedAddrs = (): Map<string, string[]> => {
    const m = new Map<string, string[]>()
    for (const a of node.getMultiaddrs().map(a => a.toString()).filter(isRelayAddr)) {
      const relay = relayOf(a)
      if (relay !== undefined) m.set(relay, [...(m.get(relay) ?? []), a])
    }
    return m
  }
  // Who offers a relay, from each peer's own identify message (also sent again when its
  // protocols change). Not the peer store: libp2p adds to it every protocol a peer merely
  // opened a stream for, so a peer asking *us* for a reservation would look like a relay.
  const hop = new Map<string, boolean>()
  const offersRelay = (peerId: string): boolean => hop.get(peerId) === true
  const remember = (peerId: string, a: Attempt): void => {
    attempts.delete(peerId)
    attempts.set(peerId, a)
    if (attempts.size > MAX_TRACKED_RELAYS) attempts.delete(attempts.keys().next().value!)
  }

  const reserve = async (peerId: string): Promise<void> => {
    const prev = attempts.get(peerId)
    const now = Date.now()
    try {
      const signal = AbortSignal.timeout(RESERVE_TIMEOUT_MS)
      await Promise.race([
        init.transportManager.listen([multiaddr(`/p2p/${peerId}/p2p-circuit`)]),
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => { reject(new Error('no answer within ' + RESERVE_TIMEOUT_MS + ' ms')) }))
      ])
      if (!reservedAddrs().has(peerId)) throw new Error('the relay granted no address')
      remember(peerId, { failures: 0, next: 0, at: now, since: now })
      init.emit('relay:reserved', { peerId, did: init.didOf(peerId) })
    } catch (err) {
      const failures = (prev?.failures ?? 0) + 1
      const { message, refused } = describe(err)
      const next = failures >= RELAY_MAX_FAILURES ? Infinity : now + Math.min(RELAY_RETRY_MS * 2 ** (failures - 1), RELAY_RETRY_MAX_MS)
      remember(peerId, { failures, next, error: message, refused, at: now })
      init.emit('relay:failed', { peerId, did: init.didOf(peerId), error: message })
    }
  }

  const check = async (): Promise<void> => {
    if (stopped || init.wanted === 0) return
    const have = reservedAddrs()
    if (have.size >= init.wanted || init.isPublic()) return
    const now = Date.now()
    const connected = new Set<string>()
    for (const c of node.getConnections()) {
      if (c.status === 'open' && !isRelayAddr(c.remoteAddr)) connected.add(c.remotePeer.toString())
    }
    const candidates: string[] = []
    for (const p of connected) {
      if (have.has(p) || !init.isCandidate(p) || (attempts.get(p)?.next ?? 0) > now) continue
      if (offersRelay(p)) candidates.push(p)
    }
    candidates.sort((a, b) => Number(init.isPreferred(b)) - Number(init.isPreferred(a)))
    for (const p of candidates) {
      if (stopped || reservedAddrs().size >= init.wanted) return
      await reserve(p)
    }
  }

  const run = (): void => {
    if (stopped) return
    if (running !== undefined) { again = true; return }
    running = (async () => {
      do { again = false; await check().catch(() => {}) } while (again && !stopped)
    })().finally(() => { running = undefined; schedule() })
  }
  /** the next retry that falls due before the periodic check */
  let soon: NodeJS.Timeout | undefined
  const schedule = (): void => {
    clearTimeout(soon)
    if (stopped) return
    const now = Date.now()
    // only retries still to come: one already due waits for its relay to be connected again
    const next = Math.min(...[...attempts.values()].map(a => a.next).filter(n => n > now && Number.isFinite(n)))
    if (!Number.isFinite(next)) return
    soon = setTimeout(run, next - now + 10)
    soon.unref()
  }

  const onIdentify = (evt: CustomEvent<{ peerId: { toString (): string }, protocols: string[] }>): void => {
    const p = evt.detail.peerId.toString()
    const offers = evt.detail.protocols.includes(RELAY_HOP_PROTOCOL)
    hop.delete(p)
    hop.set(p, offers)
    if (hop.size > MAX_KNOWN_PEERS) hop.delete(hop.keys().next().value!)
    if (offers) run()
  }
  const onDisconnect = (evt: CustomEvent<{ toString (): string }>): void => { hop.delete(evt.detail.toString()) }
  const onOpen = (evt: CustomEvent<any>): void => {
    // a new connection to a relay that gave up on us earlier: try it again from scratch
    const p = evt.detail.remotePeer.toString()
    const a = attempts.get(p)
    if (a !== undefined && a.since === undefined) remember(p, { ...a, failures: 0, next: 0 })
    run()
  }
  const onClose = (): void => { run() }

  return {
    start () {
      stopped = false
      node.addEventListener('peer:identify', onIdentify as any)
      node.addEventListener('peer:disconnect', onDisconnect as any)
      node.addEventListener('connection:open', onOpen)
      node.addEventListener('connection:close', onClose)
      timer = setInterval(run, RELAY_CHECK_MS)
      timer.unref()
      run()
    },
    stop () {
      stopped = true
      clearInterval(timer)
      clearTimeout(soon)
      node.removeEventListener('peer:identify', onIdentify as any)
      node.removeEventListener('peer:disconnect', onDisconnect as any)
      node.removeEventListener('connection:open', onOpen)
      node.removeEventListener('connection:close', onClose)
    },
    poke (peerId) {
      // something changed between us and this peer (we just made it a contact): a relay that
      // refused us may now accept
      const a = peerId !== undefined ? attempts.get(peerId) : undefined
      if (peerId !== undefined && a !== undefined && a.since === undefined) remember(peerId, { ...a, failures: 0, next: 0 })
      run()
    },
    reserved: () => [...reservedAddrs().keys()],
    status () {
      const have = reservedAddrs()
      const out: RelayView[] = []
      for (const [peerId, addresses] of have) {
        const did = init.didOf(peerId)
        const since = attempts.get(peerId)?.since
        out.push({ peerId, ...(did !== undefined ? { did } : {}), status: 'reserved', addresses, ...(since !== undefined ? { since } : {}) })
      }
      for (const [peerId, a] of attempts) {
        if (have.has(peerId) || a.error === undefined) continue
        const did = init.didOf(peerId)
        out.push({ peerId, ...(did !== undefined ? { did } : {}), status: a.refused === true ? 'refused' : 'failed', addresses: [], error: a.error, at: a.at })
      }
      return out
    }
  }
}

/** libp2p's listen error lists each address with its reason; keep the reason, and say if the relay refused. */
function describe (err: unknown): { message: string, refused: boolean } {
  const raw = (err as Error)?.message ?? String(err)
  const status = raw.match(/status ([A-Z_]+)/)?.[1]
  if (status !== undefined) {
    const why: Record<string, string> = {
      PERMISSION_DENIED: 'the relay refused: permission denied (it serves its contacts only)',
      RESERVATION_REFUSED: 'the relay refused: it is full',
      RESOURCE_LIMIT_EXCEEDED: 'the relay refused: resource limit exceeded'
    }
    return { message: why[status] ?? `the relay answered ${status}`, refused: status in why }
  }
  // "Some configured addresses failed…:\n  /p2p/<relay>/p2p-circuit: <Name>: <message>\n    at …" (the stack)
  const line = raw.split('\n').find(l => l.includes('/p2p-circuit:')) ?? raw.split('\n')[0] ?? raw
  const message = line.replace(/^.*\/p2p-circuit:\s*/, '').replace(/^[A-Za-z]*Error:\s*/, '').trim()
  return { message: (message.length > 0 ? message : raw.split('\n')[0]!).slice(0, 200), refused: false }
}
