import { describe, it, expect } from 'vitest'
import { createApiServer } from '../../src/api/index.ts'
import { startTestNode } from '../fixtures/node.ts'
import { rawHttp, bearer, json } from './harness.ts'
import type { RawRequest } from './harness.ts'
import { expectInvariants } from './security-table.ts'

/**
 * The intent routes in front of a real node: bad requests get a clear status and code and leave
 * no intent behind; the proper request creates one, and its lifecycle works over HTTP.
 */
describe('intent routes of the admin API', () => {
  it('refuse bad intents by field, with nothing stored; create, read, withdraw and 404/409 otherwise', async () => {
    const node = await startTestNode()
    const api = createApiServer(node, { repo: node.repo, port: 0, version: 'test', authFailureDelayMs: 1, onInternalError: () => {} })
    const { port, token } = await api.start()
    try {
      const post = (path: string, body: unknown): RawRequest => ({ method: 'POST', path, headers: [bearer(token), json], body: JSON.stringify(body) })
      const good = { what: 'A used road bike, size 56', category: 'bicycles', budget: { max: '300', currency: 'EUR' }, expiresInSeconds: 3600 }
      const cases: Array<[string, RawRequest, number, string | undefined]> = [
        ['no expiry', post('/v1/intents', { what: good.what, category: 'bicycles' }), 400, 'INVALID_ARGUMENT'],
        ['unknown category', post('/v1/intents', { ...good, category: 'spaceships' }), 400, 'INVALID_ARGUMENT'],
        ['text too long', post('/v1/intents', { ...good, what: 'x'.repeat(501) }), 400, undefined],
        ['bad budget', post('/v1/intents', { ...good, budget: { max: '-3', currency: 'EUR' } }), 400, 'INVALID_ARGUMENT'],
        ['unknown field', post('/v1/intents', { ...good, trackMe: true }), 400, undefined],
        ['not a did:key vendor', post('/v1/intents', { ...good, to: ['did:web:shop.example'] }), 400, 'INVALID_ARGUMENT'],
        ['unpublished with nobody to send to', post('/v1/intents', { ...good, publish: false }), 400, 'INVALID_ARGUMENT'],
        ['no token', { ...post('/v1/intents', good), headers: [json] }, 401, undefined],
        ['GET on a change', { method: 'GET', path: '/v1/intents/abc/withdraw', headers: [bearer(token)] }, 405, undefined],
        ['unknown intent', post('/v1/intents/AAAAAAAAAAAAAAAAAAAAAA/withdraw', {}), 404, 'NOT_FOUND'],
        ['unknown offer', post('/v1/offers/AAAAAAAAAAAAAAAAAAAAAA/accept', {}), 404, 'NOT_FOUND'],
        ['bad decline code', post('/v1/offers/AAAAAAAAAAAAAAAAAAAAAA/decline', { code: 'rude' }), 400, undefined],
        ['offer on an intent this vendor does not hold', post('/v1/market/intents/AAAAAAAAAAAAAAAAAAAAAA/offers', { items: [], total: { amount: '1', currency: 'EUR' }, fulfilment: { method: 'pickup' }, validForSeconds: 600 }), 404, 'NOT_FOUND']
      ]
      for (const [name, request, status, code] of cases) {
        const res = await rawHttp(port, request)
        expect({ name, status: res.status }).toEqual({ name, status })
        if (code !== undefined) expect({ name, code: JSON.parse(res.body).error?.code }).toEqual({ name, code })
        expectInvariants(res, token)
      }
      expect(await node.intentcast.person.list()).toEqual([])

      const created = await rawHttp(port, post('/v1/intents', good))
      expect(created.status, created.body).toBe(201)
      const intent = JSON.parse(created.body)
      expect(intent).toMatchObject({ what: good.what, status: 'open', version: 1 })
      const listed = await rawHttp(port, { method: 'GET', path: '/v1/intents', headers: [bearer(token)] })
      expect(JSON.parse(listed.body).intents.map((i: { id: string }) => i.id)).toEqual([intent.id])
      expect(JSON.parse((await rawHttp(port, { method: 'GET', path: '/v1/categories', headers: [bearer(token)] })).body).categories.length).toBeGreaterThan(10)
      const withdrawn = await rawHttp(port, post(`/v1/intents/${intent.id}/withdraw`, { reason: 'found one' }))
      expect(JSON.parse(withdrawn.body)).toMatchObject({ id: intent.id, status: 'withdrawn' })
      const again = await rawHttp(port, post(`/v1/intents/${intent.id}/withdraw`, {}))
      expect(again.status).toBe(409)
      expect(JSON.parse(again.body).error.code).toBe('INVALID_STATE')
    } finally {
      await api.stop()
    }
  })
})
