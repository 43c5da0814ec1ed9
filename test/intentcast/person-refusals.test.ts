import { randomBytes } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import type { Ed25519Key } from '../../src/identity/index.ts'
import { encodeToken, newRandomId } from '../../src/messages/sign.ts'
import { isHearthError } from '../../src/errors.ts'
import { bodyOf } from '../../src/intentcast/records.ts'
import type { MarketIntent, ReceivedOffer, SentOffer } from '../../src/intentcast/records.ts'
import type { IntentBody, OfferBody } from '../../src/intentcast/types.ts'
import { decodeX25519PublicKey, seal } from '../../src/intentcast/seal.ts'
import { categoryTopic, replyTopic } from '../../src/intentcast/topics.ts'
import { intentcastHeader, signIntentcast } from '../../src/intentcast/wire.ts'
import { intentTerms } from '../../src/intentcast/context.ts'

/**
 * Issue 4, bad input and the end of an intent: late, forged, misdirected and replayed offers are
 * refused by her node and nothing is stored; bad intents on a topic are refused by every hop;
 * vendors delete an intent at its withdrawal or expiry (read from the vendor's store).
 */
async function market (personSweepMs?: number): Promise<{ hub: HearthNode, person: HearthNode, vendor: HearthNode, other: HearthNode }> {
  const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
  const bootstrap = [hub.network.addresses()[0]!]
  const [person, vendor, other] = await Promise.all([
    startTestNode({ bootstrap, ...(personSweepMs !== undefined ? { intentcastSweepMs: personSweepMs } : {}) }),
    startTestNode({ bootstrap, configure: c => { c.intentcast.vendor.categories = ['bicycles']; return c } }),
    startTestNode({ bootstrap })
  ])
  await Promise.all([person, vendor, other].map(waitPublished))
  return { hub, person, vendor, other }
}

const basicOffer = { items: [{ name: 'Road bike', quantity: 1, price: { amount: '250', currency: 'EUR' } }], total: { amount: '250', currency: 'EUR' }, fulfilment: { method: 'delivery' as const }, validForSeconds: 3600 }
const refused = async (node: HearthNode, reason: string): Promise<number> => (await node.intentcast.status()).refused[reason] ?? 0
const newKey = (): Ed25519Key => ed25519FromSeed(randomBytes(32))

/** An offer to an intent, signed by `key`, body fields overridable. */
function offerJwt (key: Ed25519Key, intent: { id: string, pairwiseDid: string, messageId: string }, over: Partial<OfferBody> = {}, now = Date.now()): string {
  const validUntil = Math.floor(now / 1000) + 600
  const { validForSeconds: _v, ...offer } = basicOffer
  const body: OfferBody = {
    offerId: newRandomId(), intentId: intent.id, intentHash: intent.messageId, vendor: { did: key.did },
    ...offer, acceptsTerms: intentTerms() as OfferBody['acceptsTerms'],
    validUntil: new Date(validUntil * 1000).toISOString(), ...over
  }
  return signIntentcast(key, { kind: 'vrm.Offer', body, aud: intent.pairwiseDid, exp: validUntil }).jwt
}

/** Publish sealed to her intent's reply key, from another node, as any vendor would. */
async function sendOffer (from: HearthNode, replyKey: string, intentId: string, jwt: string): Promise<void> {
  const topic = replyTopic(intentId)
  await waitFor('a subscriber of the reply bucket', () => from.network.libp2p.services.pubsub.getSubscribers(topic).length > 0)
  await from.network.libp2p.services.pubsub.publish(topic, seal(decodeX25519PublicKey(replyKey), new TextEncoder().encode(jwt), 'offer'))
}

describe('her node refuses bad offers and stores nothing of them', () => {
  it('forged, misdirected, replayed and late offers are refused; a good one is kept', async () => {
    const { person, vendor, other } = await market()
    const intent = await person.intentcast.person.create({ what: 'A used road bike, size 56', category: 'bicycles', expiresInSeconds: 3600 })
    await waitFor('the vendor to hold the intent', async () => (await vendor.intentcast.vendor.intents()).length === 1)
    const held = (await vendor.store.get<MarketIntent>(vendor.store.market, intent.id))!
    const replyKey = bodyOf<IntentBody>(held.jwt).replyKey
    const target = { id: intent.id, pairwiseDid: intent.pairwiseDid, messageId: held.messageId }

    // a forged offer: claims to be the vendor, signed by another key
    const forger = newKey()
    const forged = offerJwt(forger, target)
    const [h, p] = forged.split('.')
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString())
    payload.iss = vendor.did
    payload.body.vendor.did = vendor.did
    const claimed = encodeToken(forger, intentcastHeader(vendor.did, 'vrm.Offer'), payload)
    expect(h).toBeDefined()
    await sendOffer(other, replyKey, intent.id, claimed)
    await waitFor('the forged offer to be refused', async () => await refused(person, 'BAD_SIGNATURE') === 1)

    // an offer for an intent she does not have (sealed to this intent, naming another)
    await sendOffer(other, replyKey, intent.id, offerJwt(newKey(), { ...target, id: newRandomId() }))
    await waitFor('the offer for an unknown intent to be refused', async () => await refused(person, 'WRONG_INTENT') === 1)

    // an offer for a version of the intent that never existed
    await sendOffer(other, replyKey, intent.id, offerJwt(newKey(), { ...target, messageId: 'bafkrei' + 'a'.repeat(52) }))
    await waitFor('the offer for an unknown version to be refused', async () => await refused(person, 'UNKNOWN_INTENT_VERSION') === 1)
    expect(await person.intentcast.person.offers(intent.id)).toEqual([])

    // a real offer, then the very same signed offer again (sealed afresh: new bytes on the wire)
    const real = await vendor.intentcast.vendor.offer(intent.id, basicOffer)
    await waitFor('the real offer to arrive', async () => (await person.intentcast.person.offers(intent.id)).length === 1)
    const sentJwt = (await vendor.store.get<SentOffer>(vendor.store.marketOffers, real.id))!.jwt
    await sendOffer(other, replyKey, intent.id, sentJwt)
    await waitFor('the replayed offer to be refused', async () => await refused(person, 'REPLAYED') === 1)
    const stored = await person.store.values<ReceivedOffer>(person.store.offers)
    expect(stored.map(o => o.id)).toEqual([real.id])

    // she withdraws: the vendor deletes the intent, and a late offer is refused
    await person.intentcast.person.withdraw(intent.id, 'found one')
    await waitFor('the vendor to delete the withdrawn intent', async () => await vendor.store.get(vendor.store.market, intent.id) === undefined)
    expect(await vendor.intentcast.vendor.intents()).toEqual([])
    // nothing of it is left anywhere in the vendor's store (its open offer went too)
    const all = await vendor.store.entries<unknown>(vendor.store.marketOffers)
    expect(all).toEqual([])
    await expect(vendor.intentcast.vendor.offer(intent.id, basicOffer)).rejects.toMatchObject({ code: 'NOT_FOUND' })
    await sendOffer(other, replyKey, intent.id, offerJwt(newKey(), target))
    await waitFor('the late offer to be refused', async () => await refused(person, 'INTENT_CLOSED') >= 1)
    expect((await person.store.values<ReceivedOffer>(person.store.offers)).length).toBe(1)
    expect((await person.intentcast.person.get(intent.id)).status).toBe('withdrawn')
  }, 120_000)

  it('at expiry the vendor deletes the intent and her node refuses offers for it', async () => {
    // her sweeper must not run before the test does (it would forget the intent's key first)
    const { person, vendor, other } = await market(3_600_000)
    const intent = await person.intentcast.person.create({ what: 'A child seat for a bike', category: 'bicycles', expiresInSeconds: 3 })
    await waitFor('the vendor to hold the intent', async () => (await vendor.intentcast.vendor.intents()).length === 1)
    const held = (await vendor.store.get<MarketIntent>(vendor.store.market, intent.id))!
    const replyKey = bodyOf<IntentBody>(held.jwt).replyKey
    await new Promise(resolve => setTimeout(resolve, 3200))
    // past its expiry, before any sweep: an offer for it is refused by name, and not stored
    await sendOffer(other, replyKey, intent.id, offerJwt(newKey(), { id: intent.id, pairwiseDid: intent.pairwiseDid, messageId: held.messageId }))
    await waitFor('the offer for the expired intent to be refused', async () => await refused(person, 'INTENT_EXPIRED') === 1)
    // the sweeper runs every 10 s; run it now rather than wait
    await vendor.intentcast.sweep()
    await person.intentcast.sweep()
    expect(await vendor.store.get(vendor.store.market, intent.id)).toBeUndefined()
    expect((await person.intentcast.person.get(intent.id)).status).toBe('expired')
    // an offer signed before expiry, arriving after: refused, nothing stored
    const late = offerJwt(newKey(), { id: intent.id, pairwiseDid: intent.pairwiseDid, messageId: held.messageId })
    // after its expiry she no longer even holds its key: the offer cannot be read, let alone kept
    await other.network.libp2p.services.pubsub.publish(replyTopic(intent.id), seal(decodeX25519PublicKey(replyKey), new TextEncoder().encode(late), 'offer')).catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(await person.intentcast.person.offers(intent.id)).toEqual([])
    expect(await person.store.values(person.store.offers)).toEqual([])
    await expect(vendor.intentcast.vendor.offer(intent.id, basicOffer)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  }, 60_000)
})

describe('time ends intents and offers', () => {
  it('an offer past its validity is marked expired by the sweep; an intent that ended while her node was down is expired at start', async () => {
    const { hub, person, vendor, other } = await market(3_600_000)
    const intent = await person.intentcast.person.create({ what: 'A used road bike, size 56', category: 'bicycles', expiresInSeconds: 3600 })
    await waitFor('the vendor to hold the intent', async () => (await vendor.intentcast.vendor.intents()).length === 1)
    const held = (await vendor.store.get<MarketIntent>(vendor.store.market, intent.id))!
    // valid for two more seconds (signed as if ten minutes ago)
    const short = offerJwt(newKey(), { id: intent.id, pairwiseDid: intent.pairwiseDid, messageId: held.messageId }, {}, Date.now() - 598_000)
    await sendOffer(other, bodyOf<IntentBody>(held.jwt).replyKey, intent.id, short)
    await waitFor('the offer to arrive', async () => (await person.intentcast.person.offers(intent.id)).length === 1)
    expect((await person.intentcast.person.offers(intent.id))[0]!.status).toBe('open')
    await new Promise(resolve => setTimeout(resolve, 2200))
    expect(await person.intentcast.sweep()).toBe(1)
    expect((await person.intentcast.person.offers(intent.id))[0]!.status).toBe('expired')
    expect((await person.intentcast.person.get(intent.id)).status).toBe('open')

    const brief = await person.intentcast.person.create({ what: 'Bike lights, front and rear', category: 'bicycles', expiresInSeconds: 3 })
    const repo = person.repo
    await person.stop()
    await new Promise(resolve => setTimeout(resolve, 3200))
    const again = await startTestNode({ repo, bootstrap: [hub.network.addresses()[0]!], intentcastSweepMs: 3_600_000 })
    expect((await again.intentcast.person.get(brief.id)).status).toBe('expired')
    expect((await again.intentcast.person.get(intent.id)).status).toBe('open')
  }, 60_000)
})

describe('bad intents', () => {
  it('her own node refuses an intent without expiry, an oversized one, an unknown category', async () => {
    const { person } = await market()
    const create = person.intentcast.person.create
    await expect(create({ what: 'A used road bike, size 56', category: 'bicycles' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'expiresAt' } })
    await expect(create({ what: 'x'.repeat(501), category: 'bicycles', expiresInSeconds: 60 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(create({ what: 'A used road bike', category: 'spaceships', expiresInSeconds: 60 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(create({ what: 'A used road bike', category: 'bicycles', expiresInSeconds: 200 * 86400 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(create({ what: 'A used road bike', category: 'bicycles', expiresInSeconds: 60, budget: { max: '3e2', currency: 'EUR' } })).rejects.toSatisfy(e => isHearthError(e, 'INVALID_ARGUMENT'))
    expect(await person.intentcast.person.list()).toEqual([])
  })

  it('an oversized intent, one without expiry, and one on the wrong topic are refused by every hop; no vendor stores them', async () => {
    const { hub, vendor, other } = await market()
    const key = newKey()
    const now = Math.floor(Date.now() / 1000)
    const body = (over: Record<string, unknown>): Record<string, unknown> => ({
      intentId: newRandomId(), seq: 1, what: 'A used road bike, size 56', category: 'bicycles', terms: intentTerms(),
      replyKey: Buffer.alloc(32, 7).toString('base64url'), expiresAt: new Date((now + 600) * 1000).toISOString(), ...over
    })
    const token = (b: Record<string, unknown>, exp: number | undefined = now + 600): string =>
      encodeToken(key, intentcastHeader(key.did, 'vrm.Intent'), { iss: key.did, iat: now, ...(exp !== undefined ? { exp } : {}), jti: newRandomId(), body: b })
    const topic = categoryTopic('bicycles')
    await waitFor('subscribers on the topic', () => other.network.libp2p.services.pubsub.getSubscribers(topic).length > 0)
    const send = async (jwt: string, t = topic): Promise<void> => { await other.network.libp2p.services.pubsub.publish(t, new TextEncoder().encode(jwt)) }
    const refusedAnywhere = async (reason: string): Promise<number> => await refused(hub, reason) + await refused(vendor, reason)

    await send(token(body({ items: Array.from({ length: 20 }, (_, i) => ({ name: `part ${i}`, attributes: Object.fromEntries(Array.from({ length: 5 }, (_, j) => [`k${j}`, 'v'.repeat(150)])) })) })))
    await waitFor('the oversized intent to be refused', async () => await refusedAnywhere('TOO_LARGE') >= 1)
    const { expiresAt: _e, ...noExpiry } = body({})
    await send(token(noExpiry, undefined))
    await waitFor('the intent without expiry to be refused', async () => await refusedAnywhere('MISSING_CLAIM') + await refusedAnywhere('SCHEMA_INVALID') + await refusedAnywhere('MALFORMED') >= 1)
    await send(token(body({ category: 'furniture' })))
    await waitFor('the intent on the wrong topic to be refused', async () => await refusedAnywhere('wrong-topic') >= 1)
    // a good one still gets through afterwards
    await send(token(body({})))
    await waitFor('the good intent to arrive', async () => (await vendor.intentcast.vendor.intents()).length === 1)
    expect((await vendor.intentcast.vendor.intents())[0]!.what).toBe('A used road bike, size 56')
  }, 60_000)
})
