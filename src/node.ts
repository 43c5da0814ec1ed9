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
import { createLedger } from './ledger/index.ts'
import type { Ledger } from './ledger/index.ts'
import { lookupTerm } from './messages/index.ts'
import { VERSION } from './version.ts'
import type { ApiBackend, StatusView } from './api/backend.ts'

export interface HearthNodeInit {
  repo: string
  passphrase: string
  /** 'memory' for in-process test networks and benchmarks */
  transport?: 'tcp' | 'memory'
  /** adjust the repo's config for this run only (tests, benchmarks, CLI flags) */
  configure?: (config: HearthConfig) => HearthConfig
  /** agreement engine timing (tests): outbox retry bounds, clock */
  agreements?: Omit<AgreementsInit, 'policy'>
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
  readonly config: HearthConfig
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
  let startedAt = 0
  let stopped = false
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
    config,
    shutdownRequested,
    async start () {
      await agreements.listen()
      await network.start()
      await agreements.start()
      startedAt = Date.now()
      bus.emit('node:ready', { did: node.did, peerId: node.peerId })
    },
    async stop () {
      if (stopped) return
      stopped = true
      await agreements.stop()
      await network.stop()
      await store.close()
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
        ...network.natStatus()
      }
    },
    peers: () => network.peers(),
    contacts: async () => (await network.contacts.list()).map(({ record: _record, ...view }) => view),
    connect: async (target, options) => await network.connect(target, options),
    onEvent: listener => bus.on(listener),
    requestShutdown: () => { requestShutdown() },
    agreementsApi: agreementsApi(agreements, ledger)
  }
  return node
}
