/**
 * Hearth nodes for benchmarks: temp repos, a closed-network config, single nodes and a
 * bootstrapped N-node network. (test/fixtures/node.ts does the same for vitest, which bench/
 * cannot import.)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initRepo, localNetworkConfig } from '../src/repo/index.ts'
import type { HearthConfig, InitResult } from '../src/repo/index.ts'
import { createHearthNode } from '../src/node.ts'
import type { HearthNode, HearthNodeInit } from '../src/node.ts'
import { progress } from './progress.ts'
import { inBatches, waitFor } from './util.ts'

export const BENCH_PASSPHRASE = 'bench passphrase, not a secret'
/** scrypt 2^14 for the many network nodes; the start-to-ready figure uses the default (2^17). */
export const FAST_SCRYPT_LOG_N = 14

/** Temp directories under os.tmpdir(), all removed by cleanup() (or on Ctrl-C / SIGTERM). */
export interface Scratch {
  dir (prefix?: string): Promise<string>
  cleanup (): Promise<void>
}

const live = new Set<string>()
let handlersInstalled = false

/** On SIGINT/SIGTERM, remove every live scratch directory before exiting. */
function removeOnSignal (): void {
  if (handlersInstalled) return
  handlersInstalled = true
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const d of live) rmSync(d, { recursive: true, force: true })
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
}

export function createScratch (): Scratch {
  removeOnSignal()
  const dirs: string[] = []
  return {
    async dir (prefix = 'hearth-bench-') {
      const d = await mkdtemp(join(tmpdir(), prefix))
      dirs.push(d)
      live.add(d)
      return d
    },
    async cleanup () {
      await Promise.all(dirs.splice(0).map(async d => {
        await rm(d, { recursive: true, force: true })
        live.delete(d)
      }))
    }
  }
}

/** A closed local network config (src/repo/config.ts localNetworkConfig). */
export function benchConfig (transport: 'tcp' | 'memory', bootstrap: string[] = []): HearthConfig {
  return localNetworkConfig(transport, bootstrap, 'hearth-bench')
}

export interface BenchRepoOptions {
  transport: 'tcp' | 'memory'
  bootstrap?: string[]
  /** default: the keystore's own (2^17) */
  scryptLogN?: number
}

export async function createBenchRepo (scratch: Scratch, options: BenchRepoOptions): Promise<InitResult> {
  return await initRepo({
    repo: join(await scratch.dir(), 'repo'),
    passphrase: BENCH_PASSPHRASE,
    config: benchConfig(options.transport, options.bootstrap),
    ...(options.scryptLogN !== undefined ? { scryptLogN: options.scryptLogN } : {})
  })
}

export async function openBenchNode (repo: string, transport: 'tcp' | 'memory', configure?: HearthNodeInit['configure']): Promise<HearthNode> {
  return await createHearthNode({ repo, passphrase: BENCH_PASSPHRASE, transport, ...(configure !== undefined ? { configure } : {}) })
}

export interface HearthNetwork {
  nodes: HearthNode[]
  /** ms spent building it */
  setupMs: number
  /** DHT puts (record publications) all nodes made until the network was ready */
  setupPuts: number
  stop (): Promise<void>
}

/**
 * Watches every node's DHT puts (its publisher calls libp2p.contentRouting.put): how many,
 * how many in flight, which nodes have one that succeeded, and when the last one ended.
 */
function createPutWatch () {
  let total = 0
  let inFlight = 0
  let lastEnd = performance.now()
  const succeeded = new Set<HearthNode>()
  return {
    watch (node: HearthNode): void {
      const routing = node.network.libp2p.contentRouting
      const put = routing.put.bind(routing)
      routing.put = async (...args: Parameters<typeof put>) => {
        total++
        inFlight++
        try {
          await put(...args)
          succeeded.add(node)
        } finally {
          inFlight--
          lastEnd = performance.now()
        }
      }
    },
    total: () => total,
    /** every node has put its record at least once, and no put started or ran for quietMs */
    settled: (nodes: HearthNode[], quietMs: number) => inFlight === 0 && performance.now() - lastEnd >= quietMs && nodes.every(n => succeeded.has(n))
  }
}

/** longer than the publisher's debounce (500 ms), so a scheduled publication has started */
const QUIET_MS = 1500
/** nodes joining at once; the next wave starts when the DHT traffic has settled */
const WAVE = Number(process.env.HEARTH_BENCH_WAVE ?? 10)

/**
 * `size` memory-transport nodes: node 0 is the hub, every other node bootstraps to it. They
 * join in waves of WAVE; the next wave starts once the DHT traffic has settled (every node has
 * published its DID record, and nobody has published for QUIET_MS). Waves keep setup short: a
 * node publishes again when a connection arrives while its own put is under way
 * (src/network/network.ts, publisher.ts), and its put opens connections, so 50 nodes starting
 * at once publish 300-500 times before they settle, against about 180 in waves of 10.
 */
export async function startHearthNetwork (scratch: Scratch, size: number, configure?: (index: number) => HearthNodeInit['configure']): Promise<HearthNetwork> {
  const t0 = performance.now()
  const nodes: HearthNode[] = []
  const puts = createPutWatch()
  let opened = 0
  const open = async (repo: string): Promise<HearthNode> => {
    // the index in start order (node 0 is the hub), taken before any await
    const node = await openBenchNode(repo, 'memory', configure?.(opened++))
    puts.watch(node)
    nodes.push(node)
    return node
  }
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(async n => { await n.stop() }))
  }
  try {
    const hubRepo = await createBenchRepo(scratch, { transport: 'memory', scryptLogN: FAST_SCRYPT_LOG_N })
    const hub = await open(hubRepo.repo)
    await hub.start()
    const bootstrap = [hub.network.addresses()[0]!]
    const repos = await inBatches(Array.from({ length: size - 1 }), 4, async () =>
      await createBenchRepo(scratch, { transport: 'memory', bootstrap, scryptLogN: FAST_SCRYPT_LOG_N }))
    progress(`network: ${size} repos made; starting nodes`)
    for (let i = 0; i < repos.length; i += WAVE) {
      await Promise.all(repos.slice(i, i + WAVE).map(async r => { await (await open(r.repo)).start() }))
      await waitFor('the DHT puts of network setup to settle', () => puts.settled(nodes, QUIET_MS), 120_000)
      progress(`network: ${nodes.length} nodes, settled after ${puts.total()} DHT puts`)
    }
  } catch (err) {
    await stop()
    throw err
  }
  return { nodes, setupMs: performance.now() - t0, setupPuts: puts.total(), stop }
}
