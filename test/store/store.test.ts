import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { join } from 'node:path'
import { Level } from 'level'
import { describe, it, expect, onTestFinished } from 'vitest'
import { openStore, STORE_FORMAT_VERSION } from '../../src/store/index.ts'
import type { Store, StoreInit } from '../../src/store/index.ts'
import { tempDir } from '../fixtures/node.ts'

const ALICE = 'did:key:z6MkkZP9HTxk5r5RBeMk7fyLu9NPmvqYLrtcKfxmVAoYgeEn'
const BOB = 'did:key:z6MkrtT5XEHungvSMvz9ypw2PjPxgf5XJpEXjoLdkLZZZes2'

async function location (): Promise<string> {
  return join(await tempDir('hearth-store-'), 'datastore')
}

/** Open a store and close it when the test ends (closing twice is harmless). */
async function open (init: StoreInit): Promise<Store> {
  const store = await openStore(init)
  onTestFinished(async () => { await store.close().catch(() => {}) })
  return store
}

/** Work on a closed store with the level package directly, as another tool would. */
async function withLevel<T> (loc: string, fn: (db: Level<string, unknown>) => Promise<T>): Promise<T> {
  const db = new Level<string, unknown>(loc, { valueEncoding: 'json' })
  await db.open()
  try { return await fn(db) } finally { await db.close() }
}
const meta = (db: Level<string, unknown>) => db.sublevel<string, unknown>('meta', { valueEncoding: 'json' })
/** Every key and value in the LevelDB, raw: to show that nothing changed. */
const dump = async (loc: string): Promise<Array<[string, string]>> =>
  await withLevel(loc, async db => (await db.iterator({ keyEncoding: 'utf8', valueEncoding: 'utf8' }).all()) as Array<[string, string]>)

describe('the store', () => {
  it('writes its format version, creation time and DID at creation, and reopens', async () => {
    const loc = await location()
    const store = await open({ location: loc, did: ALICE })
    expect(await store.get(store.meta, 'format')).toBe(STORE_FORMAT_VERSION)
    expect(await store.get(store.meta, 'did')).toBe(ALICE)
    const createdAt = await store.get<string>(store.meta, 'createdAt')
    expect(new Date(createdAt!).toISOString()).toBe(createdAt)
    await store.close()

    const again = await open({ location: loc, did: ALICE })
    expect(await again.get(again.meta, 'createdAt')).toBe(createdAt)
  })

  it('refuses a store of another format version (UNSUPPORTED_FORMAT) and leaves it as it was', async () => {
    const loc = await location()
    await (await open({ location: loc, did: ALICE })).close()
    await withLevel(loc, async db => { await meta(db).put('format', 2) })
    const before = await dump(loc)

    await expect(openStore({ location: loc, did: ALICE })).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: expect.stringMatching(/has format 2; this Hearth reads format 1/)
    })
    // not modified, and not left open (the level package could open it again)
    expect(await dump(loc)).toEqual(before)
    expect(await withLevel(loc, async db => await meta(db).get('format'))).toBe(2)
  })

  it('refuses a store whose meta has data but no format version', async () => {
    const loc = await location()
    await withLevel(loc, async db => { await meta(db).put('did', ALICE) })
    const before = await dump(loc)
    await expect(openStore({ location: loc, did: ALICE })).rejects.toMatchObject({
      code: 'UNSUPPORTED_FORMAT',
      message: expect.stringContaining('has data but no format version')
    })
    expect(await dump(loc)).toEqual(before)
  })

  // src bug (see the report): checkFormat only looks for data in the meta sublevel, so a
  // LevelDB with contacts (or anything else) but no meta is adopted and stamped as format 1.
  it('refuses a store with data outside meta but no format version', async () => {
    const loc = await location()
    await withLevel(loc, async db => { await db.sublevel<string, unknown>('contacts', { valueEncoding: 'json' }).put(BOB, { did: BOB }) })
    await expect(openStore({ location: loc, did: ALICE })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT' })
  })

  it('refuses a store created for another DID', async () => {
    const loc = await location()
    await (await open({ location: loc, did: ALICE })).close()
    await expect(openStore({ location: loc, did: BOB })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(new RegExp(`belongs to ${ALICE}, not ${BOB}`))
    })
    const store = await open({ location: loc, did: ALICE })
    expect(await store.get(store.meta, 'did')).toBe(ALICE)
  })

  it('is locked while open: a second open gets REPO_LOCKED with a clear message', async () => {
    const loc = await location()
    const first = await open({ location: loc, did: ALICE })
    await expect(openStore({ location: loc, did: ALICE })).rejects.toMatchObject({
      code: 'REPO_LOCKED',
      message: expect.stringMatching(/is already open \(is a node already running on this repo\?\)/)
    })
    // the first holder is unharmed, and the lock goes with close
    await first.batch([{ type: 'put', sublevel: first.self, key: 'k', value: 1 }])
    await first.close()
    const second = await open({ location: loc, did: ALICE })
    expect(await second.get(second.self, 'k')).toBe(1)
  })

  it('is locked against another process too', async () => {
    const loc = await location()
    await (await open({ location: loc, did: ALICE })).close()
    const storeModule = new URL('../../src/store/index.ts', import.meta.url).href
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { openStore } = await import(${JSON.stringify(storeModule)})
      const s = await openStore({ location: ${JSON.stringify(loc)} })
      process.stdout.write('open\\n')
      process.stdin.once('data', async () => { await s.close(); process.exit(0) })
    `], { stdio: ['pipe', 'pipe', 'inherit'] })
    onTestFinished(() => { child.kill() })
    await once(child.stdout, 'data')
    await expect(openStore({ location: loc })).rejects.toMatchObject({ code: 'REPO_LOCKED' })
    child.stdin.write('close\n')
    await once(child, 'exit')
    await (await open({ location: loc })).close()
  })

  it('applies a batch all or nothing', async () => {
    const loc = await location()
    const store = await open({ location: loc, did: ALICE })
    await store.batch([
      { type: 'put', sublevel: store.self, key: 'record', value: { seq: 1 } },
      { type: 'put', sublevel: store.contacts, key: BOB, value: { did: BOB, seq: 5 } }
    ])
    // one bad operation (a value JSON cannot hold) at the end: none of the others happen
    await expect(store.batch([
      { type: 'put', sublevel: store.self, key: 'record', value: { seq: 2 } },
      { type: 'del', sublevel: store.contacts, key: BOB },
      { type: 'put', sublevel: store.contacts, key: ALICE, value: { seq: 10n } }
    ])).rejects.toThrow()
    expect(await store.get(store.self, 'record')).toEqual({ seq: 1 })
    expect(await store.values(store.contacts)).toEqual([{ did: BOB, seq: 5 }])

    await expect(store.batch([
      { type: 'put', sublevel: store.self, key: 'record', value: { seq: 3 } },
      { type: 'put', sublevel: store.self, key: 'empty', value: undefined }
    ])).rejects.toThrow()
    expect(await store.get(store.self, 'record')).toEqual({ seq: 1 })
    expect(await store.get(store.self, 'empty')).toBeUndefined()
  })

  it('keeps what a batch wrote across close and reopen, in every sublevel', async () => {
    const loc = await location()
    const store = await open({ location: loc, did: ALICE })
    await store.batch([
      { type: 'put', sublevel: store.self, key: 'record', value: { seq: 7, bytes: 'AAEC' } },
      { type: 'put', sublevel: store.contacts, key: BOB, value: { did: BOB } },
      { type: 'put', sublevel: store.contacts, key: 'did:key:gone', value: { did: 'gone' } }
    ])
    await store.batch([{ type: 'del', sublevel: store.contacts, key: 'did:key:gone' }], { sync: false })
    await store.close()

    const again = await open({ location: loc, did: ALICE })
    expect(await again.get(again.self, 'record')).toEqual({ seq: 7, bytes: 'AAEC' })
    expect(await again.values(again.contacts)).toEqual([{ did: BOB }])
    expect(await again.get(again.contacts, 'did:key:gone')).toBeUndefined()
  })
})
