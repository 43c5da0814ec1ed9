import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { clientErrorHandler, HTTP_LIMITS } from './http-limits.ts'

export interface Listening {
  port: number
  /** The addresses actually bound: always 127.0.0.1, plus ::1 where the OS has it. */
  addresses: string[]
  /** Closes the ::1 listener and its connections (fastify closes its own). */
  closeExtra: () => Promise<void>
}

/**
 * Binds 127.0.0.1 through fastify, then ::1 on the same port with fastify's own request
 * handler. Explicit addresses rather than fastify's host 'localhost': that name goes through
 * the resolver, which on many machines lists only 127.0.0.1 (so ::1 is silently skipped) and
 * which nothing stops from naming a LAN address. ::1 is best effort: without IPv6, or if
 * the port is taken there, we carry on with 127.0.0.1, the address clients are given.
 */
export async function listenLoopback (app: FastifyInstance, port: number): Promise<Listening> {
  await app.listen({ host: '127.0.0.1', port })
  const bound = (app.server.address() as AddressInfo).port
  const v6 = createServer(HTTP_LIMITS.http, app.routing)
  v6.keepAliveTimeout = HTTP_LIMITS.keepAliveTimeout
  v6.requestTimeout = HTTP_LIMITS.requestTimeout
  v6.setTimeout(HTTP_LIMITS.connectionTimeout)
  v6.on('clientError', clientErrorHandler)
  const ok = await new Promise<boolean>(resolve => {
    v6.once('error', () => { resolve(false) })
    v6.listen({ host: '::1', port: bound, ipv6Only: true }, () => { resolve(true) })
  })
  return {
    port: bound,
    addresses: ok ? ['127.0.0.1', '::1'] : ['127.0.0.1'],
    closeExtra: async () => { if (ok) await closeServer(v6) }
  }
}

async function closeServer (server: Server): Promise<void> {
  const closed = new Promise<void>(resolve => { server.close(() => { resolve() }) })
  // Open SSE streams and keep-alive sockets would otherwise hold close() open.
  server.closeAllConnections()
  await closed
}
