import type { ServerOptions } from 'node:http'
import type { Socket } from 'node:net'
import { errorBody } from './errors.ts'
import { SECURITY_HEADERS } from './guard.ts'
import { MAX_CONNECT_TIMEOUT_MS } from './schemas.ts'

/**
 * Socket-level limits, shared by fastify's own server (127.0.0.1) and the ::1 one that
 * ./listen.ts adds, so both addresses behave the same (research/security.md E.1).
 */
export const HTTP_LIMITS = {
  /** The whole request, headers and body, must arrive within 30 s. */
  requestTimeout: 30_000,
  /** Idle-socket limit: above the longest connect (120 s) a client may wait for, and far above the 15 s SSE heartbeat. */
  connectionTimeout: MAX_CONNECT_TIMEOUT_MS + 10_000,
  keepAliveTimeout: 5_000,
  http: {
    // Beyond 8 KiB of headers Node answers 431 (through clientErrorHandler below).
    maxHeaderSize: 8192,
    // The Host header is checked by ./guard.ts, which answers in our JSON envelope.
    requireHostHeader: false,
    headersTimeout: 10_000,
    // Node enforces the timeouts above on each check: every 5 s rather than every 30 s.
    connectionsCheckingInterval: 5_000
  } satisfies ServerOptions
} as const

/** Node's own refusals (header overflow, timeouts, garbage) in our envelope and headers. */
export function clientErrorHandler (err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, reason, message] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'Request Header Fields Too Large', 'request headers exceed 8 KiB']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request took too long to arrive']
      : [400, 'Bad Request', 'malformed HTTP request']
  const body = JSON.stringify(errorBody('INVALID_ARGUMENT', message))
  const headers = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}Connection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}
