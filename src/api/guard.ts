import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ErrorCode } from '../errors.ts'

/**
 * Headers on every response, set on the raw ServerResponse so they survive fastify's error
 * paths and the hand-written SSE stream alike (Node merges them into writeHead).
 * CSP 'none': the API serves data, never documents, so a browser must not run anything from it.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer'
}

export function setSecurityHeaders (res: ServerResponse): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)
}

export interface Refusal { status: number, code: ErrorCode, message: string }

/** How many times a header appears; Node silently keeps only the first Host/Authorization. */
export function headerCount (req: IncomingMessage, name: string): number {
  let n = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]?.toLowerCase() === name) n++
  }
  return n
}

/**
 * DNS rebinding and cross-site defence (research/security.md 1.6, B.4): the Host must be one
 * of the three loopback spellings with our port, compared exactly, and a browser Origin, when
 * sent, must be our own. No prefix or suffix matching anywhere: `127.0.0.1.nip.io`,
 * `localhost.` and `http://127.0.0.1:<port>.evil` are all different strings.
 */
export function checkRequestTarget (req: IncomingMessage, port: number): Refusal | undefined {
  // Absolute-form targets (`GET http://evil/x`) carry their own authority; we are no proxy.
  if (req.url === undefined || !req.url.startsWith('/')) {
    return { status: 400, code: 'INVALID_ARGUMENT', message: 'request target must be a path (origin-form)' }
  }
  const hosts = headerCount(req, 'host')
  if (hosts !== 1) {
    return { status: 400, code: 'INVALID_ARGUMENT', message: hosts === 0 ? 'missing Host header' : 'more than one Host header' }
  }
  const host = (req.headers.host ?? '').toLowerCase()
  if (!allowedHosts(port).includes(host)) {
    return { status: 403, code: 'FORBIDDEN', message: 'Host header is not a loopback name for this port' }
  }
  const origins = headerCount(req, 'origin')
  if (origins > 1) return { status: 403, code: 'FORBIDDEN', message: 'more than one Origin header' }
  const origin = req.headers.origin
  if (origins === 1 && (origin === undefined || !allowedOrigins(port).includes(origin.toLowerCase()))) {
    return { status: 403, code: 'FORBIDDEN', message: 'cross-origin requests are not allowed' }
  }
  return undefined
}

export const allowedHosts = (port: number): string[] =>
  [`127.0.0.1:${port}`, `[::1]:${port}`, `localhost:${port}`]

export const allowedOrigins = (port: number): string[] =>
  allowedHosts(port).map(host => `http://${host}`)
