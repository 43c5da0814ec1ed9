import { describe, it, expect } from 'vitest'
import { GENESIS_HASH, HEAD_KEY, canonicalJson, cidOfJwt, entryHash } from '../../src/ledger/index.ts'
import { openLedger, appendMany, message, tamper, entryKey, fakeJwt, ALICE, BOB } from './harness.ts'

describe('the ledger', () => {
  it('chains appended entries from the genesis hash, and a fresh ledger verifies', async () => {
    const { ledger } = await openLedger()
    expect(await ledger.verify()).toEqual({ ok: true, count: 0, head: { index: 0, hash: GENESIS_HASH } })

    const entries = await appendMany(ledger, 3)
    expect(entries.map(e => e.index)).toEqual([1, 2, 3])
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH)
    expect(GENESIS_HASH).toBe('sha256:' + '0'.repeat(64))
    for (const [i, e] of entries.entries()) {
      if (i > 0) expect(e.prevHash).toBe(entries[i - 1]!.hash)
      // hash = sha256 of the canonical JSON of every field but hash
      const { hash, ...rest } = e
      expect(hash).toBe(entryHash(rest))
      expect(canonicalJson(rest)).toBe(JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a < b ? -1 : 1))))
      expect(e.messageId).toBe(cidOfJwt(e.jwt!))
    }
    expect(await ledger.head()).toEqual({ index: 3, hash: entries[2]!.hash })
    expect(await ledger.verify()).toEqual({ ok: true, count: 3, head: { index: 3, hash: entries[2]!.hash } })
  })

  it('keeps its entries across close and reopen, verifies, and continues the chain', async () => {
    const first = await openLedger()
    const before = await appendMany(first.ledger, 3)
    await first.close()

    const again = await openLedger(first.location)
    expect(await again.ledger.entries()).toEqual(before)
    expect(await again.ledger.verify()).toMatchObject({ ok: true, count: 3 })
    const next = await again.ledger.append(message(4))
    expect(next).toMatchObject({ index: 4, prevHash: before[2]!.hash })
    expect(await again.ledger.verify()).toMatchObject({ ok: true, count: 4 })
  })

  it('stores each entry under its 12-digit index and the head under "head"', async () => {
    const { ledger, location, close } = await openLedger()
    const [e] = await appendMany(ledger, 1)
    await close()
    await tamper(location, async sub => {
      expect(await sub.keys().all()).toEqual(['000000000001', HEAD_KEY])
      expect(await sub.get(entryKey(1))).toEqual(e)
      expect(await sub.get(HEAD_KEY)).toEqual({ index: 1, hash: e!.hash })
    })
  })

  it('names message ids as CIDv1 raw sha2-256 of the JWT bytes (the IPFS empty raw block CID for no bytes)', () => {
    expect(cidOfJwt('')).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
  })

  it('lists entries per thread and exports a thread as its signed JWTs in order', async () => {
    const { ledger } = await openLedger()
    const a1 = await ledger.append(message(1, 'agreement-a'))
    await ledger.append(message(2, 'agreement-b'))
    const a3 = await ledger.append(message(3, 'agreement-a', 'vrm.AgreementAcceptance'))
    expect((await ledger.entries({ thread: 'agreement-a' })).map(e => e.index)).toEqual([1, 3])
    expect(await ledger.exportThread('agreement-a')).toEqual([a1.jwt, a3.jwt])
    await expect(ledger.exportThread('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await expect(ledger.exportRecord('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('writes the message, several entries and the head in one batch', async () => {
    const { ledger, messages } = await openLedger()
    await appendMany(ledger, 1)
    const received = ledger.prepareAppend(message(2))
    const ack = ledger.prepareAppend(message(3, 'thread-1', 'vrm.Ack'))
    const written = await ledger.write([
      { type: 'put', sublevel: messages, key: received.entry.messageId, value: { jwt: received.entry.jwt } },
      ...received.ops,
      ...ack.ops
    ])
    expect(written.map(e => e.index)).toEqual([2, 3])
    expect(await messages.get(received.entry.messageId)).toEqual({ jwt: received.entry.jwt })
    expect(await ledger.head()).toEqual({ index: 3, hash: ack.entry.hash })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 3 })
  })

  it('a failed batch leaves neither the entry, the head nor the caller\'s ops, and the next append takes the same index', async () => {
    const { ledger, ledgerSub, messages } = await openLedger()
    const [one] = await appendMany(ledger, 1)
    const p = ledger.prepareAppend(message(2))
    // undefined is no JSON value: the Store's batch refuses the whole batch
    const bad = { type: 'put' as const, sublevel: messages, key: 'marker', value: undefined }
    await expect(ledger.write([{ type: 'put', sublevel: messages, key: 'message', value: 'stored' }, ...p.ops, bad])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(await ledgerSub.get(entryKey(2))).toBeUndefined()
    expect(await ledger.head()).toEqual({ index: 1, hash: one!.hash })
    expect(await messages.get('message')).toBeUndefined()

    const next = await ledger.append(message(3))
    expect(next).toMatchObject({ index: 2, prevHash: one!.hash })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 })
  })

  it('an entry prepared and then dropped leaves no gap', async () => {
    const { ledger } = await openLedger()
    await appendMany(ledger, 1)
    const dropped = ledger.prepareAppend(message(2))
    expect(dropped.entry.index).toBe(2)
    const kept = ledger.prepareAppend(message(3))
    expect(kept.entry.index).toBe(3) // provisional
    const [written] = await ledger.write(kept.ops)
    expect(written).toBe(kept.entry) // finalised in place
    expect(kept.entry.index).toBe(2)
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 })
  })

  it('direct Store batches: aborted() after a failed one lets the next entry reuse the index', async () => {
    const { ledger, batch } = await openLedger()
    await appendMany(ledger, 1)
    const failed = ledger.prepareAppend(message(2))
    expect(failed.entry.index).toBe(2)
    ledger.aborted()
    const p = ledger.prepareAppend(message(3))
    expect(p.entry.index).toBe(2)
    await batch(p.ops, { sync: true })
    ledger.committed()
    expect(ledger.prepareAppend(message(4)).entry.index).toBe(3)
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 })
  })

  it('serialises concurrent appends into one contiguous chain', async () => {
    const { ledger } = await openLedger()
    const entries = await Promise.all(Array.from({ length: 20 }, async (_, i) => await ledger.append(message(i + 1, `t${i % 3}`))))
    expect(entries.map(e => e.index).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 20 })
  })

  it('is append-only: refuses deletes, foreign entries and an entry written twice, writing nothing', async () => {
    const { ledger, ledgerSub } = await openLedger()
    const [one] = await appendMany(ledger, 1)
    await expect(ledger.write([{ type: 'del', sublevel: ledgerSub, key: entryKey(1) }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('append-only') })
    await expect(ledger.write([{ type: 'put', sublevel: ledgerSub, key: entryKey(2), value: { ...one, index: 2 } }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('prepareAppend') })
    const p = ledger.prepareAppend(message(2))
    await ledger.write(p.ops)
    await expect(ledger.write(p.ops)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('already written') })
    const q = ledger.prepareAppend(message(3))
    await expect(ledger.write([...q.ops, ...q.ops])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('twice') })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 })
  })

  it('checks what enters: direction, thread, kind, a decodable JWT, its message id, the time', async () => {
    const { ledger } = await openLedger()
    const good = message(1)
    const bad: Array<[string, unknown]> = [
      ['direction', { ...good, direction: 'sideways' }],
      ['thread', { ...good, thread: '' }],
      ['kind', { ...good, kind: 'no spaces please' }],
      ['jwt', { ...good, jwt: 'not-a-jwt' }],
      ['jwt', { ...good, jwt: 'a.b!.c' }],
      ['jwt', { ...good, jwt: `${fakeJwt('x', {}).split('.')[0]}.${Buffer.from('[1]').toString('base64url')}.sig` }],
      ['messageId', { ...good, messageId: cidOfJwt('something else') }],
      ['at', { ...good, at: -1 }]
    ]
    for (const [field, fields] of bad) {
      expect(() => ledger.prepareAppend(fields as never), field).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', details: { field } }))
    }
    expect(await ledger.append({ ...good, messageId: cidOfJwt(good.jwt), at: 1_700_000_000_000 })).toMatchObject({ index: 1, at: 1_700_000_000_000 })
  })

  it('refuses to write after its tail was changed outside Hearth, and writes nothing', async () => {
    const { ledger, location, close } = await openLedger()
    const entries = await appendMany(ledger, 2)
    await close()
    const forged = { ...entries[1]!, index: 3, prevHash: entries[1]!.hash, jwt: fakeJwt('vrm.AgreementProposal', { iss: BOB, aud: ALICE }) }
    await tamper(location, async sub => { await sub.put(entryKey(3), { ...forged, hash: entryHash(forged) }) })

    const again = await openLedger(location)
    await expect(again.ledger.append(message(3))).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('beyond the head') })
    expect(await again.ledger.head()).toEqual({ index: 2, hash: entries[1]!.hash })
    expect(await again.ledger.verify()).toMatchObject({ ok: false, problems: [{ index: 3, kind: 'inserted' }] })
  })
})
