import { describe, it, expect } from 'vitest'
import { createApiServer } from '../../src/api/index.ts'
import { startTestNode, waitPublished } from '../fixtures/node.ts'
import { rawHttp, bearer, json } from './harness.ts'
import type { RawRequest } from './harness.ts'
import { expectInvariants } from './security-table.ts'

/**
 * The same refusals as the security table, but in front of a real node: each refused
 * POST /v1/connect would have made the node connect to a real peer. After every refusal the
 * node still has no contact for it (connect would have saved one), and the one proper request then works.
 */
describe('admin API in front of a real node', () => {
  it('refuses every bad request to connect and changes nothing; the proper one connects', async () => {
    const hub = await startTestNode()
    const node = await startTestNode({ bootstrap: [hub.network.addresses()[0]!] })
    const friend = await startTestNode({ bootstrap: [hub.network.addresses()[0]!] })
    await Promise.all([waitPublished(node), waitPublished(friend)])
    const api = createApiServer(node, { repo: node.repo, port: 0, version: 'test', authFailureDelayMs: 1, onInternalError: () => {} })
    const { port, token } = await api.start()
    try {
      const body = JSON.stringify({ target: friend.did })
      const ok: RawRequest = { method: 'POST', path: '/v1/connect', headers: [bearer(token), json], body }
      const cases: Array<[string, RawRequest, number]> = [
        ['no token', { ...ok, headers: [json] }, 401],
        ['wrong token', { ...ok, headers: [json, ['Authorization', 'Bearer ' + 'x'.repeat(token.length)]] }, 401],
        ['foreign Host (DNS rebinding)', { ...ok, host: `evil.example:${port}` }, 403],
        ['Host on another port', { ...ok, host: `127.0.0.1:${port + 1}` }, 403],
        ['foreign Origin', { ...ok, headers: [bearer(token), json, ['Origin', 'http://evil.example']] }, 403],
        ['Origin: null', { ...ok, headers: [bearer(token), json, ['Origin', 'null']] }, 403],
        ['form body (CSRF)', { ...ok, headers: [bearer(token), ['Content-Type', 'application/x-www-form-urlencoded']], body: `target=${encodeURIComponent(friend.did)}` }, 415],
        ['text/plain body', { ...ok, headers: [bearer(token), ['Content-Type', 'text/plain']] }, 415],
        ['non-JSON body', { ...ok, body: `{"target": "${friend.did}"` }, 400],
        ['oversized body', { ...ok, body: JSON.stringify({ target: friend.did, pad: 'x'.repeat(70 * 1024) }) }, 413],
        ['GET for a change', { method: 'GET', path: '/v1/connect', headers: [bearer(token)] }, 405],
        ['unknown field', { ...ok, body: JSON.stringify({ target: friend.did, admin: true }) }, 400]
      ]
      for (const [name, request, status] of cases) {
        const res = await rawHttp(port, request)
        expect({ name, status: res.status }).toEqual({ name, status })
        expectInvariants(res, token)
        expect(await node.contacts()).toEqual([])
      }
      const res = await rawHttp(port, ok, '127.0.0.1', 30_000)
      expect(res.status, res.body).toBe(200)
      expect(JSON.parse(res.body)).toMatchObject({ did: friend.did, peerId: friend.peerId })
      expect((await node.contacts()).map(c => c.did)).toEqual([friend.did])
    } finally {
      await api.stop()
    }
  })
})
