import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiBackend, ReadinessView } from './backend.ts'
import { connectHandler } from './connect.ts'
import { eventsHandler } from './events.ts'
import type { EventStreamLimits } from './events.ts'
import * as s from './schemas.ts'
import { agreementRoutes } from './agreement-routes.ts'
import { intentRoutes } from './intent-routes.ts'
import { backupRoutes } from '../backup/api-route.ts'
import type { WebhookApi } from '../webhook/index.ts'

type Handler = (request: FastifyRequest, reply: FastifyReply) => unknown

/**
 * One table drives three things: fastify's routes, the 405 answers (which methods a path
 * has) and /openapi.json. A route is added here or nowhere.
 */
export interface ApiRoute {
  method: 'GET' | 'POST'
  url: string
  summary: string
  /** No token needed (Host and Origin are still checked). */
  public?: boolean
  body?: object
  /** path parameters (`:id` in url) */
  params?: object
  /** OpenAPI operationId; derived from the url when absent */
  operationId?: string
  /** Success status and its JSON schema, or 'event-stream' for SSE. */
  status: number
  response: object | 'event-stream'
  handler: Handler
}

export interface RouteDeps {
  document: () => object
  events: EventStreamLimits
}

/** The CRM webhook (src/webhook), when the backend runs one (absent in API-only tests). */
export interface WithWebhook { readonly webhookApi?: WebhookApi }

export function apiRoutes (backend: ApiBackend & WithWebhook, deps: RouteDeps): ApiRoute[] {
  return [
    { method: 'GET', url: '/healthz', summary: 'Liveness probe', public: true, status: 200, response: s.healthSchema, handler: () => ({ ok: true }) },
    ...(backend.readiness !== undefined ? [readinessRoute(backend.readiness.bind(backend))] : []),
    { method: 'GET', url: '/openapi.json', summary: 'This API as an OpenAPI 3.1 document', public: true, status: 200, response: s.documentSchema, handler: deps.document },
    { method: 'GET', url: '/v1/id', summary: "The node's DID, PeerId, addresses and invitation", status: 200, response: s.identitySchema, handler: () => backend.identity() },
    { method: 'GET', url: '/v1/status', summary: 'Node status', status: 200, response: s.statusSchema, handler: async () => await backend.status() },
    { method: 'GET', url: '/v1/peers', summary: 'Open connections', status: 200, response: s.peersSchema, handler: () => ({ peers: backend.peers() }) },
    { method: 'GET', url: '/v1/contacts', summary: 'Known contacts', status: 200, response: s.contactsSchema, handler: async () => ({ contacts: await backend.contacts() }) },
    {
      method: 'GET',
      url: '/v1/invite',
      summary: 'A hearth:invite URI for this node',
      status: 200,
      response: s.inviteSchema,
      handler: () => {
        const id = backend.identity()
        return { uri: id.invitation, did: id.did }
      }
    },
    {
      method: 'POST',
      url: '/v1/connect',
      summary: 'Find and connect to a DID or invitation',
      body: s.connectBodySchema,
      status: 200,
      response: s.connectResultSchema,
      handler: connectHandler(backend)
    },
    {
      method: 'POST',
      url: '/v1/shutdown',
      summary: 'Stop the daemon gracefully',
      body: s.emptyBodySchema,
      status: 202,
      response: s.shutdownSchema,
      handler: (_request, reply) => {
        // Ask only once the answer is on its way, so the client hears 202 before we go.
        reply.raw.once('close', () => { backend.requestShutdown() })
        return reply.code(202).send({ stopping: true })
      }
    },
    {
      method: 'GET',
      url: '/v1/events',
      summary: 'Server-Sent Events: one message per HearthEvent (id, event type, JSON data)',
      status: 200,
      response: 'event-stream',
      handler: eventsHandler(backend, deps.events)
    },
    ...(backend.agreementsApi !== undefined ? agreementRoutes(backend.agreementsApi) : []),
    ...(backend.intentcastApi !== undefined ? intentRoutes(backend.intentcastApi) : []),
    ...(backend.webhookApi !== undefined ? webhookRoutes(backend.webhookApi) : []),
    ...backupRoutes(backend)
  ]
}

/**
 * Readiness for systemd, a supervisor or a load check: 200 only while the node is started, its
 * store open and libp2p listening; 503 with the same shape and a reason otherwise. Public like
 * /healthz, which stays a pure liveness probe. The 503 is written with its own serializer
 * because the route table declares one success schema per route (and errorSchema for 5xx).
 */
function readinessRoute (readiness: () => ReadinessView): ApiRoute {
  return {
    method: 'GET',
    url: '/readyz',
    summary: 'Readiness probe: 200 when started, store open and listening; 503 {ready:false, reason} otherwise',
    public: true,
    status: 200,
    response: s.readinessSchema,
    handler: (_request, reply) => {
      const r = readiness()
      const view = { ready: r.ready, ...(r.reason !== undefined ? { reason: r.reason } : {}), listening: r.listening, uptimeMs: r.uptimeMs }
      if (view.ready) return view
      return reply.code(503).type('application/json; charset=utf-8').serializer(JSON.stringify).send(view)
    }
  }
}

/** The CRM webhook: its state, and a test event (docs/webhook.md). The URL and secret are not settable here. */
function webhookRoutes (api: WebhookApi): ApiRoute[] {
  return [
    { method: 'GET', url: '/v1/webhook', operationId: 'getWebhook', summary: 'CRM webhook status: URL, events queued and delivered, last error, next attempt', status: 200, response: s.webhookStatusSchema, handler: () => api.status() },
    { method: 'POST', url: '/v1/webhook/test', operationId: 'testWebhook', summary: "Queue a 'webhook:test' event for the CRM (409 when the webhook is off or full)", body: s.emptyBodySchema, status: 200, response: s.webhookTestSchema, handler: async () => await api.test() }
  ]
}

/** The methods a path answers to, for 405's Allow header; empty when the path is unknown. */
export function methodsFor (routes: readonly ApiRoute[], path: string): string[] {
  const segments = path.split('/')
  const matches = (url: string): boolean => {
    const parts = url.split('/')
    return parts.length === segments.length && parts.every((p, i) => p.startsWith(':') ? segments[i] !== '' : p === segments[i])
  }
  return [...new Set(routes.filter(route => matches(route.url)).map(route => route.method))]
}
