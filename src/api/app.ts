import Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { ApiBackend } from './backend.ts'
import { TokenGate } from './auth.ts'
import type { FailureWindow } from './auth.ts'
import { errorHandler, formatValidationError, pathOf, refuse } from './errors.ts'
import type { InternalErrorSink } from './errors.ts'
import type { EventStreamLimits } from './events.ts'
import { checkRequestTarget, setSecurityHeaders } from './guard.ts'
import { clientErrorHandler, HTTP_LIMITS } from './http-limits.ts'
import { registerDashboard } from '../dashboard/index.ts'
import { openApiDocument } from './openapi.ts'
import { apiRoutes, methodsFor } from './routes.ts'
import * as s from './schemas.ts'

export interface AppOptions {
  token: string
  /** Outlives this instance, so a restart does not wipe an attacker's failure count. */
  failures: FailureWindow
  version: string
  /** The base URL once listening, for the OpenAPI document's `servers`. */
  url: () => string
  maxBodyBytes: number
  authFailureDelayMs: number
  events: EventStreamLimits
  onInternalError: InternalErrorSink
}

/**
 * The fastify instance, one per start (a closed fastify cannot listen again). Every request
 * passes, in order: Host/Origin/target check, token, route (404/405), Content-Type (415),
 * body size (413), JSON (400), schema (400), handler.
 */
export function buildApp (backend: ApiBackend, options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: false, // fastify's request logs would carry URLs and headers; errors go to onInternalError
    bodyLimit: options.maxBodyBytes,
    routerOptions: { maxParamLength: 100 },
    requestTimeout: HTTP_LIMITS.requestTimeout,
    connectionTimeout: HTTP_LIMITS.connectionTimeout,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeout,
    http: HTTP_LIMITS.http,
    forceCloseConnections: true, // open SSE streams would otherwise hold stop() forever
    exposeHeadRoutes: false,
    // Bodies are taken as sent: no type coercion, no silently dropped fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: true } },
    schemaErrorFormatter: formatValidationError,
    clientErrorHandler,
    // Requests fastify cannot route (e.g. bad percent-encoding) still get the Host check first.
    frameworkErrors: (_err: Error, request: FastifyRequest, reply: FastifyReply) => {
      setSecurityHeaders(reply.raw)
      const refusal = checkRequestTarget(request.raw, port())
      if (refusal !== undefined) return refuse(reply, refusal.status, refusal.code, refusal.message)
      return refuse(reply, 400, 'INVALID_ARGUMENT', 'malformed request URL')
    }
  })
  // Only JSON is parsed: a browser can send text/plain or a form cross-site without a preflight.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: options.maxBodyBytes }, app.getDefaultJsonParser('error', 'error'))

  const port = (): number => (app.server.address() as AddressInfo | null)?.port ?? -1
  const gate = new TokenGate(options.token, options.authFailureDelayMs, options.failures)

  app.addHook('onRequest', async (request, reply) => {
    setSecurityHeaders(reply.raw)
    const refusal = checkRequestTarget(request.raw, port()) ??
      ((request.routeOptions.config as { public?: boolean }).public === true ? undefined : await gate.check(request.raw))
    if (refusal !== undefined) {
      if (refusal.status === 429) reply.header('Retry-After', '60')
      return refuse(reply, refusal.status, refusal.code, refusal.message)
    }
  })

  let document: object | undefined
  const routes = apiRoutes(backend, {
    events: options.events,
    document: () => (document ??= openApiDocument(routes, { version: options.version, url: options.url() }))
  })
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      config: { public: route.public === true },
      schema: {
        ...(route.body === undefined ? {} : { body: route.body }),
        ...(route.params === undefined ? {} : { params: route.params }),
        ...(route.response === 'event-stream' ? {} : { response: { [route.status]: route.response, '4xx': s.errorSchema, '5xx': s.errorSchema } })
      },
      ...(route.method === 'POST' ? { onRequest: requireJson } : {}),
      handler: route.handler
    })
  }
  // The web dashboard (src/dashboard): its static files, public, and the invitation's QR code.
  registerDashboard(app, { invitation: () => backend.identity().invitation })

  app.setNotFoundHandler((request, reply) => {
    const path = pathOf(request.url)
    const allowed = methodsFor(routes, path)
    if (allowed.length === 0) return refuse(reply, 404, 'NOT_FOUND', `no such endpoint: ${path.slice(0, 200)}`)
    reply.header('Allow', allowed.join(', '))
    return refuse(reply, 405, 'INVALID_ARGUMENT', `${request.method} is not allowed on ${path}; use ${allowed.join(' or ')}`)
  })
  app.setErrorHandler(errorHandler(options.onInternalError))
  return app
}

/**
 * Every POST states `Content-Type: application/json` (parameters such as charset allowed),
 * even with an empty body: it is the one type a cross-site form or fetch cannot send
 * without a CORS preflight, which this API never grants.
 */
async function requireJson (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase()
  if (type !== 'application/json') return refuse(reply, 415, 'INVALID_ARGUMENT', 'Content-Type must be application/json')
  return undefined
}
