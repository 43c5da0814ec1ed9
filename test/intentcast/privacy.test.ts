import { describe, it, expect } from 'vitest'
import type { Message } from '@libp2p/gossipsub'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'
import { publicKeyFromDidKey } from '../../src/identity/index.ts'
import { payloadOf } from '../../src/intentcast/records.ts'
import type { MarketIntent } from '../../src/intentcast/records.ts'
import { TOPIC_PREFIX } from '../../src/intentcast/topics.ts'

/**
 * Issue 4, privacy: everything a vendor receives from two intents of one person shares no
 * identifier, and no intent or offer traffic names her DID or her device PeerId before she
 * accepts an offer (DESIGN.md section 7, levels 1 and 2).
 */
async function market (): Promise<{ hub: HearthNode, person: HearthNode, vendor: HearthNode, raw: Message[] }> {
  const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
  const bootstrap = [hub.network.addresses()[0]!]
  const [person, vendor] = await Promise.all([
    startTestNode({ bootstrap }),
    startTestNode({ bootstrap, configure: c => { c.intentcast.vendor.categories = ['bicycles', 'furniture']; return c } })
  ])
  await Promise.all([person, vendor].map(waitPublished))
  // every intentcast message the vendor's and the router's gossipsub deliver, exactly as received
  const raw: Message[] = []
  for (const n of [vendor, hub]) {
    n.network.libp2p.services.pubsub.addEventListener('message', (evt: CustomEvent<Message>) => {
      if (evt.detail.topic.startsWith(TOPIC_PREFIX)) raw.push(evt.detail)
    })
  }
  return { hub, person, vendor, raw }
}

/** Every string a JWT carries that could identify its author, its key or the message. */
function identifiersOf (jwt: string): string[] {
  const [h] = jwt.split('.')
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as { kid: string }
  const p = payloadOf(jwt)
  const body = p.body as Record<string, string>
  return [p.iss, header.kid, p.jti, body.intentId!, body.replyKey!, jwt.split('.')[2]!].filter(x => x !== undefined)
}

/** The ways her identity could appear in bytes: DID, PeerId, identity and device public keys. */
function herMarks (person: HearthNode): string[] {
  const pub = publicKeyFromDidKey(person.did)
  const device = person.network.libp2p.peerId.publicKey!.raw
  return [
    person.did, person.did.slice('did:key:'.length), person.peerId,
    Buffer.from(pub).toString('base64url'), Buffer.from(pub).toString('hex'), Buffer.from(pub).toString('base64'),
    Buffer.from(device).toString('base64url'), Buffer.from(device).toString('hex')
  ]
}

const containsBytes = (hay: Uint8Array, needle: Uint8Array): boolean => Buffer.from(hay).includes(Buffer.from(needle))

describe('intentcast privacy', () => {
  it('two intents of one person share no identifier, and nothing names her before she accepts', async () => {
    const { person, vendor, raw } = await market()
    const a = await person.intentcast.person.create({ what: 'A used road bike, size 56', category: 'bicycles', budget: { max: '300', currency: 'EUR' }, expiresInSeconds: 86400 })
    const b = await person.intentcast.person.create({ what: 'An oak dining table for six', category: 'furniture', budget: { max: '300', currency: 'EUR' }, expiresInSeconds: 86400 })
    await waitFor('the vendor to hold both intents', async () => (await vendor.intentcast.vendor.intents()).length === 2)
    // an offer to each, and she declines one: the traffic both ways is in scope
    const offer = { items: [{ name: 'x', quantity: 1, price: { amount: '100', currency: 'EUR' } }], total: { amount: '100', currency: 'EUR' }, fulfilment: { method: 'pickup' as const }, validForSeconds: 600 }
    const oa = await vendor.intentcast.vendor.offer(a.id, offer)
    await vendor.intentcast.vendor.offer(b.id, offer)
    await waitFor('her node to receive both offers', async () => (await person.intentcast.person.offers()).length === 2)
    await person.intentcast.person.decline(oa.id, { code: 'price', reason: 'too dear' })
    await waitFor('the vendor to see the decline', async () => (await vendor.intentcast.vendor.sent(a.id))[0]?.status === 'declined')

    // 1. what the vendor stored of the two intents: no identifier in common
    const stored = (await vendor.store.values<MarketIntent>(vendor.store.market))
    expect(stored.length).toBe(2)
    const [idsA, idsB] = [a.id, b.id].map(id => new Set([
      ...identifiersOf(stored.find(s => s.id === id)!.jwt),
      stored.find(s => s.id === id)!.messageId,
      stored.find(s => s.id === id)!.pairwiseDid
    ]))
    expect([...idsA!].filter(x => idsB!.has(x))).toEqual([])
    expect(a.pairwiseDid).not.toBe(b.pairwiseDid)

    // 2. gossipsub metadata: unsigned, so no author PeerId, seqno or key travels with them
    expect(raw.length).toBeGreaterThanOrEqual(4)
    for (const m of raw) {
      expect(m.type).toBe('unsigned')
      expect(Object.keys(m).sort()).toEqual(['data', 'topic', 'type'])
    }

    // 3. no byte of any intentcast message either node received names her, her device or its key
    const marks = herMarks(person)
    for (const m of raw) {
      const text = Buffer.from(m.data).toString('latin1')
      for (const mark of marks) expect(text.includes(mark)).toBe(false)
      expect(containsBytes(m.data, publicKeyFromDidKey(person.did))).toBe(false)
      expect(containsBytes(m.data, person.network.libp2p.peerId.publicKey!.raw)).toBe(false)
    }
    // nor does anything in the vendor's store about those intents
    for (const s of stored) for (const mark of marks) expect(JSON.stringify(s).includes(mark)).toBe(false)
    // the vendor's agreements and contacts know nothing of her yet
    expect(await vendor.agreements.list()).toEqual([])
    expect((await vendor.network.contacts.list()).map(c => c.did)).not.toContain(person.did)

    // 4. she accepts the other offer: now, and only now, that vendor learns her DID
    const ob = (await person.intentcast.person.offers(b.id))[0]!
    const { agreement } = await person.intentcast.person.accept(ob.id)
    await waitFor('the vendor to record who accepted', async () => (await vendor.intentcast.vendor.sent(b.id))[0]?.agreementId === agreement!.id)
    const accepted = await vendor.store.get<{ acceptedBy?: { did: string } }>(vendor.store.marketOffers, ob.id)
    expect(accepted?.acceptedBy?.did).toBe(person.did)
  }, 120_000)
})
