import { describe, it, expect } from 'vitest'
import { startTestNode, waitPublished, waitFor } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'

const state = async (node: HearthNode, id: string): Promise<string | undefined> => (await node.agreements.get(id))?.state
const until = async (node: HearthNode, id: string, want: string): Promise<void> => {
  await waitFor(`${node.did.slice(-6)} to see agreement ${id} ${want}`, async () => await state(node, id) === want, 15_000)
}
/** the thread's signed messages other than Acks, as exact JWT strings */
const signed = async (node: HearthNode, id: string): Promise<string[]> =>
  (await node.agreements.thread(id)).filter(m => m.kind !== 'vrm.Ack').map(m => m.jwt!).sort()

async function network (): Promise<{ person: HearthNode, shop: HearthNode, bank: HearthNode }> {
  const hub = await startTestNode()
  const bootstrap = [hub.network.addresses()[0]!]
  const person = await startTestNode({ bootstrap })
  const shop = await startTestNode({ bootstrap, autoAccept: ['SD-BASE', 'SD-BASE-DP'] })
  const bank = await startTestNode({ bootstrap })
  await Promise.all([person, shop, bank].map(waitPublished))
  return { person, shop, bank }
}

describe('agreements between a person and two vendors', () => {
  it('propose, accept, confirm: both sides hold the same signed messages and both ledgers verify', async () => {
    const { person, shop, bank } = await network()
    await person.agreements.setProfile({ email: 'alice@example.org', postalAddress: '1 rue de la Paix, Lyon' })

    const withShop = await person.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    const withBank = await person.agreements.propose({ to: bank.did, termId: 'SD-BASE-DP', share: ['email', 'postalAddress'], purposes: [], validForMs: 3600_000 })
    await until(shop, withShop.id, 'active')
    await until(person, withShop.id, 'active')

    // the bank decides by hand
    await until(bank, withBank.id, 'proposed')
    expect((await bank.agreements.get(withBank.id))).toMatchObject({ awaiting: 'us', role: 'responder', counterparty: person.did })
    await bank.agreements.accept(withBank.id)
    await until(person, withBank.id, 'active')
    await until(bank, withBank.id, 'active')

    // data flowed only under the signed agreements, and only what each covers
    await waitFor('the shop to hold her email', async () => (await shop.agreements.held(withShop.id))?.fields.email === 'alice@example.org')
    expect((await shop.agreements.held(withShop.id))?.fields).toEqual({ email: 'alice@example.org' })
    await waitFor('the bank to hold her email and address', async () => Object.keys((await bank.agreements.held(withBank.id))?.fields ?? {}).length === 2)
    for (const [vendor, id] of [[shop, withShop.id], [bank, withBank.id]] as const) {
      await waitFor('every message acknowledged', async () => (await person.agreements.get(id))?.pending.length === 0)
      expect(await signed(vendor, id)).toEqual(await signed(person, id))
      expect((await signed(person, id)).length).toBe(4) // proposal, acceptance, confirmation, data shared
    }
    for (const node of [person, shop, bank]) expect(await node.ledger.verify()).toMatchObject({ ok: true })
  })

  it('one move, every company: a profile change reaches every counterparty that holds that field, and no other', async () => {
    const { person, shop, bank } = await network()
    await person.agreements.setProfile({ email: 'old@example.org', phone: '+33 1 23 45 67 89' })
    const a = await person.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    const b = await person.agreements.propose({ to: bank.did, termId: 'SD-BASE', share: ['phone'], purposes: [], validForMs: 3600_000 })
    await until(bank, b.id, 'proposed')
    await bank.agreements.accept(b.id)
    await until(person, a.id, 'active')
    await until(person, b.id, 'active')

    const { pushes } = await person.agreements.setProfile({ email: 'new@example.org' })
    expect(pushes).toEqual([{ agreementId: a.id, counterparty: shop.did, fields: ['email'] }])
    await waitFor('the shop to hold the new email', async () => (await shop.agreements.held(a.id))?.fields.email === 'new@example.org')
    await waitFor('the push to be acknowledged', async () => (await person.agreements.get(a.id))?.sharedVersion === 2)
    expect((await bank.agreements.held(b.id))?.fields).toEqual({ phone: '+33 1 23 45 67 89' })
  })
})

describe('every path ends in the same state on both sides', () => {
  it('counter-offer: the vendor offers its one alternative, she accepts it, the vendor confirms', async () => {
    const { person, bank } = await network()
    const a = await person.agreements.propose({ to: bank.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await until(bank, a.id, 'proposed')
    await bank.agreements.counter(a.id, { termId: 'SD-BASE-A' })
    await until(person, a.id, 'countered')
    expect(await person.agreements.get(a.id)).toMatchObject({ awaiting: 'us', terms: { termId: 'SD-BASE-A', share: ['email'] } })
    // a second counter-offer is not allowed (IEEE 7012: one alternative)
    await expect(bank.agreements.counter(a.id, { termId: 'SD-BASE-DP' })).rejects.toMatchObject({ code: 'INVALID_STATE' })
    await person.agreements.accept(a.id)
    await until(bank, a.id, 'active')
    await until(person, a.id, 'active')
    for (const n of [person, bank]) expect((await n.agreements.get(a.id))?.terms.termId).toBe('SD-BASE-A')
    await waitFor('all acknowledged', async () => (await person.agreements.get(a.id))?.pending.length === 0 && (await bank.agreements.get(a.id))?.pending.length === 0)
    expect(await signed(bank, a.id)).toEqual(await signed(person, a.id))
  })

  it('counter-offer refused: she rejects the alternative and both end rejected', async () => {
    const { person, bank } = await network()
    const a = await person.agreements.propose({ to: bank.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await until(bank, a.id, 'proposed')
    await bank.agreements.counter(a.id, { termId: 'SD-BASE-ATP' })
    await until(person, a.id, 'countered')
    await person.agreements.reject(a.id, 'no profiling')
    await until(bank, a.id, 'rejected')
    await until(person, a.id, 'rejected')
    expect((await bank.agreements.get(a.id))?.rejection).toMatchObject({ code: 'refused', reason: 'no profiling', by: 'them' })
    expect(await bank.agreements.held(a.id)).toBeUndefined()
  })

  it('rejection: the vendor says no, with a code, and no data ever flows', async () => {
    const { person, bank } = await network()
    await person.agreements.setProfile({ email: 'alice@example.org' })
    const a = await person.agreements.propose({ to: bank.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await until(bank, a.id, 'proposed')
    await bank.agreements.reject(a.id, 'we do not serve this region')
    await until(person, a.id, 'rejected')
    expect((await person.agreements.get(a.id))?.rejection).toMatchObject({ code: 'refused', by: 'them', reason: 'we do not serve this region' })
    await expect(person.agreements.terminate(a.id)).rejects.toMatchObject({ code: 'INVALID_STATE' })
    expect(await bank.agreements.held(a.id)).toBeUndefined()
  })

  it('expiry: each node ends the agreement on its own clock and the vendor deletes what it held', async () => {
    const { person, shop } = await network()
    await person.agreements.setProfile({ email: 'alice@example.org' })
    const a = await person.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3_000 })
    await waitFor('the shop to hold her email', async () => (await shop.agreements.held(a.id)) !== undefined)
    await until(shop, a.id, 'expired')
    await until(person, a.id, 'expired')
    expect(await shop.agreements.held(a.id)).toBeUndefined()
    const events = (await shop.agreements.thread(a.id)).filter(m => m.kind === 'vrm.AgreementEvent')
    expect(events.map(e => e.jwt)).toEqual([null]) // the data event's content is erased; its id stays
    expect(await shop.ledger.verify()).toMatchObject({ ok: true })
    await expect(person.agreements.setProfile({ email: 'new@example.org' })).resolves.toMatchObject({ pushes: [] })
  })

  it('terminate: the vendor deletes her data and sends a signed deletion receipt that her node shows', async () => {
    const { person, shop } = await network()
    await person.agreements.setProfile({ email: 'alice@example.org', postalAddress: '1 rue de la Paix' })
    const a = await person.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: ['email', 'postalAddress'], purposes: [], validForMs: 3600_000 })
    await waitFor('the shop to hold her data', async () => Object.keys((await shop.agreements.held(a.id))?.fields ?? {}).length === 2)
    await person.agreements.terminate(a.id, 'moving on')
    await until(person, a.id, 'terminated')
    await until(shop, a.id, 'terminated')

    // the vendor's store: no held data, no data in any stored message or ledger entry
    expect(await shop.agreements.held(a.id)).toBeUndefined()
    const everything = JSON.stringify([
      await shop.store.entries(shop.store.messages),
      await shop.store.entries(shop.store.ledger),
      await shop.store.entries(shop.store.held)
    ])
    expect(everything).not.toContain('alice@example.org')
    expect(everything).not.toContain(Buffer.from('alice@example.org').toString('base64url').slice(0, 16))
    expect(await shop.ledger.verify()).toMatchObject({ ok: true })

    const receipt = (await person.agreements.get(a.id))?.deletionReceipt
    expect(receipt).toMatchObject({ fields: ['email', 'postalAddress'] })
    const signedReceipt = (await person.agreements.thread(a.id)).find(m => m.id === receipt!.id)
    expect(signedReceipt?.kind).toBe('vrm.DeletionReceipt')
    expect(JSON.parse(Buffer.from(signedReceipt!.jwt!.split('.')[1]!, 'base64url').toString()).iss).toBe(shop.did)
  })
})
