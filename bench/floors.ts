/**
 * Raw floors: the same work done by plain libp2p (memory or TCP transport, noise, yamux,
 * identify, ping, kad-dht, assembled as src/network/libp2p.ts does) or by node:crypto, with no
 * Hearth code at all. Every Hearth figure is printed as a ratio to one of these, measured in
 * the same run.
 */
import { scrypt, randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { sample, summarize, timeMs } from './stats.ts'
import type { Summary } from './stats.ts'
import { freshPair, inBatches, sleep, waitFor } from './util.ts'
import { createRawNode, dhtTableSize, RAW_NAMESPACE, separate } from './raw-node.ts'
import type { RawNode } from './raw-node.ts'
import { progress } from './progress.ts'

/** about the size of a signed DID record with one device and one address */
const RAW_VALUE_BYTES = 400
const PING_STREAMS = 16

export interface PairFloors {
  /** a fresh dial of a known multiaddr: memory transport + noise XX + yamux, until dial() resolves */
  dial: Summary
  /** @libp2p/ping on the open connection: new stream + 32-byte round trip */
  ping: Summary
}

/** Two raw memory nodes: fresh dials (hang up between them), then pings on one connection. */
export async function measurePairFloors (dials: number, pings: number): Promise<PairFloors> {
  const a = await createRawNode('memory', { pingStreams: PING_STREAMS })
  const b = await createRawNode('memory', { pingStreams: PING_STREAMS })
  try {
    await a.start()
    await b.start()
    const addr = b.getMultiaddrs()[0]!
    const freshDial = async (): Promise<void> => {
      await a.dial(addr)
    }
    for (let i = 0; i < 5; i++) { await freshDial(); await separate(a, b) }
    const dialMs: number[] = []
    for (let i = 0; i < dials; i++) {
      dialMs.push(await timeMs(freshDial))
      await separate(a, b)
    }
    await a.dial(addr)
    for (let i = 0; i < 20; i++) await a.services.ping.ping(b.peerId)
    const pingMs = await sample(pings, async () => await a.services.ping.ping(b.peerId))
    return { dial: summarize(dialMs), ping: summarize(pingMs) }
  } finally {
    await Promise.all([a.stop(), b.stop()])
  }
}

export interface DhtFloors {
  /** DHT GET of a same-size value, then a fresh dial of the multiaddr inside it */
  lookupAndDial: Summary
  /** the GET part of lookupAndDial */
  get: Summary
  /** kad-dht findPeer over the network (useCache: false), to a peer just disconnected */
  findPeer: Summary
  setupMs: number
  routingTable: { min: number, mean: number }
  connectionsPerNode: { min: number, mean: number }
  /** how many of the lookup pairs had a connection that was closed before the lookup */
  pairsConnectedBefore: number
  /** operations that failed (not in the samples) */
  failures: { put: number, get: number, dial: number, findPeer: number }
}

export function minMean (xs: number[]): { min: number, mean: number } {
  return { min: Math.min(...xs), mean: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length * 10) / 10 }
}

const rawKey = (node: RawNode): Uint8Array => new TextEncoder().encode(`/${RAW_NAMESPACE}/${node.peerId.toString()}`)

function rawValue (node: RawNode): Uint8Array {
  const body = JSON.stringify({ peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString().replace(/\/p2p\/[^/]+$/, '')) })
  return new TextEncoder().encode(body.padEnd(RAW_VALUE_BYTES, ' '))
}

/**
 * A raw network built like the Hearth one (hub + bootstrap, every node puts one value), then
 * lookups between pairs that were never looked up before, disconnected first.
 */
export async function measureDhtFloors (size: number, lookups: number): Promise<DhtFloors> {
  const t0 = performance.now()
  const nodes: RawNode[] = []
  try {
    for (let i = 0; i < size; i++) nodes.push(await createRawNode('memory'))
    await Promise.all(nodes.map(async n => { await n.start() }))
    const hub = nodes[0]!.getMultiaddrs()[0]!
    await inBatches(nodes.slice(1), 8, async n => { await n.dial(hub) })
    await waitFor('raw routing tables', () => nodes.every(n => dhtTableSize(n) > 0), 30_000)
    // every node is up before the puts; Hearth's nodes join in waves and publish as they
    // join (fixture.ts), so the early records there went into a smaller network
    let putFailures = 0
    await inBatches(nodes, 8, async n => {
      await n.contentRouting.put(rawKey(n), rawValue(n), { signal: AbortSignal.timeout(60_000) }).catch(() => { putFailures++ })
    })
    await sleep(1000)
    const setupMs = performance.now() - t0
    const sizes = nodes.map(dhtTableSize)
    const conns = nodes.map(n => n.getConnections().length)
    progress(`raw network: ${size} nodes up in ${(setupMs / 1000).toFixed(1)} s; ${lookups} lookups + dials`)

    // Each pair is disconnected first (untimed), as in the Hearth network: there nearly every
    // node is connected to every other after the DHT traffic of setup.
    const used = new Set<string>()
    let wereConnected = 0
    const failures = { put: putFailures, get: 0, dial: 0, findPeer: 0 }
    const getMs: number[] = []
    const totalMs: number[] = []
    for (let i = 0; i < lookups; i++) {
      const [a, b] = freshPair(nodes, used)
      if (await separate(a, b)) wereConnected++
      const t = performance.now()
      let value: Uint8Array
      try {
        value = await a.contentRouting.get(rawKey(b), { signal: AbortSignal.timeout(15_000) })
      } catch { failures.get++; continue }
      const tGot = performance.now()
      const { addrs } = JSON.parse(new TextDecoder().decode(value)) as { addrs: string[] }
      try {
        await a.dial(multiaddr(`${addrs[0]!}/p2p/${b.peerId.toString()}`), { signal: AbortSignal.timeout(10_000) })
      } catch { failures.dial++; continue }
      totalMs.push(performance.now() - t)
      getMs.push(tGot - t)
    }
    const findMs: number[] = []
    for (let i = 0; i < lookups; i++) {
      const [a, b] = freshPair(nodes, used)
      await separate(a, b)
      const t = performance.now()
      let found = false
      try {
        for await (const event of a.services.dht.findPeer(b.peerId, { useCache: false, signal: AbortSignal.timeout(15_000) })) {
          if (event.name === 'FINAL_PEER' && event.peer.id.equals(b.peerId)) { found = true; break }
        }
      } catch {}
      if (found) findMs.push(performance.now() - t)
      else failures.findPeer++
    }
    if (totalMs.length === 0 || findMs.length === 0) throw new Error(`raw DHT lookups all failed: ${JSON.stringify(failures)}`)
    return {
      lookupAndDial: summarize(totalMs),
      get: summarize(getMs),
      findPeer: summarize(findMs),
      setupMs,
      routingTable: minMean(sizes),
      connectionsPerNode: minMean(conns),
      pairsConnectedBefore: wereConnected,
      failures
    }
  } finally {
    await Promise.all(nodes.map(async n => { await n.stop() }))
  }
}

/** createLibp2p + start of a raw TCP node on 127.0.0.1 (then stopped, untimed). */
export async function rawStartOnce (): Promise<number> {
  let node: RawNode | undefined
  const ms = await timeMs(async () => {
    node = await createRawNode('tcp')
    await node.start()
  })
  await node?.stop()
  return ms
}

/** node:crypto scrypt with the keystore's parameters (N = 2^logN, r = 8, p = 1). */
export async function scryptOnce (logN: number): Promise<number> {
  const N = 2 ** logN
  const maxmem = 128 * 8 * (N + 3) + 1024 * 1024
  return await timeMs(async () => await new Promise<void>((resolve, reject) => {
    scrypt('bench passphrase', randomBytes(16), 32, { N, r: 8, p: 1, maxmem }, err => { if (err !== null) reject(err); else resolve() })
  }))
}
