import type { Ed25519Key } from '../identity/index.ts'
import type { Store } from '../store/index.ts'
import type { NetworkConfig } from '../repo/config.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection } from '@libp2p/interface'
import type { ConnectResult, PeerView, StatusView } from '../api/backend.ts'
import { HearthError } from '../errors.ts'
import { createHearthLibp2p } from './libp2p.ts'
import { allIntentcastTopics } from '../intentcast/topics.ts'
import { MAX_SEALED_BYTES } from '../intentcast/seal.ts'
import type { HearthLibp2p } from './libp2p.ts'
import { createContacts } from './contacts.ts'
import type { Contacts } from './contacts.ts'
import { createPublisher } from './publisher.ts'
import type { RecordPublisher } from './publisher.ts'
import { serveRecord, fetchRecord } from './record-protocol.ts'
import { connectTarget } from './connect.ts'
import { formatInvitation } from './invitation.ts'
import { createBootstrapper } from './bootstrap.ts'
import { createRecordValidator } from './record-validator.ts'
import type { DidRecord } from './did-record.ts'
import { libp2pInternals, skipRepeatedProtocolMerges } from './internals.ts'
import { createRelayGate, createRelayService, DEFAULT_RELAY_LIMITS } from './relay-service.ts'
import type { RelayLimits, RelayService } from './relay-service.ts'
import { createRelayClient } from './relay-client.ts'
import type { RelayClient } from './relay-client.ts'
import { createPathTracker } from './paths.ts'
import { publicAddresses } from './reachability.ts'
import type { Reachability } from './reachability.ts'
import { ping, servePing } from './ping-protocol.ts'

/** What the node's status shows about reachability and relays. */
export type NatStatus = Required<Pick<StatusView, 'reachability' | 'publicAddresses' | 'relays' | 'relayService'>>

export interface NetworkComponents {
  identity: Ed25519Key
  device: Ed25519Key
  store: Store
}

export interface NetworkInit {
  config: NetworkConfig
  transport?: 'tcp' | 'memory'
  /** record lifetime; default 24 h */
  recordTtlMs?: number
  /** events for the API stream */
  emit?: (type: string, data: Record<string, unknown>) => void
  /** relay limits (tests and benchmarks use smaller ones) */
  relayLimits?: Partial<RelayLimits>
}

export interface Network {
  readonly libp2p: HearthLibp2p
  readonly contacts: Contacts
  readonly publisher: RecordPublisher
  readonly relayService: RelayService
  readonly relayClient: RelayClient
  start (): Promise<void>
  stop (): Promise<void>
  connect (target: string, options?: { signal?: AbortSignal }): Promise<ConnectResult>
  peers (): PeerView[]
  addresses (): string[]
  invitation (): string
  /** reachability, public addresses, our relays, our relay service */
  natStatus (): NatStatus
  /** one /vrm/ping/1.0.0 round trip to a connected DID or PeerId (the best open connection) */
  ping (target: string, options?: { signal?: AbortSignal }): Promise<{ peerId: string, path: PeerView['path'], ms: number }>
}

/** one gossipsub RPC frame: a sealed message plus framing, and room for control messages */
const PUBSUB_MAX_FRAME_BYTES = 2 * MAX_SEALED_BYTES + 8192

/**
 * A node found on the LAN while it is still starting may answer mDNS before it serves its
 * record (libp2p starts first, then the record protocol): ask a few times, 0.5 s apart and
 * longer, before giving up on that peer.
 */
async function fetchRecordPatiently (conn: Parameters<typeof fetchRecord>[0]): ReturnType<typeof fetchRecord> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchRecord(conn)
    } catch (err) {
      if (attempt >= 5 || conn.status !== 'open') throw err
      await new Promise(resolve => setTimeout(resolve, 500 * attempt))
    }
  }
}

const rank = (p: PeerView['path']): number => p === 'relayed' ? 1 : 0

export async function createNetwork (components: NetworkComponents, init: NetworkInit): Promise<Network> {
  const { identity, store } = components
  const emit = init.emit ?? (() => {})
  const validator = createRecordValidator()
  const relayLimits: RelayLimits = { ...DEFAULT_RELAY_LIMITS, ...init.relayLimits }
  const relayGate = createRelayGate()
  const libp2p = await createHearthLibp2p({
    validator,
    privateKey: await components.device.toLibp2pPrivateKey(),
    datastore: store.datastore,
    network: init.config,
    transport: init.transport ?? 'tcp',
    relayGate,
    relayLimits,
    pubsubTopics: allIntentcastTopics(),
    pubsubMaxFrameBytes: PUBSUB_MAX_FRAME_BYTES
  })
  let internals: ReturnType<typeof libp2pInternals>
  try { internals = libp2pInternals(libp2p) } catch (err) { await libp2p.stop(); throw err }
  skipRepeatedProtocolMerges(libp2p)
  const contacts = await createContacts(store)
  for (const c of await contacts.list()) if (c.seq !== undefined) validator.saw({ did: c.did, seq: c.seq } as DidRecord)
  const publisher = createPublisher(libp2p, identity, store, { ttlMs: init.recordTtlMs, onRecord: r => { validator.saw(r as DidRecord) } })
  const bootstrapper = createBootstrapper(libp2p, init.config.bootstrap)
  const bootstrapPeers = new Set(init.config.bootstrap.map(a => a.slice(a.lastIndexOf('/p2p/') + 5)))
  const isPublic = (): boolean => publicAddresses(internals.addressManager).length > 0
  const relayService = createRelayService(libp2p, relayGate, {
    mode: init.config.relay,
    limits: relayLimits,
    isContact: p => contacts.isContactPeer(p),
    didOf: p => contacts.didOf(p),
    isPublic,
    emit
  })
  const relayClient = createRelayClient(libp2p, {
    wanted: init.config.relayReservations,
    transportManager: internals.transportManager,
    isCandidate: p => contacts.isContactPeer(p) || bootstrapPeers.has(p),
    isPreferred: p => contacts.isContactPeer(p),
    didOf: p => contacts.didOf(p),
    isPublic,
    emit
  })
  const paths = createPathTracker(libp2p)
  const reachability = (): Reachability => isPublic() ? 'public' : relayClient.reserved().length > 0 ? 'relayed' : 'private'
  let lastReachability: Reachability | undefined
  // our addresses changed: a UPnP mapping, a relay reservation, a confirmed address
  const onSelfUpdate = (): void => {
    void relayService.update()
    relayClient.poke()
    const now = reachability()
    if (now !== lastReachability) {
      if (lastReachability !== undefined) emit('network:reachability', { reachability: now, was: lastReachability })
      lastReachability = now
    }
  }

  const onConnect = (evt: CustomEvent<any>): void => {
    const peerId = evt.detail.toString()
    emit('peer:connect', { peerId, did: contacts.didOf(peerId) })
    // The first peers make a DHT put possible; retry one that has not gone out yet.
    const st = publisher.status()
    if (st.publishedAt === undefined || st.lastError !== undefined) publisher.schedule()
  }
  const onDisconnect = (evt: CustomEvent<any>): void => {
    const peerId = evt.detail.toString()
    emit('peer:disconnect', { peerId, did: contacts.didOf(peerId) })
  }
  // mDNS in libp2p 3 does not dial what it finds: dial, then learn the peer's DID.
  const onDiscovery = (evt: CustomEvent<any>): void => {
    const id = evt.detail.id
    if (libp2p.getConnections(id).length > 0) return
    libp2p.dial(id, { signal: AbortSignal.timeout(10_000) })
      .then(async conn => await fetchRecordPatiently(conn))
      .then(async ({ record, bytes }) => {
        validator.saw(record)
        await contacts.upsert({ did: record.did, peerIds: record.devices.map(d => d.peerId), addresses: record.devices.flatMap(d => d.addrs), seq: record.seq, lastSeen: Date.now(), source: 'mdns', record: Buffer.from(bytes).toString('base64') })
        emit('contact:update', { did: record.did, source: 'mdns' })
      })
      .catch(() => {})
  }

  const network: Network = {
    libp2p,
    contacts,
    publisher,
    relayService,
    relayClient,
    async start () {
      await libp2p.start()
      await publisher.start()
      await serveRecord(libp2p, () => publisher.current())
      await servePing(libp2p)
      paths.start()
      await relayService.start()
      relayClient.start()
      lastReachability = reachability()
      libp2p.addEventListener('self:peer:update', onSelfUpdate)
      libp2p.addEventListener('peer:connect', onConnect)
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      if (init.config.mdns) libp2p.addEventListener('peer:discovery', onDiscovery)
      bootstrapper.start()
      publisher.schedule()
    },
    async stop () {
      libp2p.removeEventListener('self:peer:update', onSelfUpdate)
      relayClient.stop()
      await relayService.stop()
      paths.stop()
      libp2p.removeEventListener('peer:connect', onConnect)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      libp2p.removeEventListener('peer:discovery', onDiscovery)
      bootstrapper.stop()
      await publisher.stop()
      await libp2p.stop()
    },
    async connect (target, options) {
      const result = await connectTarget({ node: libp2p, contacts, selfDid: identity.did, onRecord: validator.saw, onDirect: paths.markDirect }, target, options)
      emit('contact:update', { did: result.did, source: result.via })
      // a new contact may be a relay for us, and may now use ours
      relayClient.poke(result.peerId)
      return result
    },
    peers () {
      return libp2p.getConnections().map(c => {
        const peerId = c.remotePeer.toString()
        const did = contacts.didOf(peerId)
        const relay = paths.relayOf(c)
        const relayDid = relay !== undefined ? contacts.didOf(relay) : undefined
        return {
          peerId,
          ...(did !== undefined ? { did } : {}),
          remoteAddr: c.remoteAddr.toString(),
          direction: c.direction,
          path: paths.pathOf(c),
          openedAt: c.timeline.open,
          ...(relay !== undefined ? { relay: { peerId: relay, ...(relayDid !== undefined ? { did: relayDid } : {}) } } : {}),
          ...(c.limits !== undefined ? { limited: true } : {})
        }
      })
    },
    addresses () { return libp2p.getMultiaddrs().map(a => a.toString()) },
    invitation () { return formatInvitation({ did: identity.did, addrs: network.addresses() }) },
    natStatus () {
      return {
        reachability: reachability(),
        publicAddresses: publicAddresses(internals.addressManager),
        relays: relayClient.status(),
        relayService: relayService.status()
      }
    },
    async ping (target, options) {
      const peers = target.startsWith('did:')
        ? [...new Set([...((await contacts.get(target))?.peerIds ?? []), ...libp2p.getConnections().map(c => c.remotePeer.toString()).filter(p => contacts.didOf(p) === target)])]
        : [target]
      let conn: Connection | undefined
      for (const p of peers) {
        let id
        try { id = peerIdFromString(p) } catch { throw new HearthError('INVALID_ARGUMENT', `${JSON.stringify(target.slice(0, 80))} is neither a DID nor a PeerId`) }
        const best = libp2p.getConnections(id).filter(c => c.status === 'open').sort((a, b) => rank(paths.pathOf(a)) - rank(paths.pathOf(b)))[0]
        if (best !== undefined && (conn === undefined || rank(paths.pathOf(best)) < rank(paths.pathOf(conn)))) conn = best
      }
      if (conn === undefined) throw new HearthError('UNREACHABLE', `not connected to ${target}: connect first`)
      const ms = await ping(conn, options)
      return { peerId: conn.remotePeer.toString(), path: paths.pathOf(conn), ms }
    }
  }
  return network
}
