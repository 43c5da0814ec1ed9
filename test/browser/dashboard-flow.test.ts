import { describe, expect, it } from 'vitest'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import { launch, openPage, screenshot, skipBrowser, startDashboardNode } from './harness.ts'
import { go, seeText, shortDid, textOf } from './wait.ts'

const DAY_MS = 24 * 3600_000

/**
 * The whole person flow in a real Chromium against real nodes: her node serves the dashboard,
 * a friend and a shop are real nodes on the same (memory-transport) network, driven through
 * their own engines as another person's Hearth would be. Every step is checked on screen; the
 * page is opened once and updates itself from the event stream.
 */
describe.skipIf(skipBrowser)('the dashboard, in a real browser, against real nodes', () => {
  it('identity, connect, an agreement proposed to her and accepted, her profile and who holds it, terminate', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    const me = await startDashboardNode({ bootstrap })
    const friend = await startTestNode({ bootstrap })
    const shop = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })
    await Promise.all([me.node, friend, shop].map(waitPublished))

    const browser = await launch()
    const w = await openPage(browser)
    const { page } = w
    await page.goto(`${me.url}/#token=${me.token}`)

    // identity: her DID, and the token gone from the address bar into this tab's storage
    await seeText(page, '#did', me.node.did)
    expect(page.url()).toBe(`${me.url}/#/`)
    expect(await page.evaluate(() => sessionStorage.getItem('hearth.token'))).toBe(me.token)
    await page.waitForFunction(() => ((globalThis as any).document.querySelector('#qr')?.naturalWidth ?? 0) > 0)
    expect(await page.inputValue('#invitation')).toBe(me.node.identity().invitation)
    await screenshot(page, 'desktop-identity')

    // connect to the friend by DID alone, then see how the contact is connected
    await page.fill('#target', friend.did)
    await page.click('button:has-text("Connect")')
    await seeText(page, '[role=status]', `Connected to ${friend.did}`)
    await page.click('nav >> text=Contacts')
    await seeText(page, '#contacts', shortDid(friend.did))
    await seeText(page, '#contacts', 'connected directly')
    await screenshot(page, 'desktop-contacts')

    // the friend proposes; the proposal appears by itself, and she accepts it in the browser
    await friend.agreements.setProfile({ name: 'Bob Martin', email: 'bob@example.org' })
    await page.click('nav >> text=Agreements')
    await seeText(page, '#app', 'No agreements yet')
    const proposal = await friend.agreements.propose({ to: me.node.did, termId: 'SD-BASE', share: ['name', 'email'], purposes: [], validForMs: 30 * DAY_MS })
    await seeText(page, '#agreements', `${shortDid(friend.did)} proposes “Service delivery only”. Your answer is needed.`)
    await seeText(page, '.attention', 'One agreement waits for your answer')
    await screenshot(page, 'desktop-agreements')
    await page.click(`a[href="#/agreements/${proposal.id}"]`)
    await seeText(page, '#terms-text', 'You may use the personal data I share with you only to provide the service I ask you for.')
    await seeText(page, '#agreement', 'You may receivename and email address')
    await seeText(page, '#agreement', 'the data is deleted within 24 hours, with a signed receipt')
    await page.click('button:has-text("Accept")')
    await seeText(page, '#state', 'active')
    await seeText(page, '#agreement h2', `You and ${shortDid(friend.did)} agreed on “Service delivery only”.`)
    await waitFor('the friend to see it active', async () => (await friend.agreements.get(proposal.id))?.state === 'active')
    // the data the friend's terms cover arrives, and her record verifies
    await seeText(page, '#held', 'Bob Martin')
    await seeText(page, '#held', 'bob@example.org')
    await seeText(page, '#ledger', 'intact')
    await screenshot(page, 'desktop-agreement')

    // her own profile: set in the browser, then shared with the shop under an agreement
    await page.click('nav >> text=Profile')
    await page.click('button:has-text("Change")')
    await page.fill('#field-email', 'alice@example.org')
    await page.fill('#field-name', 'Alice Dupont')
    await page.click('button:has-text("Save")')
    await seeText(page, '#profile', 'alice@example.org')
    expect((await me.node.agreements.profile()).fields).toEqual({ email: 'alice@example.org', name: 'Alice Dupont' })
    const withShop = await me.node.agreementsApi!.propose({ to: shop.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 30 * DAY_MS }) as { id: string }
    await waitFor('the shop to hold her email', async () => (await shop.agreements.held(withShop.id))?.fields.email === 'alice@example.org')
    await seeText(page, '[data-field=email]', `held by ${shortDid(shop.did)} under SD-BASE`)
    expect(await textOf(page, '[data-field=name]')).toBe('nameAlice Dupontnobody holds it') // shared with no one
    await screenshot(page, 'desktop-profile')

    // she ends the agreement with the friend: asked in the page, then terminated on both sides
    await go(page, `#/agreements/${proposal.id}`)
    await seeText(page, '#state', 'active')
    await page.click('button:has-text("Terminate")')
    await seeText(page, '.action.confirm', 'End this agreement?')
    await page.click('button:has-text("Yes, terminate")')
    await seeText(page, '#state', 'terminated')
    await waitFor('the friend to see it terminated', async () => (await friend.agreements.get(proposal.id))?.state === 'terminated')
    await seeText(page, '#ledger', 'intact')
    expect(await page.locator('#held').count()).toBe(0) // what she held under it is gone

    expect(w.dialogs).toEqual([])
    expect(w.errors).toEqual([])
    // the token travelled only in headers: never in a URL, never in a cookie
    expect(w.requests.filter(u => u.includes(me.token))).toEqual([])
    expect(await w.context.cookies()).toEqual([])

    // the same views at phone width
    const phone = await openPage(browser, { width: 390, height: 844 })
    await phone.page.goto(`${me.url}/#token=${me.token}`)
    await seeText(phone.page, '#did', me.node.did)
    await screenshot(phone.page, 'phone-identity')
    for (const [view, selector, name] of [['#/contacts', '#contacts', 'phone-contacts'], ['#/agreements', '#agreements', 'phone-agreements'], [`#/agreements/${withShop.id}`, '#ledger', 'phone-agreement'], ['#/profile', '#profile', 'phone-profile']] as const) {
      await go(phone.page, view)
      await phone.page.waitForSelector(selector)
      await screenshot(phone.page, name)
    }
    // nothing overflows sideways at 390 px
    expect(await phone.page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    expect(phone.errors).toEqual([])
  })
})
