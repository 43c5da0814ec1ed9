import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { RelayServiceView } from '../api/backend.ts'
import type { HearthLibp2p } from './libp2p.ts'

/** circuit relay v2 hop protocol (@libp2p/circuit-relay-v2 RELAY_V2_HOP_CODEC) */
export const RELAY_HOP_PROTOCOL = '/libp2p/circuit/relay/0.2.0/hop'

/**
 * A relay for friends, not an open relay (research/libp2p-engineering.md s4, security.md A9/A10):
 * reservations only for contacts; each relayed connection limited (it then carries Hearth's small
 * protocol messages, not bulk data: those go direct once DCUtR or a public address allows); and
 * a peer that pushes more than its share through the relay is cut off for a while.
 */
export interface RelayLimits {
  /** reservations held at once (libp2p default 15) */
  maxReservations: number
  /** bytes per relayed connection, both directions together; then the relay resets it (libp2p default 128 KiB) */
  dataPerCircuit: bigint
  /** lifetime of one relayed connection (libp2p default 2 min) */
  durationPerCircuitMs: number
  /** relayed connections one peer may open at once over one connection to us (hop streams) */
  maxCircuitsPerConnection: number
  /** relayed connections we forward at once to one peer (stop streams) */
  maxCircuitsToPeer: number
  /** a hop request must complete within this */
  hopTimeoutMs: number
  /** abuse accounting window */
  abuseWindowMs: number
  /** bytes one peer may send into the relay per window, over all its relayed connections */
  abuseBytesPerWindow: number
  /** relayed connections one peer may open per window */
  abuseCircuitsPerWindow: number
  /** how long a peer over either budget is refused */
  cutOffMs: number
}

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  maxReservations: 32,
  dataPerCircuit: 1n << 20n,
  durationPerCircuitMs: 10 * 60_000,
  maxCircuitsPerConnection: 8,
  maxCircuitsToPeer: 16,
  hopTimeoutMs: 10_000,
  abuseWindowMs: 60_000,
  abuseBytesPerWindow: 4 << 20,
  abuseCircuitsPerWindow: 30,
  cutOffMs: 10 * 60_000
}

/** bounded bookkeeping: a flood of PeerIds must not grow it */
const MAX_TRACKED_PEERS = 1024
const MAX_RECENT_REFUSALS = 8

/**
 * The connection gater hooks for relaying (libp2p's own gater calls them). Created before
 * libp2p, bound to the relay service once it exists: until then every reservation is refused.
 */
export interface RelayGate {
  denyInboundRelayReservation (peer: PeerId): boolean
  denyOutboundRelayedConnection (source: PeerId, destination: PeerId): boolean
}

export function createRelayGate (): RelayGate & { bind (impl: RelayGate): void } {
  let impl: RelayGate | undefined
  return {
    bind (i) { impl = i },
    denyInboundRelayReservation: peer => impl?.denyInboundRelayReservation(peer) ?? true,
    denyOutboundRelayedConnection: (source, destination) => impl?.denyOutboundRelayedConnection(source, destination) ?? true
  }
}

/** The parts of @libp2p/circuit-relay-v2's CircuitRelayServer this module wraps (pinned 4.2.13). */
interface RelayServer {
  onHop (stream: Stream, connection: Connection): Promise<void>
  stopHop (options: { connection: Connection, request: unknown }, abort: { signal?: AbortSignal }): Promise<Stream | undefined>
  reservations: { size: number, entries (): IterableIterator<[PeerId, { expiry: Date }]>, delete (peer: PeerId): void }
}

export interface RelayServiceInit {
  mode: 'auto' | 'on' | 'off'
  limits: RelayLimits
  /** a PeerId of one of our contacts' devices */
  isContact: (peerId: string) => boolean
  didOf: (peerId: string) => string | undefined
  /** publicly reachable right now (for mode 'auto') */
  isPublic: () => boolean
  emit: (type: string, data: Record<string, unknown>) => void
}

export interface RelayService extends RelayGate {
  start (): Promise<void>
  stop (): Promise<void>
  /** re-check whether to serve (reachability changed) */
  update (): Promise<void>
  status (): RelayServiceView
  isCutOff (peerId: string): boolean
}

interface Usage { start: number, bytes: number, circuits: number }
interface CutOff { until: number, reason: string }

export function createRelayService (node: HearthLibp2p, gate: { bind (impl: RelayGate): void }, init: RelayServiceInit): RelayService {
  const { limits } = init
  const server = (node.services as { relay?: unknown }).relay as RelayServer | undefined
  const usage = new Map<string, Usage>()
  const cut = new Map<string, CutOff>()
  const live = new Map<string, Set<Stream>>()
  const recentRefusals: Array<{ peerId: string, reason: string, at: number }> = []
  let refused = 0
  let active = false
  let handling = false
  let started = false
  let updating: Promise<void> = Promise.resolve()

  const bounded = <V>(m: Map<string, V>, key: string, value: V): void => {
    m.delete(key)
    m.set(key, value)
    if (m.size > MAX_TRACKED_PEERS) m.delete(m.keys().next().value!)
  }
  const isCutOff = (peerId: string): boolean => {
    const c = cut.get(peerId)
    if (c === undefined) return false
    if (c.until > Date.now()) return true
    cut.delete(peerId)
    return false
  }
  const use = (peerId: string): Usage => {
    const now = Date.now()
    let u = usage.get(peerId)
    if (u === undefined || now - u.start >= limits.abuseWindowMs) {
      u = { start: now, bytes: 0, circuits: 0 }
      bounded(usage, peerId, u)
    }
    return u
  }
  const cutOff = (peerId: string, reason: string): void => {
    if (isCutOff(peerId)) return
    bounded(cut, peerId, { until: Date.now() + limits.cutOffMs, reason })
    usage.delete(peerId)
    for (const s of live.get(peerId) ?? []) s.abort(new Error(`relay: ${reason}; cut off for ${Math.round(limits.cutOffMs / 1000)} s`))
    live.delete(peerId)
    try { server?.reservations.delete(peerIdFromString(peerId)) } catch {}
    init.emit('relay:cut-off', { peerId, did: init.didOf(peerId), reason, until: cut.get(peerId)!.until })
  }
  const refuse = (peerId: string, reason: string): true => {
    refused++
    recentRefusals.push({ peerId, reason, at: Date.now() })
    if (recentRefusals.length > MAX_RECENT_REFUSALS) recentRefusals.shift()
    init.emit('relay:refused', { peerId, did: init.didOf(peerId), reason })
    return true
  }
  /** count what `peerId` sends into the relay on this stream; abort it when cut off */
  const track = (stream: Stream, peerId: string): void => {
    let set = live.get(peerId)
    if (set === undefined) { set = new Set(); bounded(live, peerId, set) }
    set.add(stream)
    stream.addEventListener('message', (evt: any) => {
      const u = use(peerId)
      u.bytes += evt.data.byteLength as number
      if (u.bytes > limits.abuseBytesPerWindow) cutOff(peerId, `sent over ${limits.abuseBytesPerWindow} bytes through the relay within ${limits.abuseWindowMs / 1000} s`)
    })
    stream.addEventListener('close', () => {
      const s = live.get(peerId)
      s?.delete(stream)
      if (s?.size === 0) live.delete(peerId)
    }, { once: true })
  }

  const onHop = async (stream: Stream, connection: Connection): Promise<void> => {
    track(stream, connection.remotePeer.toString())
    await server!.onHop(stream, connection)
  }

  const serve = async (on: boolean): Promise<void> => {
    if (server === undefined || on === handling || !started) return
    handling = on
    // the relay server registered its own handler at start: ours counts bytes first
    await node.unhandle(RELAY_HOP_PROTOCOL).catch(() => {})
    if (on) await node.handle(RELAY_HOP_PROTOCOL, onHop, { maxInboundStreams: limits.maxCircuitsPerConnection, runOnLimitedConnection: true })
  }

  const service: RelayService = {
    denyInboundRelayReservation (peer) {
      const p = peer.toString()
      if (!active) return refuse(p, 'this node is not serving as a relay')
      if (isCutOff(p)) return refuse(p, 'cut off for flooding')
      if (!init.isContact(p)) return refuse(p, 'not a contact')
      if (server !== undefined && server.reservations.size >= limits.maxReservations) return refuse(p, 'relay full')
      init.emit('relay:reservation', { peerId: p, did: init.didOf(p) })
      return false
    },
    denyOutboundRelayedConnection (source, destination) {
      const s = source.toString()
      const d = destination.toString()
      if (!active || isCutOff(s) || isCutOff(d)) return true
      const u = use(s)
      u.circuits++
      if (u.circuits > limits.abuseCircuitsPerWindow) {
        cutOff(s, `opened over ${limits.abuseCircuitsPerWindow} relayed connections within ${limits.abuseWindowMs / 1000} s`)
        return true
      }
      return false
    },
    isCutOff,
    async start () {
      gate.bind(service)
      if (server === undefined) return
      if (typeof server.onHop !== 'function' || typeof server.stopHop !== 'function' || server.reservations === undefined) {
        throw new Error('@libp2p/circuit-relay-v2 server no longer has onHop/stopHop/reservations (src/network/relay-service.ts)')
      }
      const stopHop = server.stopHop.bind(server)
      server.stopHop = async (options, abort) => {
        const stream = await stopHop(options, abort)
        if (stream !== undefined) track(stream, options.connection.remotePeer.toString())
        return stream
      }
      started = true
      // src/network/libp2p.ts took the server's own handler off at start; unhandle once more now
      // that every service has started: it rewrites our protocol list in the peer store, which a
      // service's handle() running alongside may have written back with the hop protocol in it
      handling = false
      await node.unhandle(RELAY_HOP_PROTOCOL).catch(() => {})
      await service.update()
    },
    async stop () {
      started = false
      gate.bind({ denyInboundRelayReservation: () => true, denyOutboundRelayedConnection: () => true })
      for (const set of live.values()) for (const s of set) s.abort(new Error('relay stopping'))
      live.clear()
    },
    async update () {
      updating = updating.then(async () => {
        active = server !== undefined && (init.mode === 'on' || (init.mode === 'auto' && init.isPublic()))
        await serve(active)
      }).catch(() => {})
      await updating
    },
    status () {
      const reservations = server === undefined
        ? []
        : [...server.reservations.entries()].map(([id, r]) => {
            const peerId = id.toString()
            const did = init.didOf(peerId)
            return { peerId, ...(did !== undefined ? { did } : {}), expiresAt: r.expiry.getTime() }
          })
      const now = Date.now()
      const cutOffView = [...cut].filter(([, c]) => c.until > now).map(([peerId, c]) => {
        const did = init.didOf(peerId)
        return { peerId, ...(did !== undefined ? { did } : {}), until: c.until, reason: c.reason }
      })
      return {
        mode: init.mode,
        active,
        reservations,
        refused,
        recentRefusals: recentRefusals.map(r => ({ ...r })),
        cutOff: cutOffView,
        limits: {
          maxReservations: limits.maxReservations,
          bytesPerConnection: Number(limits.dataPerCircuit),
          secondsPerConnection: Math.round(limits.durationPerCircuitMs / 1000),
          bytesPerPeerPerMinute: Math.round(limits.abuseBytesPerWindow * 60_000 / limits.abuseWindowMs)
        }
      }
    }
  }
  return service
}
