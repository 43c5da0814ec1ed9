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
