import { join } from 'node:path'
import { describe, it, expect, onTestFinished } from 'vitest'
import { createHearthNode } from '../../src/node.ts'
import type { HearthNode } from '../../src/node.ts'
import { readWebhookSecret, verifyWebhookSignature, webhookSublevel } from '../../src/webhook/index.ts'
import { initTestRepo, startTestNode, waitFor, waitPublished, TEST_PASSPHRASE, TEST_RETRY } from '../fixtures/node.ts'
import { startReceiver } from './receiver.ts'
import type { Receiver } from './receiver.ts'

const active = async (node: HearthNode, id: string): Promise<void> => {
  await waitFor(`agreement ${id} active on ${node.did.slice(-6)}`, async () => (await node.agreements.get(id))?.state === 'active')
}
/** the ids in the vendor's webhook queue, in queue order, read from its store */
const storedIds = async (node: HearthNode): Promise<string[]> =>
  (await node.store.entries<{ id: string }>(webhookSublevel(node.store), { gt: 'q!', lt: 'q"' })).map(([, v]) => v.id)

async function person (): Promise<{ her: HearthNode, bootstrap: string[] }> {
  const hub = await startTestNode()
  const bootstrap = [hub.network.addresses()[0]!]
  const her = await startTestNode({ bootstrap })
  return { her, bootstrap }
}

/** A vendor's node with the webhook on, restartable on the same repo, with fast retries. */
async function vendor (repo: string, crm: Receiver): Promise<HearthNode> {
  const node = await createHearthNode({
    repo,
    passphrase: TEST_PASSPHRASE,
    transport: 'memory',
    configure: c => { c.agreements.autoAccept = ['SD-BASE']; c.webhook.url = crm.url; return c },
    agreements: TEST_RETRY,
    webhook: { minRetryMs: 50, maxRetryMs: 500 }
  })
  onTestFinished(async () => { await node.stop() })
  await node.start()
  return node
}

describe('a vendor node bridges its events to a CRM', () => {
  it('POSTs each agreement event as signed JSON that verifies with the secret in webhook.key', async () => {
    const crm = await startReceiver()
    const { her, bootstrap } = await person()
    const shop = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'], configure: c => { c.webhook.url = crm.url; return c } })
    await Promise.all([her, shop].map(waitPublished))
    const a = await her.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await active(shop, a.id)
    await waitFor('the CRM to hear that the agreement is active', () =>
      crm.received.some(d => d.body?.type === 'agreement:state' && d.body.data.agreementId === a.id && d.body.data.state === 'active'))

    const secret = await readWebhookSecret(join(shop.repo, 'webhook.key'))
    const types = new Set<string>()
    for (const d of crm.received) {
      expect(d.method).toBe('POST')
      expect(d.path).toBe('/hearth')
      expect(verifyWebhookSignature(secret, d.headers, d.raw)).toMatchObject({ ok: true, id: d.body.id, type: d.body.type })
      expect(Object.keys(d.body)).toEqual(['id', 'type', 'at', 'node', 'data'])
      expect(d.body.node).toEqual({ did: shop.did })
      expect(new Date(d.body.at).toISOString()).toBe(d.body.at)
      expect(d.body.data.agreementId).toBe(a.id)
      types.add(d.body.type)
    }
    expect(types).toEqual(new Set(['agreement:message', 'agreement:state']))
    expect(crm.received.some(d => d.body.data.direction === 'received' && d.body.data.kind === 'vrm.AgreementProposal')).toBe(true)
    // each event once (nothing failed, so nothing was retried)
    expect(new Set(crm.received.map(d => d.body.id)).size).toBe(crm.received.length)
    // a tampered body fails the check
    const last = crm.received.at(-1)!
    const tampered = Buffer.from(last.raw.toString('utf8').replace('"active"', '"terminated"'))
    expect(verifyWebhookSignature(secret, last.headers, tampered)).toEqual({ ok: false, reason: 'bad-signature' })
    await waitFor('the queue to drain', () => shop.webhook.status().queued === 0)
    expect(shop.webhook.status()).toMatchObject({ url: crm.url, delivered: crm.received.length, lastError: null })
  })

  it('forwards a market in order: the intent, the offer sent, its acceptance, the agreement, the intent removed', async () => {
    const crm = await startReceiver()
    const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
    const bootstrap = [hub.network.addresses()[0]!]
    const [her, bikes] = await Promise.all([
      startTestNode({ bootstrap }),
      startTestNode({
        bootstrap,
        configure: c => { c.intentcast.vendor.categories = ['bicycles']; c.intentcast.vendor.name = 'Vélo Lyon'; c.webhook.url = crm.url; return c }
      })
    ])
    await Promise.all([her, bikes].map(waitPublished))
    const intent = await her.intentcast.person.create({
      what: 'A used road bike, size 56', category: 'bicycles', tags: ['road'], budget: { max: '300', currency: 'EUR' },
      where: { country: 'FR', region: 'FR-69' }, disclosureOnAccept: [], expiresInSeconds: 86400
    })
    await waitFor('the bike shop to hold the intent', async () => (await bikes.intentcast.vendor.intents()).length === 1)
    const offer = await bikes.intentcast.vendor.offer(intent.id, {
      items: [{ name: 'Road bike, 56 cm', quantity: 1, price: { amount: '280', currency: 'EUR' } }],
      total: { amount: '280', currency: 'EUR' },
      fulfilment: { method: 'pickup' },
      proposedAgreement: { termId: 'SD-BASE', share: [], purposes: ['dpv:ServiceProvision'], validForSeconds: 86400 },
      validForSeconds: 3600
    })
    await waitFor('her node to receive the offer', async () => (await her.intentcast.person.offers(intent.id)).length === 1)
    const { agreement } = await her.intentcast.person.accept(offer.id)
    const types = (): string[] => crm.received.map(d => d.body.type)
    await waitFor('the CRM to hear the intent removed', () => types().includes('market:intent-removed'), 30_000)
    await waitFor('the CRM to hear the agreement active', () => crm.received.some(d => d.body.type === 'agreement:state' && d.body.data.state === 'active'), 30_000)

    const secret = await readWebhookSecret(join(bikes.repo, 'webhook.key'))
    for (const d of crm.received) expect(verifyWebhookSignature(secret, d.headers, d.raw)).toMatchObject({ ok: true })
    const at = (type: string): number => types().indexOf(type)
    expect(at('market:intent')).toBe(0)
    expect(at('market:intent')).toBeLessThan(at('market:offer-sent'))
    expect(at('market:offer-sent')).toBeLessThan(at('market:offer-accepted'))
    const byType = (type: string) => crm.received.find(d => d.body.type === type)!.body.data
    expect(byType('market:intent')).toMatchObject({ intentId: intent.id, intent: { what: 'A used road bike, size 56' } })
    expect(byType('market:offer-sent')).toMatchObject({ intentId: intent.id, offerId: offer.id })
    expect(byType('market:offer-accepted')).toMatchObject({ intentId: intent.id, offerId: offer.id, did: her.did, agreementId: agreement!.id })
    expect(byType('market:intent-removed')).toMatchObject({ intentId: intent.id })
    // before she accepted, nothing the CRM got named her
    expect(crm.received.slice(0, at('market:offer-accepted')).map(d => d.raw.toString()).join('')).not.toContain(her.did)
    expect(crm.received.filter(d => d.body.data.agreementId === agreement!.id && d.body.type.startsWith('agreement:')).length).toBeGreaterThan(0)
  })

  it('queues events while the CRM is down, across a restart, and delivers each once, in order, when it is back', async () => {
    const crm = await startReceiver()
    await crm.down()
    const { her, bootstrap } = await person()
    const { repo } = await initTestRepo({ bootstrap })
    let shop = await vendor(repo, crm)
    await Promise.all([her, shop].map(waitPublished))
    const a = await her.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await active(shop, a.id)
    await shop.webhook.test()
    await waitFor('a failed attempt', () => shop.webhook.status().lastError?.includes('connection refused') === true)
    const before = await storedIds(shop)
    expect(before.length).toBeGreaterThanOrEqual(3) // proposal received, state changes, the test event
    expect(shop.webhook.status()).toMatchObject({ queued: before.length, delivered: 0 })

    await shop.stop()
    shop = await vendor(repo, crm)
    expect(await storedIds(shop)).toEqual(before)
    expect(shop.webhook.status().queued).toBe(before.length)
    const after = await shop.webhook.test()

    await crm.up()
    await waitFor('the queue to drain', () => shop.webhook.status().queued === 0, 30_000)
    const ids = crm.received.map(d => d.headers['hearth-event-id'])
    expect(ids).toEqual([...before, after.id])
    expect(crm.received.map(d => d.body.id)).toEqual(ids)
    const secret = await readWebhookSecret(join(repo, 'webhook.key'))
    for (const d of crm.received) expect(verifyWebhookSignature(secret, d.headers, d.raw)).toMatchObject({ ok: true })
    expect(await storedIds(shop)).toEqual([])
    expect(shop.webhook.status()).toMatchObject({ delivered: before.length + 1, queued: 0 })
  })
})
