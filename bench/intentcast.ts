/**
 * The intentcast figures (issue 4; DESIGN.md section 10: an intent reaches every subscribed
 * vendor of a 50-node local network, 100% delivered, p99 <= 100 ms), next to raw gossipsub in the
 * same run: the same 50-node topology (every connection the Hearth network has, dialled again
 * between raw libp2p nodes), the same topics, the same payload bytes, no Hearth.
 *
 * Network: node 0 is the router (intentcast.router, as a community's bootstrap node would be),
 * then 8 vendors in each of 3 categories, one person, and bystanders. Intents go to one category.
 */
import { figure } from './report.ts'
import type { SuiteResult } from './report.ts'
import { summarize } from './stats.ts'
import type { Summary } from './stats.ts'
import { createScratch, startHearthNetwork } from './fixture.ts'
import { createRawNode } from './raw-node.ts'
import type { RawNode } from './raw-node.ts'
import { progress } from './progress.ts'
import { inBatches, sleep, waitFor } from './util.ts'
import type { HearthNode } from '../src/node.ts'
import type { HearthConfig } from '../src/repo/index.ts'
import { categoryTopic, replyTopic } from '../src/intentcast/topics.ts'
import type { Message } from '@libp2p/gossipsub'

export const SIZE = 50
export const CATEGORIES = ['bicycles', 'electronics', 'furniture'] as const
export const VENDORS_PER_CATEGORY = 8
/** 200, so that the p99 is not simply the largest sample (it is the 2nd largest) */
export const INTENTS = 200
export const OFFERS = 300
export const OFFER_INTENTS = 10
const IN_FLIGHT = 16

export async function runIntentcast (): Promise<SuiteResult> {
  const scratch = createScratch()
  try {
    return await measure(scratch)
  } finally {
    await scratch.cleanup()
  }
}

const role = (i: number): HearthConfig['intentcast'] | undefined => {
  if (i === 0) return { router: true, maxOffersPerIntent: 1000, vendor: { categories: [], name: null, maxIntents: 10_000, maxIntentsPerSecond: 1000, autoOffers: [] } }
  const v = i - 1
  if (v < CATEGORIES.length * VENDORS_PER_CATEGORY) {
    return { router: false, maxOffersPerIntent: 1000, vendor: { categories: [CATEGORIES[v % CATEGORIES.length]!], name: `vendor ${v}`, maxIntents: 10_000, maxIntentsPerSecond: 1000, autoOffers: [] } }
  }
  return { router: false, maxOffersPerIntent: 1000, vendor: { categories: [], name: null, maxIntents: 10_000, maxIntentsPerSecond: 1000, autoOffers: [] } }
}

async function measure (scratch: ReturnType<typeof createScratch>): Promise<SuiteResult> {
  progress(`intentcast: a ${SIZE}-node network (router, ${CATEGORIES.length} x ${VENDORS_PER_CATEGORY} vendors, a person, bystanders)`)
  const net = await startHearthNetwork(scratch, SIZE, i => (c: HearthConfig) => { c.intentcast = role(i)!; return c })
  let raw: RawNode[] = []
  try {
    const nodes = net.nodes
    const router = nodes.find(n => n.config.intentcast.router)!
    const subscribed = nodes.filter(n => n.config.intentcast.vendor.categories.includes('bicycles'))
    const person = nodes.find(n => !n.config.intentcast.router && n.config.intentcast.vendor.categories.length === 0)!
    const topic = categoryTopic('bicycles')
    await waitFor('the router to see every bike vendor subscribed', () => router.network.libp2p.services.pubsub.getSubscribers(topic).length >= subscribed.length, 60_000)

    // --- Hearth: intent delivery, publish to every subscribed vendor's `market:intent` event
    progress(`intentcast: ${INTENTS} intents to ${subscribed.length} vendors, one at a time`)
    const arrivals = new Map<string, Map<HearthNode, number>>()
    const offs = subscribed.map(v => v.onEvent(e => {
      if (e.type !== 'market:intent') return
      const id = String(e.data.intentId)
      const m = arrivals.get(id) ?? new Map<HearthNode, number>()
      m.set(v, performance.now())
      arrivals.set(id, m)
    }))
    const hearthMs: number[] = []
    let hearthMissing = 0
    for (let i = 0; i < INTENTS + 5; i++) {
      const t = performance.now()
      const intent = await person.intentcast.person.create({ what: `A used road bike, size ${50 + (i % 10)}`, category: 'bicycles', budget: { max: '300', currency: 'EUR' }, expiresInSeconds: 3600 })
      try {
        await waitFor('every vendor to hold it', () => (arrivals.get(intent.id)?.size ?? 0) === subscribed.length, 5_000)
      } catch { if (i >= 5) hearthMissing++ }
      if (i >= 5 && arrivals.get(intent.id)?.size === subscribed.length) hearthMs.push(Math.max(...arrivals.get(intent.id)!.values()) - t)
      await sleep(20)
    }
    for (const off of offs) off()

    // --- Hearth: offers handled, vendor signs + seals + stores + publishes, she opens + verifies + stores
    progress(`intentcast: ${OFFERS} offers to ${OFFER_INTENTS} of her intents, ${IN_FLIGHT} in flight`)
    const targets = await Promise.all(Array.from({ length: OFFER_INTENTS }, async (_, i) =>
      await person.intentcast.person.create({ what: `Bike lights, set number ${i}`, category: 'bicycles', expiresInSeconds: 3600 })))
    const vendor = subscribed[0]!
    await waitFor('the vendor to hold her intents', async () => (await Promise.all(targets.map(async t => await vendor.intentcast.vendor.intent(t.id).then(() => true, () => false)))).every(Boolean), 30_000)
    const offer = { items: [{ name: 'Front and rear lights', quantity: 1, price: { amount: '25', currency: 'EUR' } }], total: { amount: '25', currency: 'EUR' }, fulfilment: { method: 'delivery' as const }, validForSeconds: 3600 }
    const before = (await person.intentcast.person.offers()).length
    const t0 = performance.now()
    await inBatches(Array.from({ length: OFFERS }), IN_FLIGHT, async (_, i) => await vendor.intentcast.vendor.offer(targets[i % OFFER_INTENTS]!.id, offer))
    await waitFor('her node to store every offer', async () => (await person.intentcast.person.offers()).length - before >= OFFERS, 60_000)
    const offersPerSecond = OFFERS / ((performance.now() - t0) / 1000)
    const sampleOffer = (await vendor.store.values<{ jwt: string }>(vendor.store.marketOffers))[0]!.jwt

    // --- raw gossipsub on the same topology
    progress('intentcast: the same topology over raw libp2p + gossipsub')
    raw = await inBatches(nodes, 8, async () => await createRawNode('memory', { gossipsub: true }))
    await Promise.all(raw.map(async r => { await r.start() }))
    const index = new Map(nodes.map((n, i) => [n.peerId, i]))
    const edges = new Set<string>()
    nodes.forEach((n, i) => {
      for (const c of n.network.libp2p.getConnections()) {
        const j = index.get(c.remotePeer.toString())
        if (j !== undefined && i < j) edges.add(`${i}-${j}`)
      }
    })
    // a few at a time: a node takes at most 10 incoming connections in handshake at once
    let dialFailures = 0
    await inBatches([...edges], 4, async e => {
      const [i, j] = e.split('-').map(Number) as [number, number]
      for (let attempt = 0; attempt < 3; attempt++) {
        try { await raw[i]!.dial(raw[j]!.getMultiaddrs()[0]!); return } catch { await sleep(100) }
      }
      dialFailures++
    })
    const rawRouter = raw[nodes.indexOf(router)]!
    const rawSubs = subscribed.map(v => raw[nodes.indexOf(v)]!)
    const rawPerson = raw[nodes.indexOf(person)]!
    const reply = replyTopic(targets[0]!.id)
    for (const r of [rawRouter, ...rawSubs]) r.services.pubsub!.subscribe(topic)
    rawRouter.services.pubsub!.subscribe(reply)
    rawPerson.services.pubsub!.subscribe(reply)
    // ready when a message reaches every subscriber (subscriptions spread over ~1,000 connections)
    let warm = 0
    const warmed = new Set<RawNode>()
    const warmListeners = rawSubs.map(r => {
      const l = (evt: CustomEvent<Message>): void => { if (evt.detail.topic === topic) warmed.add(r) }
      r.services.pubsub!.addEventListener('message', l)
      return () => { r.services.pubsub!.removeEventListener('message', l) }
    })
    await waitFor('raw gossipsub to reach every subscriber', async () => {
      if (warmed.size === rawSubs.length && rawPerson.services.pubsub!.getSubscribers(reply).length > 0) return true
      await rawPerson.services.pubsub!.publish(topic, new TextEncoder().encode(`warm-up ${warm++}`))
      await sleep(250)
      return false
    }, 60_000).catch(err => {
      throw new Error(`${(err as Error).message}: ${warmed.size}/${rawSubs.length} reached; router sees ${rawRouter.services.pubsub!.getSubscribers(topic).length} subscribers; ${edges.size} edges, ${dialFailures} dials failed`)
    })
    for (const off of warmListeners) off()
    await sleep(1500)
    const payload = (await person.store.values<{ versions: Array<{ jwt: string }> }>(person.store.intents))[0]!.versions[0]!.jwt
    const rawMs: number[] = []
    let rawMissing = 0
    for (let i = 0; i < INTENTS + 5; i++) {
      const data = new TextEncoder().encode(payload + ' '.repeat(i % 7) + String(i)) // distinct bytes, same size
      const got = new Map<RawNode, number>()
      const listeners = rawSubs.map(r => {
        const l = (evt: CustomEvent<Message>): void => { if (evt.detail.topic === topic && evt.detail.data.byteLength === data.byteLength) got.set(r, performance.now()) }
        r.services.pubsub!.addEventListener('message', l)
        return () => { r.services.pubsub!.removeEventListener('message', l) }
      })
      const t = performance.now()
      await rawPerson.services.pubsub!.publish(topic, data)
      try { await waitFor('raw delivery', () => got.size === rawSubs.length, 5_000) } catch { if (i >= 5) rawMissing++ }
      if (i >= 5 && got.size === rawSubs.length) rawMs.push(Math.max(...got.values()) - t)
      for (const off of listeners) off()
      await sleep(20)
    }
    // raw offers: the vendor publishes sealed-offer-sized messages on the reply bucket, she receives them
    const offerBytes = sampleOffer.length + 49
    let rawGot = 0
    rawPerson.services.pubsub!.addEventListener('message', (evt: CustomEvent<Message>) => { if (evt.detail.topic === reply) rawGot++ })
    const rawVendor = rawSubs[0]!
    const r0 = performance.now()
    await inBatches(Array.from({ length: OFFERS }), IN_FLIGHT, async (_, i) => await rawVendor.services.pubsub!.publish(reply, new Uint8Array(offerBytes).fill(i % 251 + 1).map((b, k) => k < 8 ? (i >> (k * 4)) & 0xff : b)))
    await waitFor('raw offers to arrive', () => rawGot >= OFFERS, 60_000)
    const rawOffersPerSecond = OFFERS / ((performance.now() - r0) / 1000)

    const h = summarize(hearthMs)
    const r = summarize(rawMs)
    const delivered = 100 * (INTENTS - hearthMissing) / INTENTS
    return {
      figures: {
        intent_delivery_p50: figure({ what: `an intent, from create() to every one of ${subscribed.length} subscribed vendors storing it (market:intent), ${SIZE}-node memory network, p50`, value: h.p50, unit: 'ms', n: h.n, floor: { value: r.p50, what: 'raw gossipsub publish to delivery at all the same subscribers, same topology and payload size, p50' } }),
        intent_delivery_p99: figure({ what: 'the same, p99', value: h.p99, unit: 'ms', n: h.n, budget: 100, floor: { value: r.p99, what: 'the same raw, p99' } }),
        intent_delivered: figure({ what: `intents that reached all ${subscribed.length} subscribed vendors`, value: delivered, unit: '%', n: INTENTS, budget: 100, better: 'higher', floor: { value: 100 * (INTENTS - rawMissing) / INTENTS, what: 'raw gossipsub, same' } }),
        offers_per_second: figure({ what: `offers handled: vendor signs, seals, stores and publishes; she opens, verifies and stores (${IN_FLIGHT} in flight)`, value: offersPerSecond, unit: '/s', n: OFFERS, better: 'higher', floor: { value: rawOffersPerSecond, what: 'raw gossipsub messages of the same size, same path, same concurrency' } })
      },
      info: {
        setupMs: Math.round(net.setupMs),
        subscribedVendors: subscribed.length,
        edges: edges.size,
        rawDialFailures: dialFailures,
        intentMs: { hearth: brief(h), raw: brief(r) },
        missing: { hearth: hearthMissing, raw: rawMissing },
        payloadBytes: { intent: payload.length, offerSealed: offerBytes }
      }
    }
  } finally {
    await Promise.all(raw.map(async r => { try { await r.stop() } catch {} }))
    await net.stop()
  }
}

function brief (s: Summary): Record<string, number> {
  const r = (x: number): number => Math.round(x * 1000) / 1000
  return { n: s.n, p50: r(s.p50), p99: r(s.p99), min: r(s.min), max: r(s.max) }
}
