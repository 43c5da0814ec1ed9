import { describe, expect, it, onTestFinished } from 'vitest'
import { createApiServer } from '../../src/api/index.ts'
import type { HearthNode } from '../../src/node.ts'
import { startTestNode } from '../fixtures/node.ts'
import { rawHttp } from '../api/harness.ts'

/** A real node (created, not started) behind a real API server, as the daemon assembles them. */
async function nodeWithApi (): Promise<{ node: HearthNode, url: string }> {
  const node = await startTestNode({ start: false })
  const api = createApiServer(node, { repo: node.repo, port: 0, version: '0.0.0-test', authFailureDelayMs: 1, onInternalError: () => {} })
  const { url } = await api.start()
  onTestFinished(async () => { await api.stop() })
  return { node, url }
}

async function get (url: string): Promise<{ status: number, type: string | null, body: any }> {
  const res = await fetch(url)
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() }
}

describe('GET /readyz', () => {
  it('is 503 until the node has started, 200 while it runs, 503 again once it stops; /healthz stays 200', async () => {
    const { node, url } = await nodeWithApi()
    // (libp2p may already be listening: the node is ready only once start() has finished)
    expect(await get(`${url}/readyz`)).toEqual({
      status: 503, type: 'application/json; charset=utf-8', body: { ready: false, reason: 'starting', listening: expect.any(Number), uptimeMs: 0 }
    })
    expect((await get(`${url}/healthz`)).status).toBe(200)

    await node.start()
    const up = await get(`${url}/readyz`)
    expect(up.status).toBe(200)
    expect(up.body).toEqual({ ready: true, listening: node.network.addresses().length, uptimeMs: expect.any(Number) })
    expect(up.body.listening).toBeGreaterThan(0)

    const stopping = node.stop()
    // stop() marks the node not ready before its first await: a probe during shutdown sees 503
    expect(node.readiness?.()).toMatchObject({ ready: false, reason: 'stopping' })
    await stopping
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 503, body: { ready: false, reason: 'stopped', listening: 0 } })
    expect((await get(`${url}/healthz`)).status).toBe(200)
  })

  it('needs no token but is still refused to a foreign Host, and is in /openapi.json as public', async () => {
    const { node, url } = await nodeWithApi()
    await node.start()
    expect((await fetch(`${url}/readyz`)).status).toBe(200)
    // fetch will not send a foreign Host header; a raw request does
    const foreign = await rawHttp(Number(new URL(url).port), { path: '/readyz', host: 'evil.example' })
    expect(foreign.status).toBe(403)
    const doc: any = await (await fetch(`${url}/openapi.json`)).json()
    expect(doc.paths['/readyz'].get.security).toEqual([])
    expect(doc.paths['/readyz'].get.responses['200'].content['application/json'].schema.required).toEqual(['ready', 'listening', 'uptimeMs'])
  })
})
