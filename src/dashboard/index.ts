/**
 * The local web dashboard: static files served by the admin API itself, no build step.
 *
 * `GET /` and `/ui/...` need no token (they are the same for everyone; the Host/Origin check
 * of the API still runs first); everything the page shows comes from the token-protected
 * /v1 routes, which the page calls with `Authorization: Bearer` read from the URL fragment.
 * Every file is in a fixed table below: no path taken from a request ever reaches the disk.
 *
 * @example
 * ```ts
 * registerDashboard(app, { invitation: () => backend.identity().invitation })
 * // then open http://127.0.0.1:<port>/#token=<contents of <repo>/api.token>
 * ```
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { renderSVG } from 'uqr'

/**
 * The page's policy: only our own scripts, styles and images (data: for the QR code), fetch
 * only to ourselves, never framed. No 'unsafe-inline' anywhere, so even text that slipped into
 * the DOM as markup could not run (research/security.md A8, Syncthing CVE-2022-46165).
 */
export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const here = (file: string): string => fileURLToPath(new URL(`./static/${file}`, import.meta.url))

/**
 * url -> [file on disk, Content-Type]. htm's standalone build bundles Preact and its hooks in
 * one ES module with no bare imports, so the page needs no import map (an inline script the
 * CSP would refuse).
 */
export const DASHBOARD_FILES: Readonly<Record<string, readonly [string, string]>> = {
  '/': [here('index.html'), 'text/html; charset=utf-8'],
  '/ui/style.css': [here('style.css'), 'text/css; charset=utf-8'],
  '/ui/app.js': [here('app.js'), 'text/javascript; charset=utf-8'],
  '/ui/api.js': [here('api.js'), 'text/javascript; charset=utf-8'],
  '/ui/words.js': [here('words.js'), 'text/javascript; charset=utf-8'],
  '/ui/identity.js': [here('identity.js'), 'text/javascript; charset=utf-8'],
  '/ui/contacts.js': [here('contacts.js'), 'text/javascript; charset=utf-8'],
  '/ui/agreements.js': [here('agreements.js'), 'text/javascript; charset=utf-8'],
  '/ui/profile.js': [here('profile.js'), 'text/javascript; charset=utf-8'],
  '/ui/intents.js': [here('intents.js'), 'text/javascript; charset=utf-8'],
  '/ui/vendor/preact-htm.js': [fileURLToPath(import.meta.resolve('htm/preact/standalone')), 'text/javascript; charset=utf-8']
}

export interface DashboardInit {
  /** Our own hearth:invite URI, for the QR code. */
  invitation: () => string
}

export function registerDashboard (app: FastifyInstance, init: DashboardInit): void {
  const cache = new Map<string, Promise<Buffer>>()
  const load = async (file: string): Promise<Buffer> => {
    let body = cache.get(file)
    if (body === undefined) {
      body = readFile(file)
      // a failed read is not remembered: the next request tries again
      body.catch(() => cache.delete(file))
      cache.set(file, body)
    }
    return await body
  }
  for (const [url, [file, type]] of Object.entries(DASHBOARD_FILES)) {
    app.get(url, { config: { public: true } }, async (_request, reply) => {
      const body = await load(file)
      return page(reply, type).send(body)
    })
  }
  // Behind the token like every /v1 route. The SVG is uqr's rendering of our own invitation
  // (no peer text in it); the page shows it through a data: URL in an <img>, where SVG runs no script.
  app.get('/v1/invite/qr.svg', async (_request, reply) => {
    return page(reply, 'image/svg+xml; charset=utf-8').send(renderSVG(init.invitation(), { border: 2 }))
  })
}

/** The dashboard's headers over the API's: its own CSP replaces the API's `default-src 'none'`. */
function page (reply: FastifyReply, type: string): FastifyReply {
  reply.raw.setHeader('Content-Security-Policy', DASHBOARD_CSP)
  return reply.code(200).type(type)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Referrer-Policy', 'no-referrer')
    .header('Cache-Control', 'no-store')
}
