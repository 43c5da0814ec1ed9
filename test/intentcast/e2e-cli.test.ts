import { describe, it, expect } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, waitFor } from '../fixtures/node.ts'
import { follow, hearth, startDaemon } from '../fixtures/cli.ts'

/** Issue 4 through the real `hearth` binary: three daemons on TCP (a router, a person, a vendor). */
const PASS = 'a long enough test passphrase'
const env = { HEARTH_PASSPHRASE: PASS }
const netFlags = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--lan', '--dht-mode', 'server', '--api-port', '0']

async function newRepo (intentcast: object = {}): Promise<{ repo: string, did: string }> {
  const repo = join(await tempDir(), 'repo')
  const r = await hearth(['--repo', repo, '--json', 'init', ...netFlags], { env })
  expect(r.code, r.stderr).toBe(0)
  const config = JSON.parse(await readFile(join(repo, 'config.json'), 'utf8'))
  config.intentcast = intentcast
  await writeFile(join(repo, 'config.json'), JSON.stringify(config))
  return { repo, did: r.json.did }
}

describe('intentcasting through the hearth command', () => {
  it('intent, offer, accept: the vendor learns her DID only then, and the agreement forms', async () => {
    const router = await newRepo({ router: true })
    const person = await newRepo()
    const shop = await newRepo({ vendor: { categories: ['bicycles'], name: 'Vélo Lyon' } })
    const dr = await startDaemon(['--repo', router.repo], env)
    const bootstrap = ['--bootstrap', dr.ready.listen[0]]
    await startDaemon(['--repo', person.repo], env, bootstrap)
    await startDaemon(['--repo', shop.repo], env, bootstrap)
    const shopEvents = await follow(shop.repo)
    const cli = async (repo: string, args: string[]) => {
      const r = await hearth(['--repo', repo, '--json', ...args])
      expect(r.code, r.stderr).toBe(0)
      return r.json
    }

    const categories = await cli(person.repo, ['intent', 'categories'])
    expect(categories.categories.map((c: { id: string }) => c.id)).toContain('bicycles')
    // nothing expires by default: --until is required, with a clear message
    const noUntil = await hearth(['--repo', person.repo, 'intent', 'A used road bike', '--category', 'bicycles'])
    expect(noUntil.code).toBe(2) // bad usage
    expect(noUntil.stderr).toContain('--until')

    // the shop's subscription reaches the router before she publishes (a published intent is not stored for latecomers)
    await waitFor('the shop to be subscribed through the router', async () => (await cli(shop.repo, ['peers'])).peers.length > 0, 30_000)
    await new Promise(resolve => setTimeout(resolve, 1500))
    const intent = await cli(person.repo, ['intent', 'A used road bike, size 56', '--category', 'bicycles', '--tag', 'road', '--budget', '300EUR', '--where', 'FR-69', '--until', '7d', '--disclose', 'postalAddress'])
    expect(intent).toMatchObject({ what: 'A used road bike, size 56', budget: { max: '300', currency: 'EUR' }, where: { country: 'FR', region: 'FR-69' }, status: 'open' })
    expect(intent.pairwiseDid).not.toBe(person.did)

    await waitFor('the shop to hold the intent', async () => (await cli(shop.repo, ['market'])).intents.length === 1, 30_000)
    const held = (await cli(shop.repo, ['market'])).intents[0]
    // every intent that arrives is also an event on the vendor's stream (the CRM's feed)
    await waitFor('the market:intent event', () => shopEvents.events.some(e => e.type === 'market:intent' && e.data.intentId === intent.id))
    expect(JSON.stringify(held)).not.toContain(person.did)
    const offer = await cli(shop.repo, ['market', 'offer', intent.id, '--item', 'Road bike 56cm:1:280EUR', '--valid', '1d', '--terms', 'SD-BASE', '--share', 'postalAddress'])
    expect(offer).toMatchObject({ total: { amount: '280', currency: 'EUR' }, status: 'open' })

    await waitFor('her offer to arrive', async () => (await cli(person.repo, ['offers'])).offers.length === 1, 30_000)
    const human = await hearth(['--repo', person.repo, 'offer', 'show', offer.id])
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toContain('Vélo Lyon')
    expect(human.stdout).toContain('280 EUR')
    await cli(person.repo, ['profile', 'set', 'postalAddress', '1 rue de la Paix, Lyon'])
    const accepted = await cli(person.repo, ['offer', 'accept', offer.id])
    expect(accepted.offer.status).toBe('accepted')
    const agreementId = accepted.agreement.id
    await waitFor('the agreement to be active at the shop', async () => (await cli(shop.repo, ['agree', 'show', agreementId])).state === 'active', 30_000)
    const atShop = await cli(shop.repo, ['agree', 'show', agreementId])
    expect(atShop.counterparty).toBe(person.did)
    expect((await cli(shop.repo, ['market', 'offers'])).offers[0]).toMatchObject({ id: offer.id, status: 'accepted', agreementId })
    expect((await cli(person.repo, ['intents'])).intents[0]).toMatchObject({ id: intent.id, status: 'accepted' })
    await waitFor('the shop to drop the intent', async () => (await cli(shop.repo, ['market'])).intents.length === 0, 30_000)
    expect(shopEvents.events.map(e => e.type)).toEqual(expect.arrayContaining(['market:intent', 'market:offer-sent', 'market:offer-accepted', 'market:intent-removed']))
    shopEvents.stop()
  }, 120_000)
})
