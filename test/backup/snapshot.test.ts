import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createApiServer } from '../../src/api/index.ts'
import { ENTRIES_HEADER } from '../../src/backup/index.ts'
import { snapshotDb, snapshotEntries, summarise } from '../../src/backup/snapshot.ts'
import { openStore } from '../../src/store/index.ts'
import { startTestNode, tempDir } from '../fixtures/node.ts'

describe('the store snapshot', () => {
  it('is one consistent point in time while writes race it: an atomic batch is wholly in or wholly out', async () => {
    const store = await openStore({ location: join(await tempDir(), 'datastore'), did: 'did:key:z6MkTest' })
    try {
      const pairs = 3000
      // a!i and z!i sit at both ends of the key order: the iterator reads one long before the other
      const write = async (round: number): Promise<void> => {
        const ops = []
        for (let i = 0; i < pairs; i += 97) {
          ops.push({ type: 'put' as const, sublevel: store.held, key: `a!${i}`, value: round }, { type: 'put' as const, sublevel: store.profile, key: `z!${i}`, value: round })
        }
        await store.batch(ops, { sync: false })
      }
      const fill = []
      for (let i = 0; i < pairs; i++) fill.push({ type: 'put' as const, sublevel: store.held, key: `a!${i}`, value: 0 }, { type: 'put' as const, sublevel: store.profile, key: `z!${i}`, value: 0 })
      await store.batch(fill)

      let round = 0
      let writing = true
      const writer = (async () => { while (writing) await write(++round) })()
      const snapshots = []
      for (let n = 0; n < 5; n++) snapshots.push(await snapshotDb(store.meta.db))
      writing = false
      await writer
      expect(round, 'writes really raced the snapshots').toBeGreaterThan(5)

      const rounds = new Set<string>()
      for (const snap of snapshots) {
        const values = new Map<string, string>()
        for (const [k, v] of snapshotEntries(snap.bytes)) values.set(Buffer.from(k).toString(), Buffer.from(v).toString())
        for (let i = 0; i < pairs; i += 97) {
          const a = values.get(`!held!a!${i}`)
          expect(a).toBeDefined()
          expect(values.get(`!profile!z!${i}`), `pair ${i}`).toBe(a)
          rounds.add(a!)
        }
        expect(summarise(snap.bytes).entries).toBe(snap.entries)
      }
      expect(rounds.size, 'the snapshots saw different rounds of writes').toBeGreaterThan(1)
    } finally {
      await store.close()
    }
  })
})

describe('POST /v1/backup on a running node', () => {
  it('answers the token holder with the whole store and no keys; refuses anyone else', async () => {
    const node = await startTestNode()
    await node.agreements.setProfile({ email: 'alice@example.org' })
    const api = createApiServer(node, { repo: node.repo, port: 0, version: 'test', authFailureDelayMs: 1, onInternalError: () => {} })
    const { url, token } = await api.start()
    try {
      const post = async (headers: Record<string, string>, body = '{}'): Promise<Response> => await fetch(`${url}/v1/backup`, { method: 'POST', headers, body })
      expect((await post({ 'content-type': 'application/json' })).status).toBe(401)
      expect((await post({ authorization: 'Bearer ' + 'x'.repeat(token.length), 'content-type': 'application/json' })).status).toBe(401)
      expect((await post({ authorization: `Bearer ${token}`, 'content-type': 'text/plain' })).status).toBe(415)
      expect((await post({ authorization: `Bearer ${token}`, 'content-type': 'application/json' }, '{"passphrase":"x"}')).status).toBe(400)
      expect((await fetch(`${url}/v1/backup`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(405)

      const res = await post({ authorization: `Bearer ${token}`, 'content-type': 'application/json' })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/octet-stream')
      const bytes = new Uint8Array(await res.arrayBuffer())
      const summary = summarise(bytes)
      expect(Number(res.headers.get(ENTRIES_HEADER))).toBe(summary.entries)
      expect(summary).toMatchObject({ storeFormat: 1, storeDid: node.did })
      expect(summary.sublevels).toMatchObject({ meta: expect.any(Number), profile: 1, libp2p: expect.any(Number) })
      // the keystore never crosses the API: the CLI reads it from disk
      expect(Buffer.from(bytes).includes('hearth-keystore')).toBe(false)
    } finally {
      await api.stop()
    }
  })
})
