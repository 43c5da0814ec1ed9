/**
 * Issue 3's figures: complete agreements (propose, accept, confirm, both sides stored and
 * acknowledged) between two nodes with 16 in flight, and the round trip of one, next to the
 * same message pattern over raw libp2p with node:crypto Ed25519 and no storage (DESIGN.md
 * section 10: >= 1,000/s with 16 in flight, p50 <= 3 ms, within 2x of the raw pattern).
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
import { figure } from './report.ts'
import type { SuiteResult } from './report.ts'
import { summarize } from './stats.ts'
import { progress } from './progress.ts'

export const IN_FLIGHT = 16
export const AGREEMENTS = 400
export const WARMUP = 32
/** a proposal JWT is about this long; the raw pattern signs and sends frames of the same size */
const MESSAGE_BYTES = 1300

/** Run `total` jobs with at most `width` at once; returns each job's duration and the wall time. */
async function inFlight (total: number, width: number, job: (i: number) => Promise<void>): Promise<{ ms: number[], wallMs: number }> {
  const ms: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < total) {
      const i = next++
      const t = performance.now()
      await job(i)
      ms.push(performance.now() - t)
    }
  }))
  return { ms, wallMs: performance.now() - t0 }
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

async function hearthPattern (): Promise<{ ms: number[], wallMs: number, info: Record<string, unknown> }> {
  const scratch = createScratch()
  try {
    const p = await createBenchRepo(scratch, { transport: 'memory', scryptLogN: FAST_SCRYPT_LOG_N })
    const v = await createBenchRepo(scratch, { transport: 'memory', scryptLogN: FAST_SCRYPT_LOG_N })
    const person = await openBenchNode(p.repo, 'memory')
    // a vendor that takes agreements in bulk raises its per-peer proposal rate (default 20/s)
    const vendor = await openBenchNode(v.repo, 'memory', c => { c.agreements.autoAccept = ['SD-BASE']; c.agreements.maxProposalsPerSecond = 100_000; return c })
    await Promise.all([person.start(), vendor.start()])
    try {
      await person.connect(`hearth:invite?did=${vendor.did}&addr=${vendor.network.addresses()[0]!}`)
      const active = activeWatcher([person, vendor])
      const one = async (): Promise<void> => {
        const rec = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: [], purposes: [], validForMs: 3600_000 })
        await active(rec.id)
      }
      await inFlight(WARMUP, IN_FLIGHT, one)
      progress(`agreements: ${AGREEMENTS} with ${IN_FLIGHT} in flight`)
      const run = await inFlight(AGREEMENTS, IN_FLIGHT, one)
      const sequential = await inFlight(50, 1, one)
      const verify = await person.ledger.verify()
      return { ...run, info: { sequentialP50Ms: summarize(sequential.ms).p50, ledgerEntries: verify.count, ledgerOk: verify.ok } }
    } finally {
      await Promise.all([person.stop(), vendor.stop()])
    }
  } finally {
    await scratch.cleanup()
  }
}

const RAW_PROTOCOL = '/hearth-bench/agreement/1.0.0'

/** Proposal, acceptance, confirmation: each a signed frame, verified, answered by a signed ack. */
async function rawPattern (): Promise<{ ms: number[], wallMs: number }> {
  const mk = async (): Promise<Libp2p> => await createLibp2p({
    addresses: { listen: [`/memory/hearth-bench-raw-${randomBytes(6).toString('hex')}`] },
    transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()]
  })
  const [a, b] = await Promise.all([mk(), mk()])
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
  await serve(a, keys.a, keys.b)
  await serve(b, keys.b, keys.a)
  try {
    const ab = await a.dial(b.getMultiaddrs()[0]!)
    const ba = await b.dial(a.getMultiaddrs()[0]!)
    const exchange = async (conn: typeof ab, self: typeof keys.a, peer: typeof keys.a): Promise<void> => {
      const stream = await conn.newStream(RAW_PROTOCOL)
      const s = framedStream(stream, { maxBytes: 65536 })
      await s.write(frame(self))
      check(await s.read(), peer)
      await stream.close()
    }
    const one = async (): Promise<void> => {
      await exchange(ab, keys.a, keys.b) // proposal
      await exchange(ba, keys.b, keys.a) // acceptance
      await exchange(ab, keys.a, keys.b) // confirmation
    }
    await inFlight(WARMUP, IN_FLIGHT, one)
    return await inFlight(AGREEMENTS, IN_FLIGHT, one)
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
}

export async function runAgreements (): Promise<SuiteResult> {
  progress('agreements: raw libp2p pattern')
  const raw = await rawPattern()
  progress('agreements: Hearth nodes')
  const hearth = await hearthPattern()
  const rawRate = AGREEMENTS / (raw.wallMs / 1000)
  const rate = AGREEMENTS / (hearth.wallMs / 1000)
  const h = summarize(hearth.ms)
  const r = summarize(raw.ms)
  const floorWhat = `the same 3 signed frames and 3 signed acks over raw libp2p (memory, noise, yamux), node:crypto Ed25519, nothing stored, ${IN_FLIGHT} in flight`
  return {
    figures: {
      agreements_per_s: figure({ what: `complete agreements per second between two nodes (propose, accept, confirm, all acknowledged and stored, synced), ${IN_FLIGHT} in flight`, value: rate, unit: '/s', n: AGREEMENTS, floor: { value: rawRate, what: floorWhat }, budget: 1000, better: 'higher' }),
      agreement_p50: figure({ what: `one agreement, propose to active on both sides, p50 with ${IN_FLIGHT} in flight`, value: h.p50, unit: 'ms', n: h.n, floor: { value: r.p50, what: floorWhat }, budget: 3 }),
      agreement_p99: figure({ what: `the same, p99`, value: h.p99, unit: 'ms', n: h.n, floor: { value: r.p99, what: floorWhat } })
    },
    info: { inFlight: IN_FLIGHT, agreements: AGREEMENTS, ...hearth.info, rawP50Ms: r.p50 }
  }
}
