import { describe, it, expect } from 'vitest'
import type { Message } from '@libp2p/gossipsub'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'
import type { HearthConfig } from '../../src/repo/config.ts'
import { categoryTopic } from '../../src/intentcast/topics.ts'

/**
 * Issue 4, first point: 20 real nodes on one in-process network (a router, one person, twelve
 * vendors across three categories, six bystanders). An intent reaches every vendor of its
 * category and no other node; four vendors answer; she accepts one; the agreement forms with
 * that vendor only.
 */
const CATEGORIES = ['bicycles', 'electronics', 'furniture'] as const

const offerFor = (price: string) => ({
  items: [{ name: 'Road bike, 56 cm', quantity: 1, price: { amount: price, currency: 'EUR' } }],
  total: { amount: price, currency: 'EUR' },
  fulfilment: { method: 'delivery' as const },
  proposedAgreement: { termId: 'SD-BASE', share: ['postalAddress' as const], purposes: ['dpv:ServiceProvision'], validForSeconds: 30 * 86400 },
  validForSeconds: 3600
})

describe('a market of 20 nodes', () => {
  it('an intent reaches the vendors of its category and no one else; she picks one offer of four; one agreement forms', async () => {
    const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
    const bootstrap = [hub.network.addresses()[0]!]
    const vendorConfig = (category: string, n: number) => (c: HearthConfig): HearthConfig => {
      c.intentcast.vendor.categories = [category]
      c.intentcast.vendor.name = `${category} shop ${n}`
      return c
    }
    const vendors: Record<string, HearthNode[]> = {}
    for (const category of CATEGORIES) {
      vendors[category] = await Promise.all([1, 2, 3, 4].map(async n => await startTestNode({ bootstrap, configure: vendorConfig(category, n) })))
    }
    const bystanders = await Promise.all(Array.from({ length: 6 }, async () => await startTestNode({ bootstrap })))
    const person = await startTestNode({ bootstrap })
    const everyone = [hub, person, ...Object.values(vendors).flat(), ...bystanders]
    expect(everyone.length).toBe(20)
    await Promise.all(everyone.slice(1).map(waitPublished))
    await person.agreements.setProfile({ postalAddress: '1 rue de la Paix, Lyon' })

    // what every node's gossipsub delivers on the bicycles topic
    const topic = categoryTopic('bicycles')
    const delivered = new Map<HearthNode, number>()
    for (const node of everyone) {
      node.network.libp2p.services.pubsub.addEventListener('message', (evt: CustomEvent<Message>) => {
        if (evt.detail.topic === topic) delivered.set(node, (delivered.get(node) ?? 0) + 1)
      })
    }

    const bikeShops = vendors.bicycles!
    // every bike shop's subscription has reached the router before she speaks
    await waitFor('the router to see the bike shops subscribed', () =>
      hub.network.libp2p.services.pubsub.getSubscribers(topic).length >= bikeShops.length)
    const intent = await person.intentcast.person.create({
      what: 'A used road bike, size 56', category: 'bicycles', tags: ['road'],
      budget: { max: '300', currency: 'EUR' }, where: { country: 'FR', region: 'FR-69' },
      disclosureOnAccept: ['postalAddress'], expiresInSeconds: 86400
    })

    await waitFor('every bike shop to hold the intent', async () =>
      (await Promise.all(bikeShops.map(async v => (await v.intentcast.vendor.intents()).length))).every(n => n === 1), 30_000)
    for (const shop of bikeShops) expect((await shop.intentcast.vendor.intents())[0]).toMatchObject({ id: intent.id, category: 'bicycles', via: 'topic' })
    // no other vendor holds it, and no other node's gossipsub delivered it (the router relays it)
    for (const other of [...vendors.electronics!, ...vendors.furniture!]) expect(await other.intentcast.vendor.intents()).toEqual([])
    for (const node of [person, ...vendors.electronics!, ...vendors.furniture!, ...bystanders]) expect(delivered.get(node) ?? 0).toBe(0)
    for (const shop of bikeShops) expect(delivered.get(shop)).toBe(1)

    // all four answer, at four prices
    const offers = await Promise.all(bikeShops.map(async (shop, i) => await shop.intentcast.vendor.offer(intent.id, offerFor(String(250 + 10 * i)))))
    await waitFor('her node to receive four offers', async () => (await person.intentcast.person.offers(intent.id)).length === 4, 30_000)
    const received = await person.intentcast.person.offers(intent.id)
    expect(new Set(received.map(o => o.vendor.did))).toEqual(new Set(bikeShops.map(s => s.did)))

    // she takes the cheapest: the only moment her DID is revealed, to that shop alone
    const cheapest = offers[0]!
    const { agreement } = await person.intentcast.person.accept(cheapest.id)
    const chosen = bikeShops[0]!
    await waitFor('the agreement to be active on both sides', async () =>
      (await person.agreements.get(agreement!.id))?.state === 'active' && (await chosen.agreements.get(agreement!.id))?.state === 'active', 30_000)
    expect((await chosen.intentcast.vendor.sent()).find(o => o.id === cheapest.id)).toMatchObject({ status: 'accepted', agreementId: agreement!.id })
    expect((await person.agreements.list()).map(a => a.counterparty)).toEqual([chosen.did])
    for (const node of everyone.filter(n => n !== chosen && n !== person)) expect(await node.agreements.list()).toEqual([])
    // she withdrew the intent on accepting: every bike shop deleted it
    await waitFor('every bike shop to drop the intent', async () =>
      (await Promise.all(bikeShops.map(async v => (await v.intentcast.vendor.intents()).length))).every(n => n === 0), 30_000)
    expect((await person.intentcast.person.get(intent.id)).status).toBe('accepted')
  }, 180_000)
})
