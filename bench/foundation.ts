/**
 * The foundation figures (DESIGN.md section 10): connect by DID cold and warm in a 50-node
 * in-process network, node start to ready, idle RSS. Each next to its raw floor from floors.ts.
 */
import { figure } from './report.ts'
import type { SuiteResult } from './report.ts'
import { summarize, timeMs } from './stats.ts'
import type { Summary } from './stats.ts'
import { createBenchRepo, createScratch, openBenchNode, startHearthNetwork } from './fixture.ts'
import type { Scratch } from './fixture.ts'
import { measureDhtFloors, measurePairFloors, minMean, rawStartOnce, scryptOnce } from './floors.ts'
import { bareJsMemory, idleChildMemory } from './child.ts'
import { dhtTableSize, separate } from './raw-node.ts'
import { freshPair } from './util.ts'
import { progress } from './progress.ts'
import type { HearthNode } from '../src/node.ts'
import { recordKey } from '../src/network/index.ts'
import { peerIdFromString } from '@libp2p/peer-id'

export const NETWORK_SIZE = 50
export const COLD_CONNECTS = 30
export const WARM_PER_PAIR = 3
export const PINGS = 200
export const START_RUNS = 5
/** the keystore's default cost (src/identity: N = 2^17, r = 8, p = 1) */
export const KEYSTORE_SCRYPT_LOG_N = 17

/** a V8 flag that trades a little GC time for memory: the young generation's semi-space in MiB */
const SMALL_YOUNG_GEN = '--max-semi-space-size=1'

const BUDGET = { coldP50Ms: 250, warmMs: 10, startMs: 1000, idleRssMB: 100 }
const MB = 1e6

export async function runFoundation (): Promise<SuiteResult> {
  const scratch = createScratch()
  try {
    return await measure(scratch)
  } finally {
    await scratch.cleanup()
  }
}

async function measure (scratch: Scratch): Promise<SuiteResult> {
  // Repos at the default scrypt cost, for start-to-ready and the idle children (one each:
  // two nodes cannot open one store).
  const { repo } = await createBenchRepo(scratch, { transport: 'tcp' })
  const { repo: repo2 } = await createBenchRepo(scratch, { transport: 'tcp' })

  // side by side: RSS after 3 s idle hardly depends on how fast each child started
  progress('idle RSS: five child processes at once, ~5 s')
  const [bareJs, bare, rawMem, hearthMem, hearthSmallYoung] = await Promise.all([
    bareJsMemory(),
    idleChildMemory(['bare']),
    idleChildMemory(['raw']),
    idleChildMemory(['hearth', repo]),
    idleChildMemory(['hearth', repo2], [SMALL_YOUNG_GEN])
  ])

  progress(`start to ready: ${START_RUNS} runs each of Hearth, raw libp2p and raw scrypt, interleaved`)
  const start = await measureStart(repo)

  progress(`raw pair floors: ${COLD_CONNECTS} fresh dials, ${PINGS} pings`)
  const pair = await measurePairFloors(COLD_CONNECTS, PINGS)

  progress(`raw ${NETWORK_SIZE}-node DHT network`)
  const dht = await measureDhtFloors(NETWORK_SIZE, COLD_CONNECTS)

  progress(`Hearth ${NETWORK_SIZE}-node network`)
  const net = await measureConnect()

  const figures = {
    connect_cold_p50: figure({
      what: `connect(did) to a node never met (no contact, no connection), ${NETWORK_SIZE}-node memory network, p50`,
      value: net.cold.p50,
      unit: 'ms',
      n: net.cold.n,
      floor: { value: dht.lookupAndDial.p50, what: `raw kad-dht get of a 400-byte value in a ${NETWORK_SIZE}-node raw network + fresh dial of the address in it, p50` },
      budget: BUDGET.coldP50Ms
    }),
    connect_cold_p99: figure({
      what: 'the same, p99',
      value: net.cold.p99,
      unit: 'ms',
      n: net.cold.n,
      floor: { value: dht.lookupAndDial.p99, what: 'the same raw get + dial, p99' }
    }),
    connect_cold_vs_dial: figure({
      what: 'connect(did) cold p50 again, measured against a bare dial',
      value: net.cold.p50,
      unit: 'ms',
      n: net.cold.n,
      floor: { value: pair.dial.p50, what: 'raw libp2p fresh dial of a known multiaddr (memory, noise, yamux), p50' }
    }),
    connect_warm_p50: figure({
      what: 'connect(did) to a DID already connected: record check on the open connection, p50',
      value: net.warm.p50,
      unit: 'ms',
      n: net.warm.n,
      floor: { value: pair.ping.p50, what: 'raw libp2p ping on an open connection (new stream + 32-byte round trip), p50' },
      budget: BUDGET.warmMs
    }),
    connect_warm_p99: figure({
      what: 'the same, p99',
      value: net.warm.p99,
      unit: 'ms',
      n: net.warm.n,
      floor: { value: pair.ping.p99, what: 'the same raw ping, p99' }
    }),
    start_to_ready: figure({
      what: 'createHearthNode() to start() resolved, existing repo, TCP 127.0.0.1, no API, p50',
      value: start.total.p50,
      unit: 'ms',
      n: start.total.n,
      floor: { value: start.raw.p50 + start.scrypt.p50, what: 'raw createLibp2p + start (same transports/services) p50 + raw scrypt 2^17 p50' },
      budget: BUDGET.startMs
    }),
    start_unlock: figure({
      what: 'of which: openRepo (config + keystore unlock, scrypt 2^17 by design), p50',
      value: start.unlock.p50,
      unit: 'ms',
      n: start.unlock.n,
      floor: { value: start.scrypt.p50, what: 'raw node:crypto scrypt N=2^17 r=8 p=1, p50' }
    }),
    start_rest: figure({
      what: 'of which: the rest (LevelDB store, libp2p, record, protocols), p50',
      value: start.rest.p50,
      unit: 'ms',
      n: start.rest.n,
      floor: { value: start.raw.p50, what: 'raw createLibp2p + start, same transports/services, in-memory datastore, p50' }
    }),
    idle_rss: figure({
      what: 'RSS of a child process running one started Hearth node (TCP, no API), after 3 s idle',
      value: hearthMem.rss / MB,
      unit: 'MB',
      n: 1,
      floor: { value: rawMem.rss / MB, what: 'RSS of a child running one started raw libp2p node, same transports/services' },
      budget: BUDGET.idleRssMB
    })
  }

  return {
    figures,
    info: {
      network: net.info,
      rawNetwork: { size: NETWORK_SIZE, setupMs: Math.round(dht.setupMs), routingTable: dht.routingTable, connectionsPerNode: dht.connectionsPerNode, pairsConnectedBefore: dht.pairsConnectedBefore, failures: dht.failures },
      floors: {
        rawLookupAndDialMs: brief(dht.lookupAndDial),
        rawDhtGetMs: brief(dht.get),
        rawFindPeerMs: brief(dht.findPeer),
        rawFreshDialMs: brief(pair.dial),
        rawPingMs: brief(pair.ping),
        rawStartMs: brief(start.raw),
        rawScrypt17Ms: brief(start.scrypt)
      },
      startMs: { total: brief(start.total), unlock: brief(start.unlock), rest: brief(start.rest) },
      idleMemoryMB: {
        bareNodeJs: mem(bareJs),
        bareNodeTs: mem(bare),
        rawLibp2p: mem(rawMem),
        hearth: mem(hearthMem),
        [`hearth ${SMALL_YOUNG_GEN}`]: mem(hearthSmallYoung)
      }
    }
  }
}

interface StartFigures { total: Summary, unlock: Summary, rest: Summary, raw: Summary, scrypt: Summary }

async function measureStart (repo: string): Promise<StartFigures> {
  const hearthOnce = async (): Promise<{ total: number, unlock: number }> => {
    let opened = 0
    let node: HearthNode | undefined
    const t0 = performance.now()
    // configure runs right after openRepo (config + keystore) inside createHearthNode
    const total = await timeMs(async () => {
      node = await openBenchNode(repo, 'tcp', config => { opened = performance.now(); return config })
      await node.start()
    })
    await node?.stop()
    return { total, unlock: opened - t0 }
  }
  // one untimed round: module loading and JIT
  await hearthOnce()
  await rawStartOnce()
  const total: number[] = []
  const unlock: number[] = []
  const raw: number[] = []
  const scrypt: number[] = []
  for (let i = 0; i < START_RUNS; i++) {
    const h = await hearthOnce()
    total.push(h.total)
    unlock.push(h.unlock)
    raw.push(await rawStartOnce())
    scrypt.push(await scryptOnce(KEYSTORE_SCRYPT_LOG_N))
  }
  return {
    total: summarize(total),
    unlock: summarize(unlock),
    rest: summarize(total.map((t, i) => t - unlock[i]!)),
    raw: summarize(raw),
    scrypt: summarize(scrypt)
  }
}

interface ConnectFigures { cold: Summary, warm: Summary, info: Record<string, unknown> }

async function measureConnect (): Promise<ConnectFigures> {
  const scratch = createScratch()
  let network: Awaited<ReturnType<typeof startHearthNetwork>> | undefined
  try {
    network = await startHearthNetwork(scratch, NETWORK_SIZE)
    const { nodes } = network
    const tables = nodes.map(n => dhtTableSize(n.network.libp2p))
    const connections = nodes.map(n => n.network.libp2p.getConnections().length)
    progress(`Hearth network up in ${(network.setupMs / 1000).toFixed(1)} s; ${COLD_CONNECTS} cold connects`)

    // The DHT traffic of setup leaves nearly every node connected to every other, so each
    // pair is disconnected first (untimed): no connection and no contact, a fresh dial needed.
    const used = new Set<string>()
    const pairs: Array<[HearthNode, HearthNode]> = []
    const via: Record<string, number> = {}
    const cold: number[] = []
    const failures: Record<string, number> = {}
    let wereConnected = 0
    for (let i = 0; i < COLD_CONNECTS; i++) {
      const [a, b] = freshPair(nodes, used)
      if (await separate(a.network.libp2p, b.network.libp2p)) wereConnected++
      let result: Awaited<ReturnType<HearthNode['connect']>>
      const t = performance.now()
      try {
        result = await a.connect(b.did)
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).name
        failures[code] = (failures[code] ?? 0) + 1
        progress(`cold connect failed after ${Math.round(performance.now() - t)} ms: ${(err as Error).message.slice(0, 300)}`)
        continue
      }
      cold.push(performance.now() - t)
      if (result.peerId !== b.peerId) throw new Error(`connect(${b.did}) reached ${result.peerId}, not ${b.peerId}`)
      via[result.via] = (via[result.via] ?? 0) + 1
      pairs.push([a, b])
    }
    if (cold.length === 0) throw new Error(`every cold connect failed: ${JSON.stringify(failures)}`)

    progress(`${pairs.length * WARM_PER_PAIR} warm connects`)
    const warmVia: Record<string, number> = {}
    const warm: number[] = []
    for (let round = 0; round < WARM_PER_PAIR; round++) {
      for (const [a, b] of pairs) {
        let result: Awaited<ReturnType<HearthNode['connect']>> | undefined
        warm.push(await timeMs(async () => { result = await a.connect(b.did) }))
        warmVia[result!.via] = (warmVia[result!.via] ?? 0) + 1
      }
    }
    // The same lookup one layer down, in this network: libp2p's DHT get of the record and a
    // dial of its peer, between fresh pairs, without Hearth's connect (contact lookup, scan of
    // connected peers, record check, contact saved). Apart from the network's shape, the gap
    // between this and the raw network's figure is the node's own libp2p setup (record
    // validator, LevelDB-backed peer store).
    progress(`${COLD_CONNECTS} libp2p-level DHT gets + dials in the Hearth network`)
    const below: number[] = []
    for (let i = 0; i < COLD_CONNECTS; i++) {
      const [a, b] = freshPair(nodes, used)
      await separate(a.network.libp2p, b.network.libp2p)
      const t = performance.now()
      try {
        await a.network.libp2p.contentRouting.get(recordKey(b.did), { signal: AbortSignal.timeout(15_000) })
        await a.network.libp2p.dial(peerIdFromString(b.peerId), { signal: AbortSignal.timeout(10_000) })
      } catch { continue }
      below.push(performance.now() - t)
    }
    return {
      cold: summarize(cold),
      warm: summarize(warm),
      info: {
        size: NETWORK_SIZE,
        setupMs: Math.round(network.setupMs),
        setupDhtPuts: network.setupPuts,
        routingTable: minMean(tables),
        connectionsPerNode: minMean(connections),
        coldPairsConnectedBefore: wereConnected,
        coldVia: via,
        coldFailures: failures,
        libp2pGetAndDialMs: below.length > 0 ? brief(summarize(below)) : null,
        warmVia
      }
    }
  } finally {
    progress('stopping the Hearth network')
    await network?.stop()
    await scratch.cleanup()
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10
const round2 = (x: number): number => Math.round(x * 100) / 100

function brief (s: Summary): { p50: number, p99: number, n: number } {
  return { p50: round2(s.p50), p99: round2(s.p99), n: s.n }
}

function mem (m: { rss: number, heapUsed: number }): { rss: number, heapUsed: number } {
  return { rss: round1(m.rss / MB), heapUsed: round1(m.heapUsed / MB) }
}
