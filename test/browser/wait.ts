import type { Page } from 'playwright-core'

/** Short DID as the dashboard shows it (src/dashboard/static/words.js shortDid). */
export const shortDid = (did: string): string => did.length > 28 ? `${did.slice(0, 18)}…${did.slice(-6)}` : did

/**
 * Waits until the element matching `selector` contains `text` (the page updates itself from the
 * event stream, so this never reloads). Generous by default: the machine may be loaded.
 */
export async function seeText (page: Page, selector: string, text: string, timeoutMs = 30_000): Promise<void> {
  try {
    await page.waitForFunction(([sel, t]) => [...(globalThis as any).document.querySelectorAll(sel)].some((e: any) => e.textContent?.includes(t) === true), [selector, text], { timeout: timeoutMs, polling: 100 })
  } catch (err) {
    const got: string = await page.evaluate((sel) => [...(globalThis as any).document.querySelectorAll(sel)].map((e: any) => e.textContent).join(' | '), selector).catch(() => '?')
    throw new Error(`waited ${timeoutMs} ms for ${selector} to contain ${JSON.stringify(text)}; it shows: ${JSON.stringify(got.slice(0, 800))}`, { cause: err })
  }
}

/** The text of the first element matching `selector`. */
export async function textOf (page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().textContent()) ?? ''
}

/** In-page navigation (the hash changes, the page and its event stream stay). */
export async function go (page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => { (globalThis as any).location.hash = h }, hash)
}
