import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { HEAD_KEY, cidOfJwt } from '../../src/ledger/index.ts'
import type { LedgerEntry, VerifyResult } from '../../src/ledger/index.ts'
import { openLedger, appendMany, tamper, entryKey, rehash, fakeJwt, ALICE, BOB } from './harness.ts'
import type { Sub } from './harness.ts'

/** Five entries on disk, closed; `change` edits the LevelDB directly; then reopen and verify. */
async function tampered (change: (sub: Sub, entries: LedgerEntry[]) => Promise<void>): Promise<VerifyResult> {
  const { ledger, location, close } = await openLedger()
  const entries = await appendMany(ledger, 5)
  await close()
  await tamper(location, async sub => { await change(sub, entries) })
  const again = await openLedger(location)
  return await again.ledger.verify()
}

const failure = (r: VerifyResult) => {
  if (r.ok) throw new Error('expected verify to fail')
  return r.problems
}

describe('ledger verify', () => {
  it('names an entry whose jwt was edited', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      await sub.put(entryKey(3), { ...e[2], jwt: e[2]!.jwt!.replace(/.$/, c => c === 'A' ? 'B' : 'A') })
    }))
    expect(problems).toEqual([{ index: 3, kind: 'edited', detail: expect.stringMatching(/^entry 3 has messageId bafkrei\w+, which is not the id of its jwt/) }])
  })

  it('names an entry whose direction was edited', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      await sub.put(entryKey(2), { ...e[1], direction: e[1]!.direction === 'sent' ? 'received' : 'sent' })
    }))
    expect(problems).toMatchObject([{ index: 2, kind: 'edited' }])
  })

  it('names an entry edited and re-hashed: its successor still links to the original', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      await sub.put(entryKey(2), rehash({ ...e[1], direction: e[1]!.direction === 'sent' ? 'received' : 'sent' }))
    }))
    expect(problems).toEqual([{ index: 2, kind: 'edited', detail: 'entry 2 was changed and its hash recomputed: entry 3 still links to the original' }])
  })

  it('names the last entry edited and re-hashed: the head still holds the original', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      await sub.put(entryKey(5), rehash({ ...e[4], at: e[4]!.at + 1 }))
    }))
    expect(problems).toMatchObject([{ index: 5, kind: 'edited', detail: expect.stringContaining('the head still links to the original') }])
  })

  it('names a middle entry that was removed', async () => {
    const problems = failure(await tampered(async sub => { await sub.del(entryKey(3)) }))
    expect(problems).toEqual([{ index: 3, kind: 'removed', detail: 'entry 3 is missing (entry 4 links to entry 3)' }])
  })

  it('names the last entry when it was removed (the head names it)', async () => {
    const problems = failure(await tampered(async sub => { await sub.del(entryKey(5)) }))
    expect(problems).toEqual([{ index: 5, kind: 'removed', detail: 'entry 5 is missing (the head links to entry 5)' }])
  })

  it('reports a missing head record', async () => {
    const problems = failure(await tampered(async sub => { await sub.del(HEAD_KEY) }))
    expect(problems).toMatchObject([{ index: 5, kind: 'head-mismatch', detail: expect.stringContaining('head record is missing') }])
  })

  it('reports a head that points at another index', async () => {
    const problems = failure(await tampered(async (sub, e) => { await sub.put(HEAD_KEY, { index: 4, hash: e[4]!.hash }) }))
    expect(problems).toMatchObject([{ index: 4, kind: 'head-mismatch', detail: 'the head says the last entry is 4, but its hash is that of entry 5' }])
  })

  it('names swapped entries as reordered, the first one first', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      await sub.batch([{ type: 'put', key: entryKey(2), value: e[3] }, { type: 'put', key: entryKey(4), value: e[1] }])
    }))
    expect(problems).toEqual([
      { index: 2, kind: 'reordered', detail: 'entry 2 is stored at position 4, and position 2 holds entry 4 (entries were swapped or moved)' },
      { index: 4, kind: 'reordered', detail: 'entry 4 is stored at position 2, and position 4 holds entry 2 (entries were swapped or moved)' }
    ])
  })

  it('detects a fabricated entry appended beyond the head, even a well-chained one', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      const jwt = fakeJwt('vrm.AgreementAcceptance', { iss: BOB, aud: ALICE, body: { agreementId: 'thread-1' } })
      await sub.put(entryKey(6), rehash({ ...e[4], index: 6, jwt, messageId: cidOfJwt(jwt), prevHash: e[4]!.hash }))
    }))
    expect(problems).toEqual([{ index: 6, kind: 'inserted', detail: 'position 6 is beyond the head (entry 5): it was not appended through the ledger' }])
  })

  it('detects a fabricated entry inserted in the middle with the later entries renumbered', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      const jwt = fakeJwt('vrm.AgreementAcceptance', { iss: BOB, aud: ALICE, body: { agreementId: 'thread-1' } })
      const ops = [{ type: 'put' as const, key: entryKey(3), value: rehash({ ...e[2], jwt, messageId: cidOfJwt(jwt) }) }]
      for (const x of e.slice(2)) ops.push({ type: 'put', key: entryKey(x.index + 1), value: x as unknown as Record<string, unknown> })
      await sub.batch(ops)
    }))
    expect(problems).toEqual([
      { index: 3, kind: 'inserted', detail: 'position 3 holds an entry that no other entry links to' },
      { index: 3, kind: 'reordered', detail: 'entries 3 to 5 are each stored 1 position later than their index (an entry was inserted or removed and the rest renumbered)' }
    ])
  })

  it('catches a consistent rewrite of the tail when a messageId is not its JWT\'s', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      // a forger edits entry 4's jwt, keeps its messageId, and re-seals 4, 5 and the head
      const four = rehash({ ...e[3], jwt: fakeJwt('vrm.AgreementRejection', { iss: BOB, aud: ALICE, body: {} }) })
      const five = rehash({ ...e[4], prevHash: four.hash })
      await sub.batch([{ type: 'put', key: entryKey(4), value: four }, { type: 'put', key: entryKey(5), value: five }, { type: 'put', key: HEAD_KEY, value: { index: 5, hash: five.hash } }])
    }))
    expect(problems).toMatchObject([{ index: 4, kind: 'edited', detail: expect.stringMatching(/^entry 4 has messageId bafkrei\w+, which is not the id of its jwt \(bafkrei\w+\)$/) }])
  })

  it('names a copy of a genuine entry as the inserted one, not the original', async () => {
    const problems = failure(await tampered(async (sub, e) => { await sub.put(entryKey(7), e[2]) }))
    expect(problems).toEqual([{ index: 7, kind: 'inserted', detail: 'position 7 is beyond the head (entry 5): it was not appended through the ledger' }])
  })

  it('reports keys that are no ledger keys', async () => {
    const problems = failure(await tampered(async sub => { await sub.put('zzz', { hello: 1 }) }))
    expect(problems).toEqual([{ index: 0, kind: 'inserted', detail: 'the key "zzz" is not a ledger key' }])
  })

  it('reports, without crashing, an undecodable JWT, a messageId that is not the JWT\'s, and bytes that are not JSON', async () => {
    const problems = failure(await tampered(async (sub, e) => {
      await sub.put(entryKey(1), rehash({ ...e[0], jwt: 'garbage' }))
      await sub.put(entryKey(2), rehash({ ...e[1], messageId: cidOfJwt('another message') }))
      await sub.put(entryKey(4), '{not json', { valueEncoding: 'utf8' })
    }))
    expect(problems).toMatchObject([
      { index: 1, kind: 'edited', detail: 'entry 1 holds a jwt that cannot be decoded' },
      { index: 2, kind: 'edited', detail: 'entry 2 was changed and its hash recomputed: entry 3 still links to the original' },
      { index: 4, kind: 'edited', detail: 'entry 4 is not a well-formed entry: its value is not JSON' }
    ])
  })

  it('reports an empty ledger with stray entries', async () => {
    const { ledger, location, close } = await openLedger()
    const [one] = await appendMany(ledger, 1)
    await close()
    await tamper(location, async sub => { await sub.del(HEAD_KEY) })
    const again = await openLedger(location)
    expect(failure(await again.ledger.verify())).toMatchObject([{ index: 1, kind: 'head-mismatch' }])
    await expect(again.ledger.append({ direction: 'sent', thread: 't', kind: 'vrm.Ack', jwt: one!.jwt! })).rejects.toMatchObject({ code: 'INTERNAL' })
  })

  it('detects any single edit of any entry, re-hashed or not, and names that entry (property)', async () => {
    const { ledger, ledgerSub } = await openLedger()
    const entries = await appendMany(ledger, 6)
    const fields = ['index', 'at', 'direction', 'thread', 'kind', 'messageId', 'jwt', 'prevHash', 'hash', 'extra'] as const
    const value = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constantFrom('sent', 'received', 'sha256:' + 'a'.repeat(64)))
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: entries.length }), fc.constantFrom(...fields), value, fc.boolean(), async (i, field, v, reseal) => {
      const original = entries[i - 1]!
      fc.pre((original as unknown as Record<string, unknown>)[field] !== v)
      let changed: Record<string, unknown> = { ...original, [field]: v }
      if (reseal && field !== 'hash') changed = rehash(changed)
      await ledgerSub.put(entryKey(i), changed)
      try {
        const r = await ledger.verify()
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.problems[0]).toMatchObject({ index: i, kind: 'edited' })
      } finally {
        await ledgerSub.put(entryKey(i), original)
      }
    }), { numRuns: 150 })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 6 })
  })

  it('names the first entry removed, swapped or inserted, wherever it is (property)', async () => {
    const { ledger, ledgerSub } = await openLedger()
    const entries = await appendMany(ledger, 6)
    const n = entries.length
    const restore = async (): Promise<void> => {
      await ledgerSub.clear()
      await ledgerSub.batch([...entries.map(e => ({ type: 'put' as const, key: entryKey(e.index), value: e })), { type: 'put', key: HEAD_KEY, value: { index: n, hash: entries[n - 1]!.hash } }])
    }
    const change = fc.oneof(
      fc.record({ op: fc.constant('remove' as const), i: fc.integer({ min: 1, max: n }) }),
      fc.record({ op: fc.constant('swap' as const), i: fc.integer({ min: 1, max: n - 1 }), d: fc.integer({ min: 1, max: n - 1 }) }),
      fc.record({ op: fc.constant('insert' as const), i: fc.integer({ min: 1, max: n + 1 }) })
    )
    await fc.assert(fc.asyncProperty(change, async c => {
      let expected: { index: number, kind: string }
      if (c.op === 'remove') {
        await ledgerSub.del(entryKey(c.i))
        expected = { index: c.i, kind: 'removed' }
      } else if (c.op === 'swap') {
        const j = Math.min(n, c.i + c.d)
        fc.pre(j > c.i)
        await ledgerSub.batch([{ type: 'put', key: entryKey(c.i), value: entries[j - 1] }, { type: 'put', key: entryKey(j), value: entries[c.i - 1] }])
        expected = { index: c.i, kind: 'reordered' }
      } else {
        // a well-formed, well-sealed entry linked to its predecessor, the rest renumbered
        const jwt = fakeJwt('vrm.AgreementAcceptance', { iss: BOB, aud: ALICE, body: { n: c.i } })
        const fake = rehash({ ...entries[0], index: c.i, jwt, messageId: cidOfJwt(jwt), prevHash: c.i === 1 ? entries[0]!.prevHash : entries[c.i - 2]!.hash })
        await ledgerSub.batch([{ type: 'put', key: entryKey(c.i), value: fake }, ...entries.slice(c.i - 1).map(e => ({ type: 'put' as const, key: entryKey(e.index + 1), value: e }))])
        expected = { index: c.i, kind: 'inserted' }
      }
      try {
        const r = await ledger.verify()
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.problems[0]).toMatchObject(expected)
      } finally {
        await restore()
      }
    }), { numRuns: 60 })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: n })
  })
})
