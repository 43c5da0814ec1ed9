/**
 * Issue 3's figures: complete agreements (propose, accept, confirm, both sides stored and
 * acknowledged) between two nodes with 16 in flight, and the round trip of one, next to the
 * same message pattern over raw libp2p with node:crypto Ed25519 and no storage (DESIGN.md
 * section 10: >= 1,000/s with 16 in flight, p50 <= 3 ms, within 2x of the raw pattern).
 *
 * The machine is shared: a burst of someone else's work during one pattern and not the other
 * would skew the ratio. So both setups stay up and the measured agreements run in ROUNDS
 * alternating rounds (raw, Hearth, Hearth, raw, ...), each figure summed over its rounds.
 * CPU time per agreement is reported too: unlike wall time it hardly moves with the load.
 */
import { createLibp2p } from 'libp2p'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairSync, sign, verify, randomBytes } from 'node:crypto'
import type { Libp2p, Stream } from '@libp2p/interface'
import { framedStream } from '../src/messages/index.ts'
import type { HearthNode } from '../src/node.ts'
import { createScratch, createBenchRepo, openBenchNode, FAST_SCRYPT_LOG_N } from './fixture.ts'
import { figure, round } from './report.ts'
import type { SuiteResult } from './report.ts'
import { summarize } from './stats.ts'
import { progress } from './progress.ts'

export const IN_FLIGHT = 16
export const AGREEMENTS = 400
/** measured agreements are run in this many rounds per pattern, the patterns alternating */
export const ROUNDS = 4
export const WARMUP = 32
export const SEQUENTIAL = 50
/** a proposal JWT is about this long; the raw pattern signs and sends frames of the same size */
const MESSAGE_BYTES = 1300

export interface Run {
  ms: number[]
  wallMs: number
  /** CPU time of the whole process (every thread: LevelDB's workers, GC) and of the main thread alone */
  cpuMs: number
  mainThreadCpuMs: number
}

const add = (a: Run, b: Run): Run => ({ ms: [...a.ms, ...b.ms], wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs, mainThreadCpuMs: a.mainThreadCpuMs + b.mainThreadCpuMs })
const EMPTY: Run = { ms: [], wallMs: 0, cpuMs: 0, mainThreadCpuMs: 0 }

/**
 * Run `total` jobs with at most `width` at once; returns each job's duration, the wall time and
 * the CPU time spent. Both nodes share this process, so CPU per agreement is the cost of both
 * sides.
 */
export async function inFlight (total: number, width: number, job: () => Promise<void>): Promise<Run> {
  const ms: number[] = []
  let next = 0
  const cpu0 = process.cpuUsage()
  const main0 = process.threadCpuUsage()
  const t0 = performance.now()
  await Promise.all(Array.from({ length: Math.min(width, total) }, async () => {
    while (next < total) {
      next++
      const t = performance.now()
      await job()
      ms.push(performance.now() - t)
    }
  }))
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  const main = process.threadCpuUsage(main0)
  return { ms, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, mainThreadCpuMs: (main.user + main.system) / 1000 }
}

/** One pattern, set up: `one` runs a complete agreement. */
export interface Pattern {
  one: () => Promise<void>
  /** checks after the run (Hearth: the ledger verifies) */
  info: () => Promise<Record<string, unknown>>
  stop: () => Promise<void>
}

/** Resolves when both nodes have seen the agreement become active. */
function activeWatcher (nodes: HearthNode[]): (id: string) => Promise<void> {
  const seen = new Map<string, number>()
  const waiting = new Map<string, () => void>()
  for (const n of nodes) {
    n.onEvent(e => {
      if (e.type !== 'agreement:state' || e.data.state !== 'active') return
      const id = String(e.data.agreementId)
      const count = (seen.get(id) ?? 0) + 1
      seen.set(id, count)
      if (count === nodes.length) waiting.get(id)?.()
    })
  }
  return async (id) => {
    if ((seen.get(id) ?? 0) >= nodes.length) return
    await new Promise<void>(resolve => { waiting.set(id, resolve) })
  }
}

export async function hearthPattern (): Promise<Pattern> {
  const scratch = createScratch()
  const nodes: HearthNode[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map(async n => { await n.stop() }))
    await scratch.cleanup()
  }
  try {
    const p = await createBenchRepo(scratch, { transport: 'memory', scryptLogN: FAST_SCRYPT_LOG_N })
    const v = await createBenchRepo(scratch, { transport: 'memory', scryptLogN: FAST_SCRYPT_LOG_N })
    const person = await openBenchNode(p.repo, 'memory')
    nodes.push(person)
    // a vendor that takes agreements in bulk raises its per-peer proposal rate (default 20/s)
    const vendor = await openBenchNode(v.repo, 'memory', c => { c.agreements.autoAccept = ['SD-BASE']; c.agreements.maxProposalsPerSecond = 100_000; return c })
    nodes.push(vendor)
    await Promise.all([person.start(), vendor.start()])
    await person.connect(`hearth:invite?did=${vendor.did}&addr=${vendor.network.addresses()[0]!}`)
    const active = activeWatcher([person, vendor])
    return {
      async one () {
        const rec = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: [], purposes: [], validForMs: 3600_000 })
        await active(rec.id)
      },
      async info () {
        const verify = await person.ledger.verify()
        return { ledgerEntries: verify.count, ledgerOk: verify.ok }
      },
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

const RAW_PROTOCOL = '/hearth-bench/agreement/1.0.0'

/** Proposal, acceptance, confirmation: each a signed frame, verified, answered by a signed ack. */
export async function rawPattern (): Promise<Pattern> {
  const mk = async (): Promise<Libp2p> => await createLibp2p({
    addresses: { listen: [`/memory/hearth-bench-raw-${randomBytes(6).toString('hex')}`] },
    transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()]
  })
  const [a, b] = await Promise.all([mk(), mk()])
  const stop = async (): Promise<void> => { await Promise.all([a.stop(), b.stop()]) }
  const keys = { a: generateKeyPairSync('ed25519'), b: generateKeyPairSync('ed25519') }
  const payload = randomBytes(MESSAGE_BYTES - 64)
  const frame = (k: typeof keys.a): Uint8Array => Buffer.concat([payload, sign(null, payload, k.privateKey)])
  const check = (bytes: Uint8Array, k: typeof keys.a): void => {
    const b2 = Buffer.from(bytes)
    if (!verify(null, b2.subarray(0, b2.length - 64), k.publicKey, b2.subarray(b2.length - 64))) throw new Error('bad signature')
  }
  const serve = (node: Libp2p, self: typeof keys.a, peer: typeof keys.a): Promise<void> => node.handle(RAW_PROTOCOL, async (stream: Stream) => {
    const s = framedStream(stream, { maxBytes: 65536 })
    check(await s.read(), peer)
    await s.write(frame(self))
    await stream.close()
  }, { maxInboundStreams: 256 })
  try {
    await serve(a, keys.a, keys.b)
    await serve(b, keys.b, keys.a)
    const ab = await a.dial(b.getMultiaddrs()[0]!)
    const ba = await b.dial(a.getMultiaddrs()[0]!)
    const exchange = async (conn: typeof ab, self: typeof keys.a, peer: typeof keys.a): Promise<void> => {
      const stream = await conn.newStream(RAW_PROTOCOL)
      const s = framedStream(stream, { maxBytes: 65536 })
      await s.write(frame(self))
      check(await s.read(), peer)
      await stream.close()
    }
    return {
      async one () {
        await exchange(ab, keys.a, keys.b) // proposal
        await exchange(ba, keys.b, keys.a) // acceptance
        await exchange(ab, keys.a, keys.b) // confirmation
      },
      info: async () => ({}),
      stop
    }
  } catch (err) {
    await stop()
    throw err
  }
}

export async function runAgreements (): Promise<SuiteResult> {
  progress('agreements: setting up raw libp2p and Hearth nodes')
  const rawSetup = await rawPattern()
  let hearthSetup: Pattern
  try {
    hearthSetup = await hearthPattern()
  } catch (err) {
    await rawSetup.stop()
    throw err
  }
  let raw = EMPTY
  let hearth = EMPTY
  let rawSequential: Run
  let hearthSequential: Run
  let hearthInfo: Record<string, unknown>
  try {
    await inFlight(WARMUP, IN_FLIGHT, rawSetup.one)
    await inFlight(WARMUP, IN_FLIGHT, hearthSetup.one)
    const perRound = Math.ceil(AGREEMENTS / ROUNDS)
    for (let i = 0; i < ROUNDS; i++) {
      progress(`agreements: round ${i + 1} of ${ROUNDS}, ${perRound} with ${IN_FLIGHT} in flight each`)
      // raw first in even rounds, Hearth first in odd ones: neither always follows the other
      const order: Array<'raw' | 'hearth'> = i % 2 === 0 ? ['raw', 'hearth'] : ['hearth', 'raw']
      for (const which of order) {
        if (which === 'raw') raw = add(raw, await inFlight(perRound, IN_FLIGHT, rawSetup.one))
        else hearth = add(hearth, await inFlight(perRound, IN_FLIGHT, hearthSetup.one))
      }
    }
    rawSequential = await inFlight(SEQUENTIAL, 1, rawSetup.one)
    hearthSequential = await inFlight(SEQUENTIAL, 1, hearthSetup.one)
    hearthInfo = await hearthSetup.info()
  } finally {
    await Promise.all([rawSetup.stop(), hearthSetup.stop()])
  }
  const n = hearth.ms.length
  const rawRate = raw.ms.length / (raw.wallMs / 1000)
  const rate = n / (hearth.wallMs / 1000)
  const h = summarize(hearth.ms)
  const r = summarize(raw.ms)
  const floorWhat = `the same 3 signed frames and 3 signed acks over raw libp2p (memory, noise, yamux), node:crypto Ed25519, nothing stored, ${IN_FLIGHT} in flight`
  const perAgreement = (run: Run, ms: number): number => round(ms / run.ms.length, 3)
  return {
    figures: {
      agreements_per_s: figure({ what: `complete agreements per second between two nodes (propose, accept, confirm, all acknowledged and stored, synced), ${IN_FLIGHT} in flight`, value: rate, unit: '/s', n, floor: { value: rawRate, what: floorWhat }, budget: 1000, better: 'higher' }),
      agreement_p50: figure({ what: `one agreement, propose to active on both sides, p50 with ${IN_FLIGHT} in flight`, value: h.p50, unit: 'ms', n: h.n, floor: { value: r.p50, what: floorWhat }, budget: 3 }),
      agreement_p99: figure({ what: 'the same, p99', value: h.p99, unit: 'ms', n: h.n, floor: { value: r.p99, what: floorWhat } }),
      // both nodes run in this one process, so this is the CPU both sides spend on one agreement
      agreement_cpu: figure({ what: `CPU time of the process (all threads) per complete agreement, both sides, ${IN_FLIGHT} in flight`, value: perAgreement(hearth, hearth.cpuMs), unit: 'ms', n, floor: { value: perAgreement(raw, raw.cpuMs), what: floorWhat } })
    },
    info: {
      inFlight: IN_FLIGHT,
      agreements: n,
      rounds: ROUNDS,
      sequentialP50Ms: round(summarize(hearthSequential.ms).p50, 3),
      rawSequentialP50Ms: round(summarize(rawSequential.ms).p50, 3),
      ...hearthInfo,
      rawP50Ms: round(r.p50, 3),
      mainThreadCpuMsPerAgreement: perAgreement(hearth, hearth.mainThreadCpuMs),
      rawMainThreadCpuMsPerAgreement: perAgreement(raw, raw.mainThreadCpuMs)
    }
  }
}
