import { describe, it, expect } from 'vitest'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'
import type { HearthConfig } from '../../src/repo/config.ts'

const vendorOf = (categories: string[], name: string) => (c: HearthConfig): HearthConfig => {
  c.intentcast.vendor.categories = categories
  c.intentcast.vendor.name = name
  return c
}

const bikeOffer = {
  items: [{ name: 'Road bike, 56 cm', quantity: 1, price: { amount: '280', currency: 'EUR' } }],
  total: { amount: '280', currency: 'EUR' },
  fulfilment: { method: 'delivery' as const },
  proposedAgreement: { termId: 'SD-BASE', share: ['postalAddress' as const], purposes: ['dpv:ServiceProvision'], validForSeconds: 30 * 86400 },
  validForSeconds: 3600
}

async function market (): Promise<{ hub: HearthNode, person: HearthNode, bikes: HearthNode, phones: HearthNode }> {
  const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
  const bootstrap = [hub.network.addresses()[0]!]
  const [person, bikes, phones] = await Promise.all([
    startTestNode({ bootstrap }),
    startTestNode({ bootstrap, configure: vendorOf(['bicycles'], 'Vélo Lyon') }),
    startTestNode({ bootstrap, configure: vendorOf(['electronics'], 'Phone Shop') })
  ])
  await Promise.all([person, bikes, phones].map(waitPublished))
  return { hub, person, bikes, phones }
}

describe('intentcast between a person and vendors', () => {
  it('an intent reaches the vendor of its category only; its offer comes back; accepting forms an agreement', async () => {
    const { person, bikes, phones } = await market()
    await person.agreements.setProfile({ postalAddress: '1 rue de la Paix, Lyon' })
    const intent = await person.intentcast.person.create({
      what: 'A used road bike, size 56', category: 'bicycles', tags: ['road'],
      budget: { max: '300', currency: 'EUR' }, where: { country: 'FR', region: 'FR-69' },
      disclosureOnAccept: ['postalAddress'], expiresInSeconds: 7 * 86400
    })
    expect(intent.pairwiseDid).not.toBe(person.did)
    await waitFor('the bike shop to hold the intent', async () => (await bikes.intentcast.vendor.intents()).length === 1)
    const seen = (await bikes.intentcast.vendor.intents())[0]!
    expect(seen).toMatchObject({ id: intent.id, what: 'A used road bike, size 56', pairwiseDid: intent.pairwiseDid })
    expect(JSON.stringify(seen)).not.toContain(person.did)

    const offer = await bikes.intentcast.vendor.offer(intent.id, bikeOffer)
    await waitFor('her node to receive the offer', async () => (await person.intentcast.person.offers(intent.id)).length === 1)
    expect((await person.intentcast.person.offers(intent.id))[0]).toMatchObject({ id: offer.id, vendor: { did: bikes.did, name: 'Vélo Lyon' }, status: 'open' })

    const { agreement } = await person.intentcast.person.accept(offer.id)
    expect(agreement?.counterparty).toBe(bikes.did)
    await waitFor('the agreement to be active on both sides', async () =>
      (await person.agreements.get(agreement!.id))?.state === 'active' && (await bikes.agreements.get(agreement!.id))?.state === 'active')
    await waitFor('the bike shop to hold her address under it', async () => (await bikes.agreements.held(agreement!.id))?.fields.postalAddress === '1 rue de la Paix, Lyon')
    // she withdrew the intent when she accepted: the vendor deleted it
    await waitFor('the vendor to drop the intent', async () => (await bikes.intentcast.vendor.intents()).length === 0)
    expect((await phones.intentcast.vendor.intents())).toEqual([])
    expect(await phones.agreements.list()).toEqual([])
  })

  it('an update reaches the vendor as a new version from the same pairwise key; offers may answer either version', async () => {
    const { person, bikes } = await market()
    const intent = await person.intentcast.person.create({ what: 'A used road bike, size 56', category: 'bicycles', budget: { max: '300', currency: 'EUR' }, expiresInSeconds: 86400 })
    await waitFor('the bike shop to hold the intent', async () => (await bikes.intentcast.vendor.intents()).length === 1)
    const first = await bikes.intentcast.vendor.offer(intent.id, bikeOffer)

    const updated = await person.intentcast.person.update(intent.id, { budget: { max: '350', currency: 'EUR' }, what: 'A used road bike, size 56 or 58' })
    expect(updated).toMatchObject({ version: 2, budget: { max: '350' }, pairwiseDid: intent.pairwiseDid })
    await waitFor('the bike shop to hold version 2', async () => (await bikes.intentcast.vendor.intent(intent.id)).version === 2)
    expect(await bikes.intentcast.vendor.intent(intent.id)).toMatchObject({ what: 'A used road bike, size 56 or 58', budget: { max: '350', currency: 'EUR' } })
    const second = await bikes.intentcast.vendor.offer(intent.id, bikeOffer)
    // the offer made to version 1 and the one made to version 2 are both hers to take
    await waitFor('both offers to arrive', async () => (await person.intentcast.person.offers(intent.id)).length === 2)
    expect((await person.intentcast.person.offers(intent.id)).map(o => o.id).sort()).toEqual([first.id, second.id].sort())

    // a withdrawn intent cannot change, and a bad change is refused by name, nothing sent
    await expect(person.intentcast.person.update(intent.id, { budget: { max: 'lots', currency: 'EUR' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect((await person.intentcast.person.get(intent.id)).version).toBe(2)
    await person.intentcast.person.withdraw(intent.id)
    await expect(person.intentcast.person.update(intent.id, { what: 'Anything with two wheels' })).rejects.toMatchObject({ code: 'INVALID_STATE' })
  })

  it('an intent sent only to chosen vendors reaches them sealed, over their inbox bucket, and no one else', async () => {
    const { hub, person, bikes, phones } = await market()
    const other = await startTestNode({ bootstrap: [hub.network.addresses()[0]!], configure: vendorOf(['bicycles'], 'Other bikes') })
    await waitPublished(other)
    // to the phone shop, whatever its categories, and not on the bicycles topic
    const intent = await person.intentcast.person.create({ what: 'A phone holder for my bike', category: 'bicycles', to: [phones.did], publish: false, expiresInSeconds: 3600 })
    expect(intent).toMatchObject({ published: false, to: [phones.did] })
    await waitFor('the phone shop to hold it', async () => (await phones.intentcast.vendor.intents()).length === 1)
    expect((await phones.intentcast.vendor.intents())[0]).toMatchObject({ id: intent.id, via: 'direct', pairwiseDid: intent.pairwiseDid })
    // it answers like any vendor, and she gets the offer
    const offer = await phones.intentcast.vendor.offer(intent.id, { ...bikeOffer, proposedAgreement: undefined })
    await waitFor('her node to receive the offer', async () => (await person.intentcast.person.offers(intent.id)).length === 1)
    expect((await person.intentcast.person.offers(intent.id))[0]!.id).toBe(offer.id)
    // the bicycle shops never saw it
    for (const shop of [bikes, other]) expect(await shop.intentcast.vendor.intents()).toEqual([])
  })

  it('a vendor rule answers matching intents at once, never above her budget or in another currency', async () => {
    const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
    const bootstrap = [hub.network.addresses()[0]!]
    const { validForSeconds, ...ruleOffer } = bikeOffer
    const [person, shop] = await Promise.all([
      startTestNode({ bootstrap }),
      startTestNode({
        bootstrap,
        configure: c => {
          c.intentcast.vendor = { ...c.intentcast.vendor, categories: ['bicycles'], name: 'Auto bikes', autoOffers: [{ category: 'bicycles', tags: ['road'], offer: { ...ruleOffer, validForSeconds } }] }
          return c
        }
      })
    ])
    await Promise.all([person, shop].map(waitPublished))
    const create = async (what: string, tags: string[], budget: { max: string, currency: string }) =>
      await person.intentcast.person.create({ what, category: 'bicycles', tags, budget, expiresInSeconds: 3600 })
    const match = await create('A road bike for commuting', ['road'], { max: '300', currency: 'EUR' })
    const tooCheap = await create('A road bike, cheap please', ['road'], { max: '200', currency: 'EUR' })
    const otherCurrency = await create('A road bike, paid in pounds', ['road'], { max: '300', currency: 'GBP' })
    const otherTag = await create('A mountain bike for trails', ['mtb'], { max: '900', currency: 'EUR' })
    await waitFor('the shop to hold all four', async () => (await shop.intentcast.vendor.intents()).length === 4)
    await waitFor('the automatic offer to reach her', async () => (await person.intentcast.person.offers(match.id)).length === 1)
    expect((await person.intentcast.person.offers(match.id))[0]).toMatchObject({ vendor: { name: 'Auto bikes' }, total: { amount: '280', currency: 'EUR' } })
    const sent = await shop.intentcast.vendor.sent()
    expect(sent.map(o => o.intentId)).toEqual([match.id])
    for (const i of [tooCheap, otherCurrency, otherTag]) expect(await person.intentcast.person.offers(i.id)).toEqual([])
  })

  it('a vendor rule whose offer breaks the Offer schema, or names an unknown category or term, stops the node at start', async () => {
    const { validForSeconds, ...ruleOffer } = bikeOffer
    const start = async (rule: object) => await startTestNode({
      configure: c => { c.intentcast.vendor = { ...c.intentcast.vendor, categories: ['bicycles'], autoOffers: [rule as never] }; return c }
    })
    const badPrice = { category: 'bicycles', tags: [], offer: { ...ruleOffer, validForSeconds, total: { amount: 'cheap', currency: 'EUR' } } }
    await expect(start(badPrice)).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { field: expect.stringMatching(/^intentcast\.vendor\.autoOffers\[0\]\.offer\.total/) } })
    const badCategory = { category: 'spaceships', tags: [], offer: { ...ruleOffer, validForSeconds } }
    await expect(start(badCategory)).rejects.toMatchObject({ code: 'INVALID_CONFIG' })
    const badTerm = { category: 'bicycles', tags: [], offer: { ...ruleOffer, validForSeconds, proposedAgreement: { ...bikeOffer.proposedAgreement, termId: 'SD-NOPE' } } }
    await expect(start(badTerm)).rejects.toMatchObject({ code: 'INVALID_CONFIG', details: { field: 'intentcast.vendor.autoOffers[0].offer.proposedAgreement.termId' } })
  })
})

