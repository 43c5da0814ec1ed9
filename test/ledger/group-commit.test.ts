import { describe, it, expect } from 'vitest'
import { createLedger } from '../../src/ledger/index.ts'
import { openLedger, openLedgerDb, appendMany, message } from './harness.ts'

// write() chains each group onto the head its last flush left, without reading it back; these
// are the cases where that may not be the head on disk, and the chain must stay whole
describe('the ledger\'s head between writes', () => {
  it('a write after a direct Store batch and committed() chains onto that batch\'s entry', async () => {
    const { ledger, batch } = await openLedger()
    await appendMany(ledger, 1)
    const direct = ledger.prepareAppend(message(2))
    await batch(direct.ops, { sync: true })
    ledger.committed()
    const [third] = await ledger.write(ledger.prepareAppend(message(3)).ops)
    expect(third).toMatchObject({ index: 3, prevHash: direct.entry.hash })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 3 })
  })

  it('a write after a failed one continues from the last entry on disk', async () => {
    const db = await openLedgerDb()
    let failNext = false
    const ledger = await createLedger({
      sublevel: db.ledgerSub,
      batch: async (ops, options) => {
        if (failNext) { failNext = false; throw new Error('disk full') }
        await db.batch(ops, options)
      }
    })
    const [, second] = await appendMany(ledger, 2)
    failNext = true
    await expect(ledger.append(message(3))).rejects.toThrow('disk full')
    const next = await ledger.append(message(4))
    expect(next).toMatchObject({ index: 3, prevHash: second!.hash })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 3 })
  })
})
