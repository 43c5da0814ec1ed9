import { openRepo } from './repo/index.ts'
import type { HearthConfig } from './repo/index.ts'
import { repoPaths } from './repo/paths.ts'
import { openStore } from './store/index.ts'
import type { Store } from './store/index.ts'
import { createNetwork } from './network/index.ts'
import type { Network } from './network/index.ts'
import { createEventBus } from './events.ts'
import { VERSION } from './version.ts'
import type { ApiBackend, StatusView } from './api/backend.ts'

export interface HearthNodeInit {
  repo: string
  passphrase: string
  /** 'memory' for in-process test networks and benchmarks */
  transport?: 'tcp' | 'memory'
  /** adjust the repo's config for this run only (tests, benchmarks, CLI flags) */
  configure?: (config: HearthConfig) => HearthConfig
}

/** A running node: identity + store + network. The daemon adds the admin API on top. */
export interface HearthNode extends ApiBackend {
  readonly did: string
  readonly peerId: string
  readonly repo: string
  readonly network: Network
  readonly store: Store
  readonly config: HearthConfig
  start (): Promise<void>
  stop (): Promise<void>
  /** resolves when something asked the daemon to stop (API /v1/shutdown) */
  readonly shutdownRequested: Promise<void>
}

export async function createHearthNode (init: HearthNodeInit): Promise<HearthNode> {
  const opened = await openRepo(init.repo, init.passphrase)
  const config = init.configure?.(structuredClone(opened.config)) ?? opened.config
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
    config,
    shutdownRequested,
    async start () {
      await network.start()
      startedAt = Date.now()
      bus.emit('node:ready', { did: node.did, peerId: node.peerId })
    },
    async stop () {
      if (stopped) return
      stopped = true
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
        contacts: (await network.contacts.list()).length
      }
    },
    peers: () => network.peers(),
    contacts: async () => (await network.contacts.list()).map(({ record: _record, ...view }) => view),
    connect: async (target, options) => await network.connect(target, options),
    onEvent: listener => bus.on(listener),
    requestShutdown: () => { requestShutdown() }
  }
  return node
}
