import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { renderSVG } from 'uqr'
import { afterEach, describe, expect, it } from 'vitest'
import { DASHBOARD_CSP, DASHBOARD_FILES } from '../../src/dashboard/index.ts'
import { bearer, rawHttp, startTestServer } from '../api/harness.ts'
import type { Running } from '../api/harness.ts'

// HTTP only, no browser: these run everywhere, with or without Chromium.
let run: Running | undefined
afterEach(async () => { await run?.close(); run = undefined })

const TYPES: Record<string, RegExp> = { '/': /^text\/html/, css: /^text\/css/, js: /^text\/javascript/ }

describe('the dashboard over HTTP', () => {
  it('serves every file without a token, each with the strict CSP, nosniff, no-referrer and no-store', async () => {
    run = await startTestServer()
    for (const url of Object.keys(DASHBOARD_FILES)) {
      const res = await rawHttp(run.port, { path: url })
      expect({ url, status: res.status }).toEqual({ url, status: 200 })
      expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP)
      expect(res.headers['x-content-type-options']).toBe('nosniff')
      expect(res.headers['referrer-policy']).toBe('no-referrer')
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-frame-options']).toBe('DENY')
      expect(res.headers['content-type']).toMatch(TYPES[url === '/' ? '/' : url.split('.').pop()!]!)
      expect(Object.keys(res.headers).filter(h => h.startsWith('access-control-'))).toEqual([])
      expect(res.headers['set-cookie']).toBeUndefined()
      expect(res.body.length).toBeGreaterThan(100)
    }
    // the vendored module is htm's own standalone build, byte for byte
    const vendored = await readFile(fileURLToPath(import.meta.resolve('htm/preact/standalone')), 'utf8')
    expect((await rawHttp(run.port, { path: '/ui/vendor/preact-htm.js' })).body).toBe(vendored)
  })

  it('no inline script or style in the page: the CSP allows none', async () => {
    run = await startTestServer()
    const page = (await rawHttp(run.port, { path: '/' })).body
    expect(page).toContain('<script type="module" src="/ui/app.js"></script>')
    expect(page.match(/<script/g)).toHaveLength(1)
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i)
    expect(DASHBOARD_CSP).not.toContain('unsafe')
  })

  it('keeps the Host and Origin checks: a rebinding page or another site gets nothing', async () => {
    run = await startTestServer()
    for (const request of [
      { path: '/', host: `evil.example:${run.port}` },
      { path: '/ui/app.js', host: `127.0.0.1.nip.io:${run.port}` },
      { path: '/', headers: [['Origin', 'http://evil.example']] as Array<[string, string]> },
      { path: '/', host: null }
    ]) {
      const res = await rawHttp(run.port, request)
      expect(res.status, JSON.stringify(request)).toBeGreaterThanOrEqual(400)
      expect(res.body).not.toContain('<html')
      expect(JSON.parse(res.body).error.code).toMatch(/FORBIDDEN|INVALID_ARGUMENT/)
    }
  })

  it('serves only its fixed files: no path from the request reaches the disk', async () => {
    run = await startTestServer()
    for (const path of ['/ui/../api.token', '/ui/%2e%2e/api.token', '/ui/..%2fapi.token', '/ui/vendor/..%2f..%2fpackage.json',
      '/ui/app.js%00', '/ui/', '/ui/nope.js', '/ui/vendor/preact.mjs', '/index.html', '/ui/APP.JS', '/ui/app.js/']) {
      const res = await rawHttp(run.port, { path })
      expect(res.status, path).toBeGreaterThanOrEqual(400)
      expect(res.status, path).toBeLessThan(500)
      expect(res.raw).not.toContain(run.token)
      expect(res.body).not.toContain('"name": "hearth"')
      expect(res.headers['content-type']).toMatch(/^application\/json/)
    }
  })

  it('GET /v1/invite/qr.svg: our own invitation as an SVG QR code, only with the token', async () => {
    run = await startTestServer()
    const refused = await rawHttp(run.port, { path: '/v1/invite/qr.svg' })
    expect(refused.status).toBe(401)
    expect(JSON.parse(refused.body).error.code).toBe('UNAUTHORIZED')
    const res = await rawHttp(run.port, { path: '/v1/invite/qr.svg', headers: [bearer(run.token)] })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/)
    expect(res.headers['content-security-policy']).toBe(DASHBOARD_CSP)
    expect(res.body).toBe(renderSVG(run.backend.identity().invitation, { border: 2 }))
    expect(res.body).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(res.body).not.toMatch(/<script|\son[a-z]+=/i)
  })
})
