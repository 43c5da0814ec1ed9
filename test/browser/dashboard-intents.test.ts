import { describe, expect, it } from 'vitest'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'
import type { HearthConfig } from '../../src/repo/config.ts'
import { PAYLOADS, launch, openPage, screenshot, scriptTraces, skipBrowser, startDashboardNode } from './harness.ts'
import { go, seeText } from './wait.ts'

const vendorOf = (name: string) => (c: HearthConfig): HearthConfig => {
  c.intentcast.vendor.categories = ['bicycles']
  c.intentcast.vendor.name = name
  return c
}

const offerOf = (name: string, amount: string, extra: object = {}) => ({
  items: [{ name, quantity: 1, price: { amount, currency: 'EUR' } }],
  total: { amount, currency: 'EUR' },
  fulfilment: { method: 'delivery' as const },
  proposedAgreement: { termId: 'SD-BASE', share: ['postalAddress' as const], purposes: ['dpv:ServiceProvision'], validForSeconds: 30 * 86400 },
  validForSeconds: 3600,
  ...extra
})

const offersFor = async (node: HearthNode, intentId: string): Promise<number> => (await node.intentcast.person.offers(intentId)).length

/**
 * Intentcasting from the browser: she sends an intent, two bike shops (real vendor nodes,
 * driven through their engines) answer, the offers appear by themselves, she declines one and
 * accepts the other, and the agreement with that shop forms. One shop is Mallory, whose
 * name, item, attributes and conditions are XSS payloads: they show as text and run nothing.
 */
describe.skipIf(skipBrowser)('intents and offers in the dashboard', () => {
  it('create an intent, see offers arrive live, decline one, accept one, see the agreement; withdraw another', async () => {
    const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
    const bootstrap = [hub.network.addresses()[0]!]
    const me = await startDashboardNode({ bootstrap })
    const [velo, mallory] = await Promise.all([
      startTestNode({ bootstrap, configure: vendorOf('Vélo Lyon') }),
      startTestNode({ bootstrap, configure: vendorOf(PAYLOADS[0]!) })
    ])
    await Promise.all([me.node, velo, mallory].map(waitPublished))
    await me.node.agreements.setProfile({ postalAddress: '1 rue de la Paix, Lyon' })

    const browser = await launch()
    const w = await openPage(browser)
    const { page } = w
    await page.goto(`${me.url}/#token=${me.token}`)
    await seeText(page, '#did', me.node.did)
    await go(page, '#/intents')
    await seeText(page, '#category', 'Bicycles')
    await page.fill('#what', 'A used road bike, size 56')
    await page.selectOption('#category', 'bicycles')
    await page.fill('#max', '300')
    await page.fill('#country', 'FR')
    await page.click('button:has-text("Send intent")')
    await seeText(page, '[role=status]', 'Your intent is out')
    await seeText(page, '#intents', 'A used road bike, size 56')
    const [intent] = await me.node.intentcast.person.list()
    expect(intent).toMatchObject({ what: 'A used road bike, size 56', category: 'bicycles', budget: { max: '300', currency: 'EUR' }, where: { country: 'FR' }, status: 'open' })

    // both shops hold it, and answer
    await waitFor('the shops to hold the intent', async () =>
      (await velo.intentcast.vendor.intents()).length === 1 && (await mallory.intentcast.vendor.intents()).length === 1, 30_000)
    const good = await velo.intentcast.vendor.offer(intent!.id, offerOf('Road bike, 56 cm', '280', { conditions: { warranty: '6 months, parts and labour' } }))
    await seeText(page, `[data-id="${good.id}"]`, 'Vélo Lyon')
    await seeText(page, `[data-id="${good.id}"]`, '1 × Road bike, 56 cm, 280 EUR each')
    const bad = await mallory.intentcast.vendor.offer(intent!.id, {
      ...offerOf(PAYLOADS[1]!, '250'),
      items: [{ name: PAYLOADS[1]!, quantity: 1, price: { amount: '250', currency: 'EUR' }, attributes: { [PAYLOADS[3]!.slice(0, 40)]: PAYLOADS[2]! } }],
      conditions: { termsAndConditions: PAYLOADS.join(' '), refundPolicy: PAYLOADS[3]!, warranty: PAYLOADS[0]! }
    })
    await seeText(page, `[data-id="${bad.id}"] .vendor`, PAYLOADS[0]!)
    await seeText(page, `[data-id="${bad.id}"] .items`, PAYLOADS[1]!)
    await seeText(page, `[data-id="${bad.id}"] .items`, PAYLOADS[2]!)
    await seeText(page, `[data-id="${bad.id}"] .conditions`, PAYLOADS.join(' '))
    await screenshot(page, 'desktop-intents')

    // she declines Mallory's offer and accepts the bike shop's
    await page.click(`[data-id="${bad.id}"] button:has-text("Decline")`)
    await seeText(page, `[data-id="${bad.id}"]`, 'You declined this offer.')
    await waitFor('Mallory to hear the decline', async () => (await mallory.intentcast.vendor.sent()).find(o => o.id === bad.id)?.status === 'declined', 30_000)
    await page.click(`[data-id="${good.id}"] button:has-text("Accept")`)
    await seeText(page, `[data-id="${good.id}"]`, 'You accepted this offer.', 60_000)
    await page.click(`[data-id="${good.id}"] a:has-text("See the agreement")`)
    await seeText(page, '#agreement h2', `You and`)
    await seeText(page, '#state', 'active', 60_000)
    const [agreement] = await me.node.agreements.list()
    expect(agreement).toMatchObject({ counterparty: velo.did, state: 'active' })
    await waitFor('the shop to hold her address', async () => (await velo.agreements.held(agreement!.id))?.fields.postalAddress === '1 rue de la Paix, Lyon')

    // a second intent, withdrawn from the browser
    await go(page, '#/intents')
    await page.fill('#what', 'A child seat for a bicycle')
    await page.selectOption('#category', 'bicycles')
    await page.click('button:has-text("Send intent")')
    await seeText(page, '#intents', 'A child seat for a bicycle')
    const second = (await me.node.intentcast.person.list()).find(i => i.what === 'A child seat for a bicycle')!
    await page.click(`[data-id="${second.id}"] button:has-text("Withdraw")`)
    await page.click(`[data-id="${second.id}"] button:has-text("Yes, withdraw")`)
    await seeText(page, `[data-id="${second.id}"] .state`, 'withdrawn')
    expect((await me.node.intentcast.person.get(second.id)).status).toBe('withdrawn')

    await page.waitForTimeout(500) // an image error or a handler would have fired by now
    expect(await scriptTraces(w)).toEqual({ xss: undefined, violations: [], injected: 0 })
    expect(w.dialogs).toEqual([])
    expect(w.errors).toEqual([])
    expect(w.requests.filter(u => u.includes(me.token))).toEqual([])
    expect(await offersFor(me.node, intent!.id)).toBe(2)

    const phone = await openPage(browser, { width: 390, height: 844 })
    await phone.page.goto(`${me.url}/#token=${me.token}`)
    await go(phone.page, '#/intents')
    await seeText(phone.page, '#intents', 'A used road bike, size 56')
    await screenshot(phone.page, 'phone-intents')
    expect(await phone.page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  })
})
