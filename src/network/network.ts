import type { Ed25519Key } from '../identity/index.ts'
import type { Store } from '../store/index.ts'
import type { NetworkConfig } from '../repo/config.ts'
import type { ConnectResult, PeerView } from '../api/backend.ts'
import { createHearthLibp2p } from './libp2p.ts'
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
}

export interface Network {
  readonly libp2p: HearthLibp2p
  readonly contacts: Contacts
  readonly publisher: RecordPublisher
  start (): Promise<void>
  stop (): Promise<void>
  connect (target: string, options?: { signal?: AbortSignal }): Promise<ConnectResult>
  peers (): PeerView[]
  addresses (): string[]
  invitation (): string
}

export async function createNetwork (components: NetworkComponents, init: NetworkInit): Promise<Network> {
  const { identity, store } = components
  const emit = init.emit ?? (() => {})
  const validator = createRecordValidator()
  const libp2p = await createHearthLibp2p({
    validator,
    privateKey: await components.device.toLibp2pPrivateKey(),
    datastore: store.datastore,
    network: init.config,
    transport: init.transport ?? 'tcp'
  })
  const contacts = await createContacts(store)
  for (const c of await contacts.list()) if (c.seq !== undefined) validator.saw({ did: c.did, seq: c.seq } as DidRecord)
  const publisher = createPublisher(libp2p, identity, store, { ttlMs: init.recordTtlMs, onRecord: r => { validator.saw(r as DidRecord) } })
  const bootstrapper = createBootstrapper(libp2p, init.config.bootstrap)

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
      .then(async conn => await fetchRecord(conn))
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
    async start () {
      await libp2p.start()
      await publisher.start()
      await serveRecord(libp2p, () => publisher.current())
      libp2p.addEventListener('peer:connect', onConnect)
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      if (init.config.mdns) libp2p.addEventListener('peer:discovery', onDiscovery)
      bootstrapper.start()
      publisher.schedule()
    },
    async stop () {
      libp2p.removeEventListener('peer:connect', onConnect)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      libp2p.removeEventListener('peer:discovery', onDiscovery)
      bootstrapper.stop()
      await publisher.stop()
      await libp2p.stop()
    },
    async connect (target, options) {
      const result = await connectTarget({ node: libp2p, contacts, selfDid: identity.did, onRecord: validator.saw }, target, options)
      emit('contact:update', { did: result.did, source: result.via })
      return result
    },
    peers () {
      return libp2p.getConnections().map(c => {
        const peerId = c.remotePeer.toString()
        const did = contacts.didOf(peerId)
        return {
          peerId,
          ...(did !== undefined ? { did } : {}),
          remoteAddr: c.remoteAddr.toString(),
          direction: c.direction,
          path: c.remoteAddr.toString().includes('/p2p-circuit') ? 'relayed' : 'direct',
          openedAt: c.timeline.open
        }
      })
    },
    addresses () { return libp2p.getMultiaddrs().map(a => a.toString()) },
    invitation () { return formatInvitation({ did: identity.did, addrs: network.addresses() }) }
  }
  return network
}
