import { access, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { onTestFinished } from 'vitest'
import { createApiServer } from '../../src/api/index.ts'
import type { ApiServer } from '../../src/api/index.ts'
import type { HearthNode } from '../../src/node.ts'
import { startTestNode } from '../fixtures/node.ts'
import type { TestNodeOptions } from '../fixtures/node.ts'

/** Debian's Chromium (`apt-get install chromium`); playwright-core never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium'
/**
 * Where the screenshots go: docs/screenshots/ (committed, linked from the README) with
 * HEARTH_SCREENSHOTS=1 (`npm run screenshots`); otherwise a temp directory, so that running
 * the tests never changes the checkout (the pictures are still taken, at both widths).
 */
export const SCREENSHOTS = process.env.HEARTH_SCREENSHOTS === '1'
  ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
  : join(tmpdir(), 'hearth-screenshots/')

const found = await access(CHROMIUM).then(() => true, () => false)
const root = process.getuid?.() === 0
/**
 * Without Chromium the browser tests cannot run. As root (CI, where .ci/run installs it) that is
 * a failure, not a skip; elsewhere they skip themselves and say why, once.
 */
export const skipBrowser = !found && !root
if (skipBrowser) {
  console.warn(`test/browser: SKIPPED, ${CHROMIUM} is missing. Install Debian's chromium package (apt-get install chromium) to run the dashboard's browser tests.`)
}

export async function launch (): Promise<Browser> {
  if (!found) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does this as root)`)
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // research/ecosystem.md 7: no sandbox (containers, root), no GPU, no calls home
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60_000
  })
  onTestFinished(async () => { await browser.close() })
  return browser
}

export interface Dashboard {
  node: HearthNode
  api: ApiServer
  url: string
  port: number
  token: string
}

/** A real node with its admin API (and so the dashboard) on a loopback port; stopped when the test ends. */
export async function startDashboardNode (options: TestNodeOptions = {}): Promise<Dashboard> {
  const node = await startTestNode(options)
  const api = createApiServer(node, { repo: node.repo, port: 0, version: 'test', authFailureDelayMs: 1, onInternalError: (err) => { console.error('api internal error', err) } })
  const { url, port, token } = await api.start()
  onTestFinished(async () => { await api.stop() })
  return { node, api, url, port, token }
}

export interface Watched {
  page: Page
  context: BrowserContext
  /** every URL the page asked the server for */
  requests: string[]
  /** alert/confirm/prompt dialogs: none of ours open one, so any is an injected script's */
  dialogs: string[]
  /** uncaught exceptions and console errors in the page */
  errors: string[]
}

/**
 * A fresh browser context (no shared storage) with a page whose requests, dialogs and errors
 * are recorded. The init script listens for CSP violations, which is what a payload that made
 * it into the DOM as markup would trigger; the page itself never produces one.
 */
export async function openPage (browser: Browser, viewport = { width: 1280, height: 800 }): Promise<Watched> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' })
  // (page-side code: the DOM types are not in this Node project's lib, hence globalThis as any)
  await context.addInitScript(() => {
    const g = globalThis as any
    g.__violations = []
    g.document.addEventListener('securitypolicyviolation', (e: any) => { g.__violations.push(`${e.violatedDirective}: ${e.blockedURI}`) })
  })
  const page = await context.newPage()
  const watched: Watched = { page, context, requests: [], dialogs: [], errors: [] }
  page.on('request', r => { watched.requests.push(r.url()) })
  page.on('dialog', d => { watched.dialogs.push(`${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}) })
  page.on('pageerror', e => { watched.errors.push(`pageerror: ${e.message}`) })
  page.on('console', m => { if (m.type() === 'error') watched.errors.push(`console: ${m.text()}`) })
  onTestFinished(async () => { await context.close() })
  return watched
}

export async function screenshot (page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  // wait for fonts and the last re-render, so the picture does not depend on timing
  await page.evaluate(async () => { await (globalThis as any).document.fonts.ready })
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: false, animations: 'disabled' })
}

/** The XSS payloads put into every peer-supplied field; each would set window.__xss if it ran. */
export const PAYLOADS = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  'javascript:window.__xss=3',
  '"><svg onload="window.__xss=4">'
]

/** What a payload that ran, or was parsed as markup, would have left in the page. */
export async function scriptTraces (w: Watched): Promise<{ xss: unknown, violations: string[], injected: number }> {
  return await w.page.evaluate(() => {
    const g = globalThis as any
    return {
      xss: g.__xss,
      violations: g.__violations as string[],
      // a payload parsed as markup would have left one of these elements behind
      injected: g.document.querySelectorAll('#app img[src="x"], #app script, #app svg[onload], #app [onerror]').length as number
    }
  })
}
