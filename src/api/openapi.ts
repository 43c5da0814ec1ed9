import type { ApiRoute } from './routes.ts'
import { errorSchema } from './schemas.ts'

/**
 * The OpenAPI 3.1 document, built from the same route table and schemas fastify uses, so it
 * cannot drift from what the server accepts. Written here rather than with @fastify/swagger:
 * the routes are one flat table with inline schemas, so the mapping is a loop, and the daemon
 * avoids five more packages (a YAML parser among them) in its most exposed component.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, a superset of the draft-07 keywords used here.
 */
export function openApiDocument (routes: readonly ApiRoute[], info: { version: string, url: string }): object {
  const paths: Record<string, Record<string, object>> = {}
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}')
    paths[path] ??= {}
    const item = paths[path] as Record<string, object>
    item[route.method.toLowerCase()] = operation(route)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hearth admin API',
      version: info.version,
      description: 'Loopback-only API of a Hearth node. Send `Authorization: Bearer <token>` with the token from `<repo>/api.token` (new at every start); `<repo>/api` holds the base URL.'
    },
    servers: [{ url: info.url }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The contents of <repo>/api.token' }
      },
      schemas: { Error: errorSchema }
    },
    paths
  }
}

function operation (route: ApiRoute): object {
  const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
  const success = route.response === 'event-stream'
    ? { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }
    : { description: 'Success', content: { 'application/json': { schema: route.response } } }
  return {
    operationId: operationId(route),
    summary: route.summary,
    // An empty list overrides the document-wide bearer requirement.
    ...(route.public === true ? { security: [] } : {}),
    ...(route.params === undefined
      ? {}
      : { parameters: Object.entries((route.params as { properties: Record<string, object> }).properties).map(([name, schema]) => ({ name, in: 'path', required: true, schema })) }),
    ...(route.body === undefined
      ? {}
      : { requestBody: { required: true, content: { 'application/json': { schema: route.body } } } }),
    responses: { [String(route.status)]: success, default: errorResponse }
  }
}

/** `GET /v1/peers` -> `getPeers`, `GET /openapi.json` -> `getOpenapi`. */
function operationId (route: ApiRoute): string {
  if (route.operationId !== undefined) return route.operationId
  const last = route.url.split('/').pop() ?? ''
  const word = last.replace(/\..*$/, '')
  return route.method.toLowerCase() + word.charAt(0).toUpperCase() + word.slice(1)
}
