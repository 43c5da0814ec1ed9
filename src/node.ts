import { openRepo } from './repo/index.ts'
import { invalidConfig } from './errors.ts'
import type { HearthConfig } from './repo/index.ts'
import { repoPaths } from './repo/paths.ts'
import { openStore } from './store/index.ts'
import type { Store } from './store/index.ts'
import { createNetwork } from './network/index.ts'
import type { Network } from './network/index.ts'
import { createEventBus } from './events.ts'
import { createAgreements } from './agreements/index.ts'
import type { Agreements, AgreementsInit } from './agreements/index.ts'
import { agreementsApi } from './agreements/api.ts'
import { createIntentcast } from './intentcast/index.ts'
import type { Intentcast } from './intentcast/index.ts'
import { createLedger } from './ledger/index.ts'
import type { Ledger } from './ledger/index.ts'
import { createWebhook, parseWebhookConfig } from './webhook/index.ts'
import type { Webhook } from './webhook/index.ts'
import { lookupTerm } from './messages/index.ts'
import { VERSION } from './version.ts'
import { backupSource } from './backup/api-route.ts'
import type { BackupSource } from './backup/api-route.ts'
import type { ApiBackend, ReadinessView, StatusView } from './api/backend.ts'

export interface HearthNodeInit {
  repo: string
  passphrase: string
  /** 'memory' for in-process test networks and benchmarks */
  transport?: 'tcp' | 'memory'
  /** adjust the repo's config for this run only (tests, benchmarks, CLI flags) */
  configure?: (config: HearthConfig) => HearthConfig
  /** agreement engine timing (tests): outbox retry bounds, clock */
  agreements?: Omit<AgreementsInit, 'policy'>
  /** intentcast timing (tests): how often expired intents and offers are swept */
  intentcast?: { sweepIntervalMs?: number }
  /** CRM webhook retry bounds (tests; defaults 1 s to 5 min) */
  webhook?: { minRetryMs?: number, maxRetryMs?: number }
}

/** A running node: identity + store + network. The daemon adds the admin API on top. */
export interface HearthNode extends ApiBackend {
  readonly did: string
  readonly peerId: string
  readonly repo: string
  readonly network: Network
  readonly store: Store
  readonly agreements: Agreements
  readonly ledger: Ledger
  /** intents, offers, vendor mode (src/intentcast) */
  readonly intentcast: Intentcast
  readonly config: HearthConfig
  /** snapshots of the whole store for `hearth export` (src/backup) */
  readonly backup: BackupSource
  /** the CRM webhook (src/webhook); off unless config webhook.url is set */
  readonly webhook: Webhook
  readonly webhookApi: Webhook
  start (): Promise<void>
  stop (): Promise<void>
  /** resolves when something asked the daemon to stop (API /v1/shutdown) */
  readonly shutdownRequested: Promise<void>
}

export async function createHearthNode (init: HearthNodeInit): Promise<HearthNode> {
  const opened = await openRepo(init.repo, init.passphrase)
  const config = init.configure?.(structuredClone(opened.config)) ?? opened.config
  for (const id of [...config.agreements.autoAccept, ...config.agreements.accepts]) {
    if (lookupTerm(id) === undefined) throw invalidConfig('agreements', `${JSON.stringify(id)} is not a term id of the roster`)
  }
  parseWebhookConfig(config.webhook) // a config adjusted in code is checked too, before anything opens
  const store = await openStore({ location: repoPaths(init.repo).datastore, did: opened.identity.did })
  const bus = createEventBus()
  let network: Network
  try {
    network = await createNetwork({ identity: opened.identity, device: opened.device, store }, {
      config: config.network,
      transport: init.transport ?? 'tcp',
      emit: bus.emit
    })
  } catch (err) {
    await store.close()
    throw err
  }
  const ledger = await createLedger({ sublevel: store.ledger, batch: store.batch })
  const agreements = createAgreements({
    libp2p: network.libp2p,
    identity: opened.identity,
    store,
    contacts: network.contacts,
    ledger,
    connect: async (did, options) => await network.connect(did, options),
    emit: bus.emit
  }, { ...init.agreements, policy: config.agreements })
  let intentcast: Intentcast
  try {
    intentcast = createIntentcast({
      identity: opened.identity,
      masterSeed: opened.masterSeed,
      store,
      libp2p: network.libp2p,
      agreements,
      connect: async (did, options) => await network.connect(did, options),
      emit: bus.emit,
      on: bus.on
    }, config.intentcast, init.intentcast)
  } catch (err) {
    await store.close()
    throw err
  }
  const webhook = createWebhook({ store, did: opened.identity.did, secretPath: repoPaths(init.repo).webhookKey, onEvent: bus.on, emit: bus.emit },
    { config: config.webhook, ...init.webhook })
  let startedAt = 0
  let stopped = false
  // for /readyz: ready only between the end of start() and the beginning of stop()
  let phase: 'starting' | 'started' | 'stopping' | 'stopped' = 'starting'
  let requestShutdown!: () => void
  const shutdownRequested = new Promise<void>(resolve => { requestShutdown = resolve })

  const node: HearthNode = {
    did: opened.identity.did,
    peerId: network.libp2p.peerId.toString(),
    repo: init.repo,
    network,
    store,
    agreements,
    ledger,
    intentcast,
    config,
    webhook,
    webhookApi: webhook,
    shutdownRequested,
    async start () {
      await webhook.start() // first: it must hear every event from here on
      await agreements.listen()
      await network.start()
      await agreements.start()
      await intentcast.start()
      startedAt = Date.now()
      if (!stopped) phase = 'started'
      bus.emit('node:ready', { did: node.did, peerId: node.peerId })
    },
    async stop () {
      if (stopped) return
      stopped = true
      phase = 'stopping'
      // first: stopping aborts the outbox's requests at once, so nothing is acknowledged after stop()
      await agreements.stop()
      await intentcast.stop()
      await network.stop()
      await webhook.stop() // last: events of the shutdown are still queued
      await store.close()
      phase = 'stopped'
    },
    identity: () => ({ did: node.did, peerId: node.peerId, addresses: network.addresses(), invitation: network.invitation() }),
    async status (): Promise<StatusView> {
      const dht = network.libp2p.services.dht as any
      return {
        did: node.did,
        peerId: node.peerId,
        version: VERSION,
        repo: init.repo,
        startedAt,
        uptimeMs: startedAt === 0 ? 0 : Date.now() - startedAt,
        listen: network.addresses(),
        connections: network.libp2p.getConnections().length,
        dht: { mode: dht.getMode(), routingTableSize: dht.routingTable?.size ?? 0 },
        record: network.publisher.status(),
        contacts: (await network.contacts.list()).length,
        // reachability, public addresses, relays we use, our relay service (src/network)
        ...network.natStatus(),
        profile: config.profile,
        maxConnections: config.network.maxConnections
      }
    },
    peers: () => network.peers(),
    contacts: async () => (await network.contacts.list()).map(({ record: _record, ...view }) => view),
    connect: async (target, options) => await network.connect(target, options),
    onEvent: listener => bus.on(listener),
    requestShutdown: () => { requestShutdown() },
    readiness: (): ReadinessView => {
      const listening = network.libp2p.status === 'started' ? network.libp2p.getMultiaddrs().length : 0
      const uptimeMs = phase === 'started' ? Date.now() - startedAt : 0
      if (phase !== 'started') return { ready: false, reason: phase, listening, uptimeMs }
      if (store.meta.status !== 'open') return { ready: false, reason: 'store-closed', listening, uptimeMs }
      if (listening === 0) return { ready: false, reason: 'not-listening', listening, uptimeMs }
      return { ready: true, listening, uptimeMs }
    },
    agreementsApi: agreementsApi(agreements, ledger),
    intentcastApi: intentcast,
    backup: backupSource(store)
  }
  return node
}
