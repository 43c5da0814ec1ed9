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

  // A batch whose first write waits for `release`: what is prepared meanwhile queues behind it.
  async function gatedLedger () {
    const db = await openLedgerDb()
    let release = (): void => {}
    const gate = new Promise<void>(resolve => { release = resolve })
    let first = true
    const ledger = await createLedger({
      sublevel: db.ledgerSub,
      batch: async (ops, options) => {
        if (first) { first = false; await gate }
        await db.batch(ops, options)
      }
    })
    return { ledger, release }
  }

  it('an entry prepared after a flush, while another waits in the queue, chains onto the queued one as prepared', async () => {
    const { ledger, release } = await gatedLedger()
    const a = ledger.prepareAppend(message(1))
    const wa = ledger.write(a.ops)
    await new Promise(resolve => setImmediate(resolve)) // a's batch has left the queue, waiting at the gate
    const b = ledger.prepareAppend(message(2))
    const wb = ledger.write(b.ops)
    release()
    await wa
    // b is queued or on its way to disk: c goes after it, not at its index
    const c = ledger.prepareAppend(message(3))
    expect(c.entry).toMatchObject({ index: 3, prevHash: b.entry.hash })
    const provisional = c.entry.hash
    const [[bw], [cw]] = await Promise.all([wb, ledger.write(c.ops)])
    expect(bw).toMatchObject({ index: 2, prevHash: a.entry.hash })
    expect(cw).toMatchObject({ index: 3, prevHash: bw!.hash, hash: provisional })
    expect((await ledger.entries()).map(e => e.jwt)).toEqual([a, b, c].map(p => p.entry.jwt))
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 3 })
  })

  it('a prepared entry dropped while a flush is in flight leaves no gap: the queued entries after it are chained again', async () => {
    const { ledger, release } = await gatedLedger()
    const a = ledger.prepareAppend(message(1))
    const wa = ledger.write(a.ops)
    await new Promise(resolve => setImmediate(resolve)) // a's batch has left the queue, waiting at the gate
    ledger.prepareAppend(message(2)) // dropped: never written
    const b = ledger.prepareAppend(message(3))
    const wb = ledger.write(b.ops)
    release()
    await wa
    const c = ledger.prepareAppend(message(4))
    const [[bw], [cw]] = await Promise.all([wb, ledger.write(c.ops)])
    expect(bw).toMatchObject({ index: 2, prevHash: a.entry.hash })
    expect(cw).toMatchObject({ index: 3, prevHash: bw!.hash })
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 3, head: { index: 3, hash: cw!.hash } })
  })
})
