import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { cidOfJwt, entryHash } from '../../src/ledger/index.ts'
import { sealHash } from '../../src/ledger/entry.ts'
import { messageId } from '../../src/messages/message-id.ts'
import { message, openLedger, tamper, entryKey } from './harness.ts'

// The agreements engine hands the ledger the id src/messages already made (vouched: true)
// and the ledger seals entries with sealHash instead of the generic canonical JSON: both only
// to save work (docs/performance.md, "Agreements"). What is stored, and what verify sees,
// must not change.

describe('ledger: the hash of a sealed entry', () => {
  it('sealHash is entryHash for any field values, escapes and non-ASCII included', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 })
    fc.assert(fc.property(
      fc.record({
        index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        at: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        direction: fc.constantFrom('sent' as const, 'received' as const),
        thread: text,
        kind: text,
        messageId: text,
        jwt: text,
        prevHash: text
      }),
      e => sealHash(e) === entryHash(e)
    ), { numRuns: 500 })
  })

  it('the ledger and src/messages name a JWT the same way', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), jwt => cidOfJwt(jwt) === messageId(jwt)), { numRuns: 300 })
    expect(cidOfJwt('')).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
  })
})

describe('ledger: a vouched message id', () => {
  it('is stored as given, and the entry is the one an unvouched append makes', async () => {
    const { ledger } = await openLedger(undefined, { now: () => 1_700_000_000_000 })
    const m = message(1)
    const a = await ledger.append({ ...m, messageId: messageId(m.jwt), vouched: true })
    const b = await ledger.append(message(2))
    expect(a.messageId).toBe(cidOfJwt(m.jwt))
    expect(a).not.toHaveProperty('vouched')
    const stored = await ledger.entries()
    expect(stored.map(e => e.messageId)).toEqual([a.messageId, b.messageId])
    expect(Object.keys(stored[0]!).sort()).toEqual(Object.keys(stored[1]!).sort())
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 })
  })

  it('that is wrong (a caller bug) is not checked on append, but verify names the entry as edited', async () => {
    const { ledger, location, close } = await openLedger()
    await ledger.append(message(1))
    await ledger.append({ ...message(2), messageId: cidOfJwt('another message'), vouched: true })
    expect(await ledger.verify()).toMatchObject({ ok: false, problems: [{ index: 2, kind: 'edited' }] })
    await close()
    // and the stored bytes say so to any other reader too
    const e2 = await tamper(location, async sub => await sub.get(entryKey(2))) as Record<string, unknown>
    expect(e2.messageId).toBe(cidOfJwt('another message'))
    expect(e2.messageId).not.toBe(cidOfJwt(e2.jwt as string))
  })

  it('without vouched, a wrong id is refused and nothing is stored', async () => {
    const { ledger } = await openLedger()
    expect(() => ledger.prepareAppend({ ...message(1), messageId: cidOfJwt('another message') })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error)
    expect(await ledger.entries()).toEqual([])
    expect(await ledger.head()).toMatchObject({ index: 0 })
  })

  it('vouched still refuses bad fields: no direction, a non-string jwt, an empty id', async () => {
    const { ledger } = await openLedger()
    const m = message(1)
    const id = messageId(m.jwt)
    expect(() => ledger.prepareAppend({ ...m, direction: 'up' as 'sent', messageId: id, vouched: true })).toThrow(/direction/)
    expect(() => ledger.prepareAppend({ ...m, jwt: 42 as unknown as string, messageId: id, vouched: true })).toThrow(/jwt/)
    // an empty id is no vouched id: the JWT is checked and hashed, and the id must match
    expect(() => ledger.prepareAppend({ ...m, messageId: '', vouched: true })).toThrow(/messageId/)
    expect(() => ledger.prepareAppend({ ...m, messageId: 'b'.repeat(129), vouched: true })).toThrow(/messageId/)
    expect(await ledger.entries()).toEqual([])
  })

  it('is recomputed when the ledger was given its own messageId function', async () => {
    const { ledger } = await openLedger(undefined, { messageId: jwt => `custom-${jwt.length}` })
    const m = message(1)
    const e = await ledger.append({ ...m, messageId: messageId(m.jwt), vouched: true }).catch((err: unknown) => err)
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT' })
    const ok = await ledger.append({ ...m, messageId: `custom-${m.jwt.length}`, vouched: true })
    expect(ok.messageId).toBe(`custom-${m.jwt.length}`)
  })
})
