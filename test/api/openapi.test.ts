import { afterEach, describe, expect, it } from 'vitest'
import { bearer, json, rawHttp, startTestServer } from './harness.ts'
import type { Running } from './harness.ts'

let run: Running | undefined
afterEach(async () => { await run?.close(); run = undefined })

const ROUTES = [
  ['get', '/healthz'], ['get', '/openapi.json'], ['get', '/v1/id'], ['get', '/v1/status'], ['get', '/v1/peers'],
  ['get', '/v1/contacts'], ['get', '/v1/invite'], ['post', '/v1/connect'], ['post', '/v1/shutdown'], ['get', '/v1/events']
]

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document of every route, with a bearer scheme', async () => {
    run = await startTestServer({ version: '9.8.7' })
    const res = await fetch(`${run.url}/openapi.json`) // public: no token
    expect(res.status).toBe(200)
    const doc: any = await res.json()
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/)
    expect(doc.info.version).toBe('9.8.7')
    expect(doc.servers).toEqual([{ url: run.url }])
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    expect(doc.security).toEqual([{ bearer: [] }])

    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).map(method => [method, path]))
    expect(listed.sort()).toEqual([...ROUTES].sort())
    expect(doc.paths['/healthz'].get.security).toEqual([])
    expect(doc.paths['/openapi.json'].get.security).toEqual([])
    expect(doc.paths['/v1/id'].get.security).toBeUndefined() // inherits bearer
    const connect = doc.paths['/v1/connect'].post
    expect(connect.requestBody.content['application/json'].schema.properties.target.maxLength).toBe(4096)
    expect(connect.responses['200'].content['application/json'].schema.required).toContain('did')
    expect(connect.responses.default.content['application/json'].schema.$ref).toBe('#/components/schemas/Error')
    expect(doc.paths['/v1/shutdown'].post.responses['202']).toBeDefined()
    expect(Object.keys(doc.paths['/v1/events'].get.responses['200'].content)).toEqual(['text/event-stream'])
    const ids = listed.map(([method, path]) => doc.paths[path as string][method as string].operationId)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('describes routes the server really has (a wrong body is a 400, not a 404 or 405)', async () => {
    run = await startTestServer()
    const doc: any = await (await fetch(`${run.url}/openapi.json`)).json()
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) {
        if (path === '/v1/events') continue // a stream; tested in events.test.ts
        const res = method === 'post'
          ? await rawHttp(run.port, { method: 'POST', path, headers: [bearer(run.token), json], body: '{"bogus":1}' })
          : await rawHttp(run.port, { path, headers: [bearer(run.token)] })
        expect(res.status, `${method} ${path}`).toBe(method === 'post' ? 400 : 200)
      }
    }
    expect(run.backend.changes).toBe(0)
  })
})
