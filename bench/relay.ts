/**
 * The relay figures (issue #5): a Hearth round trip through a friend's relay next to the same
 * round trip on a direct connection, measured in the same run, in-process over TCP on
 * 127.0.0.1 (no namespaces: test/nat/lab.test.ts has the real NATs). A "home behind NAT" listens
 * on no address, so the only way to it is the relay. Figures keep the shape of report.ts; the
 * floor of each relayed figure is the direct one.
 *
 * Wired in by two lines in bench/run.ts: `import { runRelay } from './relay.ts'` and a
 * `relay: runRelay` entry in SUITES (then `npm run bench -- --only relay` runs it alone).
 */
import { figure } from './report.ts'
import type { SuiteResult } from './report.ts'
import { sample, summarize } from './stats.ts'
import type { Summary } from './stats.ts'
import { createBenchRepo, createScratch, openBenchNode, FAST_SCRYPT_LOG_N } from './fixture.ts'
import type { Scratch } from './fixture.ts'
import { progress } from './progress.ts'
import { sleep, waitFor } from './util.ts'
import { PINGS_PER_SECOND } from '../src/network/ping-protocol.ts'
import type { HearthNode } from '../src/node.ts'
import type { HearthConfig } from '../src/repo/index.ts'

export const PINGS = 200
export const CONNECTS = 20

export async function runRelay (): Promise<SuiteResult> {
  const scratch = createScratch()
  const nodes: HearthNode[] = []
  try {
    return await measure(scratch, nodes)
  } finally {
    await Promise.all(nodes.map(async n => { await n.stop().catch(() => {}) }))
    await scratch.cleanup()
  }
}

async function start (scratch: Scratch, nodes: HearthNode[], bootstrap: string[], configure: (c: HearthConfig) => HearthConfig): Promise<HearthNode> {
  const { repo } = await createBenchRepo(scratch, { transport: 'tcp', bootstrap, scryptLogN: FAST_SCRYPT_LOG_N })
  const node = await openBenchNode(repo, 'tcp', configure)
  nodes.push(node)
  await node.start()
  return node
}

async function measure (scratch: Scratch, nodes: HearthNode[]): Promise<SuiteResult> {
  const t0 = performance.now()
  progress('relay: a friend with a relay, two homes behind NAT, one directly reachable node')
  const friend = await start(scratch, nodes, [], c => { c.network.relay = 'on'; return c })
  const boot = [friend.network.addresses()[0]!]
  const home = (c: HearthConfig): HearthConfig => { c.network.listen = []; c.network.dhtMode = 'client'; return c }
  const alice = await start(scratch, nodes, boot, home)
  const bob = await start(scratch, nodes, boot, home)
  const carol = await start(scratch, nodes, boot, c => { c.network.dhtMode = 'client'; return c }) // reachable: listens on 127.0.0.1
  await waitFor('everyone to reach the friend', () => [alice, bob, carol].every(n => n.peers().length > 0))
  for (const n of [alice, bob, carol]) {
    await friend.connect(n.did)
    await n.connect(friend.did)
  }
  await waitFor('alice to publish her relay address', () => {
    const r = alice.network.publisher.status()
    return r.publishedAt !== undefined && r.addresses?.some(a => a.includes('/p2p-circuit')) === true
  })
  await waitFor('carol to publish her record', () => carol.network.publisher.status().publishedAt !== undefined)
  const setupMs = performance.now() - t0

  progress(`relay: first contact by DID (DHT record, then relay vs direct)`)
  const firstRelayed = await bob.connect(alice.did)
  const firstDirect = await bob.connect(carol.did)
  if (!firstRelayed.remoteAddr.includes('/p2p-circuit') || firstDirect.remoteAddr.includes('/p2p-circuit')) {
    throw new Error(`unexpected paths: ${firstRelayed.remoteAddr} / ${firstDirect.remoteAddr}`)
  }

  progress(`relay: ${PINGS} pings each over the relayed and the direct connection, interleaved`)
  const relayedPing: number[] = []
  const directPing: number[] = []
  // paced under the ping protocol's per-peer rate limit (PINGS_PER_SECOND)
  const pace = 1000 / (PINGS_PER_SECOND * 0.8)
  for (let i = 0; i < PINGS + 10; i++) {
    const next = performance.now() + pace
    const r = (await bob.network.ping(alice.did)).ms
    const d = (await bob.network.ping(carol.did)).ms
    if (i >= 10) { relayedPing.push(r); directPing.push(d) } // the first 10: warm-up
    await sleep(Math.max(0, next - performance.now()))
  }

  progress(`relay: ${CONNECTS} reconnects by DID each (hang up, connect again from the contact cache)`)
  const relayedConnect = await sample(CONNECTS, async () => {
    await bob.network.libp2p.hangUp(alice.network.libp2p.peerId)
    const r = await bob.connect(alice.did)
    if (!r.remoteAddr.includes('/p2p-circuit')) throw new Error('expected a relayed connection')
  })
  const directConnect = await sample(CONNECTS, async () => {
    await bob.network.libp2p.hangUp(carol.network.libp2p.peerId)
    await bob.connect(carol.did)
  })

  const rp = summarize(relayedPing)
  const dp = summarize(directPing)
  const rc = summarize(relayedConnect)
  const dc = summarize(directConnect)
  const fs = await friend.status()
  return {
    figures: {
      relay_ping_p50: figure({
        what: '/vrm/ping/1.0.0 round trip (new stream + 32-byte echo) over a relayed connection: home -> friend\'s relay -> home, TCP 127.0.0.1, p50',
        value: rp.p50,
        unit: 'ms',
        n: rp.n,
        floor: { value: dp.p50, what: 'the same round trip over a direct connection, same run, interleaved, p50' }
      }),
      relay_ping_p99: figure({
        what: 'the same over the relay, p99',
        value: rp.p99,
        unit: 'ms',
        n: rp.n,
        floor: { value: dp.p99, what: 'the same direct, p99' }
      }),
      relay_connect_p50: figure({
        what: 'connect(did) to a home behind NAT, from the contact cache: dial through the relay + record check, p50',
        value: rc.p50,
        unit: 'ms',
        n: rc.n,
        floor: { value: dc.p50, what: 'connect(did) to a directly reachable node, from the contact cache, p50' }
      }),
      relay_connect_p99: figure({
        what: 'the same through the relay, p99',
        value: rc.p99,
        unit: 'ms',
        n: rc.n,
        floor: { value: dc.p99, what: 'the same direct, p99' }
      })
    },
    info: {
      setupMs: Math.round(setupMs),
      firstContactMs: { relayed: firstRelayed.ms, direct: firstDirect.ms },
      pingMs: { relayed: brief(rp), direct: brief(dp) },
      connectMs: { relayed: brief(rc), direct: brief(dc) },
      relayLimits: fs.relayService?.limits,
      relayReservations: fs.relayService?.reservations.length
    }
  }
}

function brief (s: Summary): Record<string, number> {
  const r = (x: number): number => Math.round(x * 1000) / 1000
  return { n: s.n, p50: r(s.p50), p99: r(s.p99), min: r(s.min), max: r(s.max) }
}
