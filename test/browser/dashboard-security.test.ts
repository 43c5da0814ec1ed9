import { describe, expect, it } from 'vitest'
import { createApiServer } from '../../src/api/index.ts'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import { PAYLOADS, launch, openPage, screenshot, scriptTraces, skipBrowser, startDashboardNode } from './harness.ts'
import { go, seeText } from './wait.ts'

const DAY_MS = 24 * 3600_000

describe.skipIf(skipBrowser)('the dashboard and its token, in a real browser', () => {
  it('without a token it says how to get one; a wrong one is refused; the right one opens it, only ever in a header', async () => {
    const me = await startDashboardNode()
    const browser = await launch()
    const w = await openPage(browser)
    const { page } = w
    await page.goto(`${me.url}/`)
    await seeText(page, '#no-token', 'hearth dashboard')
    await seeText(page, '#no-token', 'api.token')
    await screenshot(page, 'desktop-no-token')
    // nothing was asked of the API without a token
    expect(w.requests.filter(u => u.includes('/v1/'))).toEqual([])

    await page.fill('#token', 'not a token')
    await page.click('button:has-text("Open")')
    await seeText(page, '[role=alert]', 'does not look like a Hearth token')
    // well-formed but wrong: the node answers 401 and the page asks again, forgetting it
    await page.fill('#token', 'A'.repeat(43))
    await page.click('button:has-text("Open")')
    await seeText(page, '#no-token', 'hearth dashboard')
    expect(await page.evaluate(() => sessionStorage.getItem('hearth.token'))).toBeNull()

    await page.fill('#token', me.token)
    await page.click('button:has-text("Open")')
    await seeText(page, '#did', me.node.did)
    await seeText(page, '.live', 'live')

    for (const token of [me.token, 'A'.repeat(43)]) {
      expect(w.requests.filter(u => u.includes(token))).toEqual([])
    }
    expect(await w.context.cookies()).toEqual([])
    expect(await page.evaluate(() => ({ cookie: (globalThis as any).document.cookie, local: localStorage.length }))).toEqual({ cookie: '', local: 0 })
    expect(w.dialogs).toEqual([])

    const phone = await openPage(browser, { width: 390, height: 844 })
    await phone.page.goto(`${me.url}/`)
    await seeText(phone.page, '#no-token', 'hearth dashboard')
    await screenshot(phone.page, 'phone-no-token')
  })

  it('a daemon restart on the same port: the old token is refused and the page asks for the new one', async () => {
    const me = await startDashboardNode()
    const browser = await launch()
    const w = await openPage(browser)
    await w.page.goto(`${me.url}/#token=${me.token}`)
    await seeText(w.page, '#did', me.node.did)
    await seeText(w.page, '.live', 'live')
    const port = me.port
    await me.api.stop()
    // same port again (as the daemon's default 7012 would be): the event stream reconnects and is refused
    const again = createApiServer(me.node, { repo: me.node.repo, port, version: 'test', authFailureDelayMs: 1 })
    await again.start()
    try {
      await seeText(w.page, '#no-token', 'hearth dashboard', 60_000)
      expect(await w.page.evaluate(() => sessionStorage.getItem('hearth.token'))).toBeNull()
    } finally {
      await again.stop()
    }
  })

  it('the CSP is enforced: an inline script put into the page does not run', async () => {
    const me = await startDashboardNode()
    const browser = await launch()
    const w = await openPage(browser)
    await w.page.goto(`${me.url}/#token=${me.token}`)
    await seeText(w.page, '#did', me.node.did)
    await w.page.evaluate(() => {
      const doc = (globalThis as any).document
      const s = doc.createElement('script')
      s.textContent = 'window.__xss = "inline"'
      doc.getElementById('app').append(s)
      const img = doc.createElement('img')
      img.setAttribute('src', 'x')
      img.setAttribute('onerror', 'window.__xss = "handler"')
      doc.getElementById('app').append(img)
    })
    await waitFor('the browser to report the refused scripts', async () => (await scriptTraces(w)).violations.length >= 2, 10_000)
    const traces = await scriptTraces(w)
    expect(traces.xss).toBeUndefined()
    expect(traces.violations.every(v => v.startsWith('script-src'))).toBe(true)
  })
})

describe.skipIf(skipBrowser)('XSS: what peers send is shown as text and runs nothing', () => {
  it('profile data a counterparty shared, and the reason it gave for declining, render literally', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    const me = await startDashboardNode({ bootstrap })
    const mallory = await startTestNode({ bootstrap })
    await Promise.all([me.node, mallory].map(waitPublished))

    // Mallory shares a profile made of payloads under an agreement she proposes, which is accepted
    const fields = { name: PAYLOADS[0]!, email: PAYLOADS[1]!, postalAddress: PAYLOADS[2]!, phone: PAYLOADS[3]!, birthDate: PAYLOADS.join(' ') }
    await mallory.agreements.setProfile(fields)
    const shared = await mallory.agreements.propose({ to: me.node.did, termId: 'SD-BASE', share: Object.keys(fields) as any, purposes: [], validForMs: DAY_MS })
    await waitFor('her node to receive the proposal', async () => (await me.node.agreements.get(shared.id))?.state === 'proposed')
    await me.node.agreements.accept(shared.id)
    await waitFor('the payloads to arrive', async () => Object.keys((await me.node.agreements.held(shared.id))?.fields ?? {}).length === 5)
    // and declines one of hers with a payload as the reason
    const declined = await me.node.agreements.propose({ to: mallory.did, termId: 'SD-BASE', share: [], purposes: [], validForMs: DAY_MS })
    await waitFor('Mallory to receive it', async () => (await mallory.agreements.get(declined.id))?.state === 'proposed')
    const reason = PAYLOADS.join(' ')
    await mallory.agreements.reject(declined.id, reason)
    await waitFor('the rejection to arrive', async () => (await me.node.agreements.get(declined.id))?.state === 'rejected')

    const browser = await launch()
    const w = await openPage(browser)
    await w.page.goto(`${me.url}/#token=${me.token}`)
    await seeText(w.page, '#did', me.node.did)
    await go(w.page, `#/agreements/${shared.id}`)
    for (const value of Object.values(fields)) await seeText(w.page, '#held', value)
    const held = await w.page.$$eval('#held dd', dds => dds.map(dd => ({ text: dd.textContent, children: dd.children.length })))
    expect(held.map(h => h.text).sort()).toEqual(Object.values(fields).sort())
    expect(held.every(h => h.children === 0)).toBe(true) // text nodes only, no element parsed out of them

    await go(w.page, `#/agreements/${declined.id}`)
    await seeText(w.page, '#rejection-reason', reason)
    expect(await w.page.$eval('#rejection-reason', q => q.children.length)).toBe(0)
    await go(w.page, '#/agreements')
    await seeText(w.page, '#agreements', 'declined')
    await go(w.page, '#/contacts')
    await w.page.waitForSelector('#contacts')

    // give an image error or a handler time to fire, had anything been parsed as markup
    await w.page.waitForTimeout(500)
    const traces = await scriptTraces(w)
    expect(traces).toEqual({ xss: undefined, violations: [], injected: 0 })
    expect(w.dialogs).toEqual([])
    expect(w.errors).toEqual([])
    // no link the page draws leads anywhere but our own routes
    const hrefs = await w.page.$$eval('a[href]', as => as.map(a => a.getAttribute('href')))
    expect(hrefs.filter(h => !h!.startsWith('#/'))).toEqual([])
  })
})
