/**
 * The filter in front of the replay guard's jti markers (src/agreements/key-filter.ts), on a
 * real LevelDB store: a marker on disk or added is never reported absent; fresh keys mostly are.
 */
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { describe, expect, it, onTestFinished } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import { createJtiFilter } from '../../src/agreements/key-filter.ts'
import { jtiKey } from '../../src/messages/replay-guard.ts'
import { signer } from './helpers.ts'
import { tempDir } from '../fixtures/node.ts'

const fresh = (): string => jtiKey(signer.did, randomBytes(16).toString('base64url'))

async function store () {
  const s = await openStore({ location: join(await tempDir('hearth-jti-'), 'datastore') })
  onTestFinished(async () => { await s.close() })
  return s
}

describe('jti filter', () => {
  it('knows every marker on disk after load, answers "might" for all before, and "absent" for almost every fresh key', async () => {
    const s = await store()
    const stored = Array.from({ length: 2000 }, fresh)
    await s.batch([
      ...stored.map(key => ({ type: 'put' as const, sublevel: s.replay, key, value: { id: 'x', exp: 1 } })),
      // seq markers and other sublevels are not jti markers
      { type: 'put', sublevel: s.replay, key: 'seq/thread/did', value: { seq: 1 } },
      { type: 'put', sublevel: s.messages, key: 'jti/elsewhere', value: {} }
    ])
    const filter = createJtiFilter(s.replay)
    expect(filter.mightHave(fresh())).toBe(true)
    await filter.load()
    expect(filter.stats()).toMatchObject({ keys: 2000, ready: true })
    for (const key of stored) expect(filter.mightHave(key)).toBe(true)
    const falsePositives = Array.from({ length: 10_000 }, fresh).filter(k => filter.mightHave(k)).length
    expect(falsePositives).toBeLessThan(50)
  })

  it('keeps every added marker as it grows, and stays selective', async () => {
    const s = await store()
    const filter = createJtiFilter(s.replay, { capacity: 1000 })
    await filter.load()
    const bitsBefore = filter.stats().bits
    const added = Array.from({ length: 20_000 }, fresh)
    for (const key of added) filter.add(key)
    expect(filter.stats().bits).toBeGreaterThan(bitsBefore)
    for (const key of added) expect(filter.mightHave(key)).toBe(true)
    const falsePositives = Array.from({ length: 10_000 }, fresh).filter(k => filter.mightHave(k)).length
    expect(falsePositives).toBeLessThan(500)
  })
})
