import { join } from 'node:path'
import { Level } from 'level'
import { Key } from 'interface-datastore'
import { createLibp2p } from 'libp2p'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { randomBytes } from 'node:crypto'
import { describe, it, expect, onTestFinished } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import type { Store } from '../../src/store/index.ts'
import { PeerCachingDatastore } from '../../src/store/peer-cache.ts'
import { tempDir, waitFor } from '../fixtures/node.ts'

const PEER = new Key('/peers/bafzaajaiaejcaxxe3ccwqe4n3d6xivvmvtnqxqrvtnqsnypkrcmmwcs7ggtfj6gy')
const OTHER = new Key('/peers/bafzaajaiaejcb4s4dgl5zqtfb3lpfx6ujzi6vubaxehbhwbxbhdvtwdnqb6qcnby')
const DHT = new Key('/dht/record/afzbeigdyrztdhx2n5ha')
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

async function location (): Promise<string> {
  return join(await tempDir('hearth-peer-cache-'), 'datastore')
}

async function open (loc: string): Promise<Store> {
  const store = await openStore({ location: loc })
  onTestFinished(async () => { await store.close().catch(() => {}) })
  return store
}

/** A second look at libp2p's sublevel, beside the cache: what LevelDB holds right now. */
const onDisk = async (store: Store, key: Key): Promise<string | undefined> => {
  const value = await store.datastore.db.get(key.toString())
  return value === undefined ? undefined : text(value)
}

/** a cache on its own sublevel of a fresh LevelDB, with a long flush delay unless told */
async function bareCache (init: ConstructorParameters<typeof PeerCachingDatastore>[1] = {}): Promise<{ cache: PeerCachingDatastore, raw: Level<string, Uint8Array> }> {
  const db = new Level<string, Uint8Array>(await location(), { valueEncoding: 'view' })
  await db.open()
  const raw = db.sublevel<string, Uint8Array>('libp2p', { valueEncoding: 'view' }) as unknown as Level<string, Uint8Array>
  const cache = new PeerCachingDatastore(raw, { flushDelayMs: 60_000, ...init })
  await cache.open()
  onTestFinished(async () => { await cache.close().catch(() => {}); await db.close() })
  return { cache, raw }
}

describe("libp2p's datastore: the peer store in memory, written back", () => {
  it('is what the store gives libp2p', async () => {
    const store = await open(await location())
    expect(store.datastore).toBeInstanceOf(PeerCachingDatastore)
  })

  it('answers a peer record from memory at once, writes it to LevelDB later, and keeps it across close', async () => {
    const loc = await location()
    const store = await open(loc)
    await store.datastore.put(PEER, bytes('v1'))
    await store.datastore.put(PEER, bytes('v2'))
    expect(text(await store.datastore.get(PEER))).toBe('v2')
    expect(await store.datastore.has(PEER)).toBe(true)
    // the second write replaced the first in memory: LevelDB has seen neither yet
    expect(await onDisk(store, PEER)).toBeUndefined()
    expect((store.datastore as PeerCachingDatastore).pending).toBe(1)

    await store.close()
    const again = await open(loc)
    expect(await onDisk(again, PEER)).toBe('v2')
    expect(text(await again.datastore.get(PEER))).toBe('v2')
  })

  it('writes the pending records by itself a moment later', async () => {
    const { cache, raw } = await bareCache({ flushDelayMs: 20 })
    await cache.put(PEER, bytes('later'))
    expect(await raw.get(PEER.toString())).toBeUndefined()
    await waitFor('the write-back', async () => (await raw.get(PEER.toString())) !== undefined)
    expect(text((await raw.get(PEER.toString()))!)).toBe('later')
    expect(cache.pending).toBe(0)
  })

  it('starts the write at once when many records wait', async () => {
    const { cache, raw } = await bareCache({ maxDirty: 3 })
    await cache.put(PEER, bytes('a'))
    await cache.put(OTHER, bytes('b'))
    expect(cache.pending).toBe(2)
    await cache.put(new Key('/peers/third'), bytes('c'))
    await waitFor('the batch', async () => (await raw.get('/peers/third')) !== undefined)
    expect(text((await raw.get(PEER.toString()))!)).toBe('a')
    expect(text((await raw.get(OTHER.toString()))!)).toBe('b')
  })

  it('reads a record from LevelDB once, then from memory', async () => {
    const { cache, raw } = await bareCache()
    await raw.put(PEER.toString(), bytes('stored'))
    expect(text(await cache.get(PEER))).toBe('stored')
    // gone from LevelDB behind the cache's back: the cache still answers (it was not asked again)
    await raw.del(PEER.toString())
    expect(text(await cache.get(PEER))).toBe('stored')
    // an absent record is remembered as absent too
    await expect(cache.get(OTHER)).rejects.toMatchObject({ name: 'NotFoundError' })
    await raw.put(OTHER.toString(), bytes('behind'))
    expect(await cache.has(OTHER)).toBe(false)
  })

  it('gives each reader its own bytes', async () => {
    const { cache } = await bareCache()
    await cache.put(PEER, bytes('abc'))
    const first = await cache.get(PEER)
    first[0] = 0x7a
    expect(text(await cache.get(PEER))).toBe('abc')
  })

  it('deletes a record in memory first, in LevelDB at the flush', async () => {
    const { cache, raw } = await bareCache()
    await raw.put(PEER.toString(), bytes('old'))
    await cache.delete(PEER)
    await expect(cache.get(PEER)).rejects.toMatchObject({ name: 'NotFoundError' })
    expect(await cache.has(PEER)).toBe(false)
    expect(await raw.get(PEER.toString())).toBeDefined()
    await cache.flush()
    expect(await raw.get(PEER.toString())).toBeUndefined()
  })

  it('writes DHT records and other keys to LevelDB straight away, as before', async () => {
    const store = await open(await location())
    await store.datastore.put(DHT, bytes('record'))
    expect(await onDisk(store, DHT)).toBe('record')
    expect((store.datastore as PeerCachingDatastore).pending).toBe(0)
    await store.datastore.delete(DHT)
    expect(await onDisk(store, DHT)).toBeUndefined()
  })

  it('lets a query see records not yet written, and leaves other prefixes alone', async () => {
    const { cache } = await bareCache()
    await cache.put(PEER, bytes('p1'))
    await cache.put(DHT, bytes('d1'))
    const peers = []
    for await (const { key, value } of cache.query({ prefix: '/peers/' })) peers.push([key.toString(), text(value)])
    expect(peers).toEqual([[PEER.toString(), 'p1']])
    expect(cache.pending).toBe(0)

    await cache.put(OTHER, bytes('p2'))
    const dht = []
    for await (const key of cache.queryKeys({ prefix: '/dht/' })) dht.push(key.toString())
    expect(dht).toEqual([DHT.toString()])
    expect(cache.pending).toBe(1) // a DHT query does not need the peer records written
    const all = []
    for await (const key of cache.queryKeys({})) all.push(key.toString())
    expect(all.sort()).toEqual([DHT.toString(), OTHER.toString(), PEER.toString()].sort())
  })

  it('splits a batch: peer records to memory, the rest to LevelDB at once', async () => {
    const { cache, raw } = await bareCache()
    const b = cache.batch()
    b.put(PEER, bytes('peer'))
    b.put(DHT, bytes('dht'))
    await b.commit()
    expect(text((await raw.get(DHT.toString()))!)).toBe('dht')
    expect(await raw.get(PEER.toString())).toBeUndefined()
    expect(text(await cache.get(PEER))).toBe('peer')
  })

  it('stays bounded, never dropping a record LevelDB does not have yet', async () => {
    const { cache, raw } = await bareCache({ maxCached: 8, maxDirty: 1000 })
    for (let i = 0; i < 40; i++) await cache.put(new Key(`/peers/p${i}`), bytes(`v${i}`))
    // all 40 wait for the flush: none may be dropped, however small the bound
    for (let i = 0; i < 40; i++) expect(text(await cache.get(new Key(`/peers/p${i}`)))).toBe(`v${i}`)
    await cache.flush()
    for (let i = 40; i < 60; i++) await raw.put(`/peers/p${i}`, bytes(`v${i}`))
    for (let i = 0; i < 60; i++) expect(text(await cache.get(new Key(`/peers/p${i}`)))).toBe(`v${i}`)
  })

  it('keeps a write made while its record was being read', async () => {
    const { cache, raw } = await bareCache()
    await raw.put(PEER.toString(), bytes('old'))
    const reading = cache.get(PEER)
    await cache.put(PEER, bytes('new'))
    expect(text(await reading)).toBe('new')
    expect(text(await cache.get(PEER))).toBe('new')
  })

  it("keeps libp2p's peer store across a restart: protocols learned on streams", async () => {
    const loc = await location()
    const store = await open(loc)
    const privateKey = await generateKeyPair('Ed25519')
    const listen = `/memory/hearth-peer-cache-${randomBytes(6).toString('hex')}`
    const mk = async (datastore?: Store['datastore'], key = privateKey, addr?: string) => await createLibp2p({
      privateKey: key,
      ...(datastore !== undefined ? { datastore } : {}),
      addresses: { listen: addr !== undefined ? [addr] : [] },
      transports: [memory()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()]
    })
    const remote = await mk(undefined, await generateKeyPair('Ed25519'), listen)
    onTestFinished(async () => { await remote.stop() })
    await remote.handle('/hearth-test/cache/1.0.0', async stream => { await stream.close() })
    const local = await mk(store.datastore)
    const conn = await local.dial(remote.getMultiaddrs()[0]!)
    const stream = await conn.newStream('/hearth-test/cache/1.0.0')
    await stream.close()
    expect((await local.peerStore.get(remote.peerId)).protocols).toContain('/hearth-test/cache/1.0.0')
    await local.stop()
    await store.close()

    const reopened = await open(loc)
    const again = await mk(reopened.datastore)
    onTestFinished(async () => { await again.stop() })
    const peer = await again.peerStore.get(remote.peerId)
    expect(peer.protocols).toContain('/hearth-test/cache/1.0.0')
    expect(peer.addresses.map(a => a.multiaddr.toString())).toContain(listen)
  }, 30_000)
})
