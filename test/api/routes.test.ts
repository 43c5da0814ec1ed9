import { afterEach, describe, expect, it } from 'vitest'
import { apiErrorStatus } from '../../src/api/index.ts'
import type { ErrorCode } from '../../src/errors.ts'
import { startTestServer } from './harness.ts'
import type { Running } from './harness.ts'
import { DID, PEER_ID } from './test-backend.ts'

let run: Running | undefined
afterEach(async () => { await run?.close(); run = undefined })

async function call (r: Running, method: 'GET' | 'POST', path: string, body?: unknown, init: RequestInit = {}): Promise<{ status: number, body: any }> {
  const headers: Record<string, string> = { authorization: `Bearer ${r.token}` }
  if (method === 'POST') headers['content-type'] = 'application/json'
  const res = await fetch(r.url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...init })
  return { status: res.status, body: await res.json() }
}

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise(resolve => setTimeout(resolve, 10))
  expect(check()).toBe(true)
}

describe('read routes serialise only declared fields', () => {
  it('GET /healthz, /v1/id, /v1/invite, /v1/status, /v1/peers, /v1/contacts', async () => {
    run = await startTestServer()
    expect((await fetch(`${run.url}/healthz`)).status).toBe(200)
    expect(await call(run, 'GET', '/healthz')).toEqual({ status: 200, body: { ok: true } })
    const id = await call(run, 'GET', '/v1/id')
    expect(id.body).toEqual({ did: DID, peerId: PEER_ID, addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER_ID}`], invitation: `hearth:invite?did=${DID}` })
    expect((await call(run, 'GET', '/v1/invite')).body).toEqual({ uri: `hearth:invite?did=${DID}`, did: DID })
    const status = await call(run, 'GET', '/v1/status')
    expect(status.status).toBe(200)
    expect(status.body.secret).toBeUndefined()
    expect(status.body.dht).toEqual({ mode: 'client', routingTableSize: 3 })
    expect(status.body.record).toEqual({ seq: 7, publishedAt: 1_700_000_000_500 })
    const peers = await call(run, 'GET', '/v1/peers')
    expect(peers.body.peers).toEqual([{ peerId: PEER_ID, remoteAddr: '/ip4/10.0.0.2/tcp/4001', direction: 'outbound', path: 'direct', openedAt: 1_700_000_000_000 }])
    const contacts = await call(run, 'GET', '/v1/contacts')
    expect(contacts.body.contacts).toEqual([{ did: DID, peerIds: [PEER_ID], addresses: [], source: 'invitation', seq: 2 }])
    expect(run.backend.changes).toBe(0)
  })
})

describe('POST /v1/connect', () => {
  it('passes the target and an AbortSignal to the backend and returns the declared result', async () => {
    run = await startTestServer()
    const res = await fetch(`${run.url}/v1/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${run.token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ target: 'did:key:zFriend', timeoutMs: 5000 })
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ did: 'did:key:zFriend', peerId: PEER_ID, remoteAddr: '/ip4/10.0.0.2/tcp/4001', via: 'cache', ms: 12 })
    expect(run.backend.connectCalls.map(c => c.target)).toEqual(['did:key:zFriend'])
    expect(run.backend.connectCalls[0]?.signal).toBeInstanceOf(AbortSignal)
  })

  const mapped: Array<[ErrorCode, number]> = [
    ['NOT_FOUND', 404], ['UNREACHABLE', 502], ['TIMEOUT', 504], ['INVALID_ARGUMENT', 400],
    ['INVALID_DID', 400], ['INVALID_INVITATION', 400], ['UNAUTHORIZED', 401], ['FORBIDDEN', 403], ['INTERNAL', 500]
  ]
  for (const [code, status] of mapped) {
    it(`maps a HearthError ${code} to ${status} with its message`, async () => {
      run = await startTestServer()
      const res = await call(run, 'POST', '/v1/connect', { target: `error:${code}` })
      expect(res).toEqual({ status, body: { error: { code, message: `backend says ${code}` } } })
    })
  }

  it('answers a plain Error with a generic 500 and reports it privately', async () => {
    const seen: unknown[] = []
    run = await startTestServer({ onInternalError: (err, where) => { seen.push([err, where]) } })
    const res = await call(run, 'POST', '/v1/connect', { target: 'crash' })
    expect(res).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } })
    expect(JSON.stringify(res.body)).not.toContain('hunter2')
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject([{ message: 'database password is hunter2' }, { method: 'POST', path: '/v1/connect' }])
  })

  it('does not pass on the status or text of a non-Hearth error that carries a statusCode', async () => {
    run = await startTestServer()
    const res = await call(run, 'POST', '/v1/connect', { target: 'crash-http' })
    expect(res).toEqual({ status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } })
  })

  it('gives up at timeoutMs with 504 TIMEOUT and aborts the backend', async () => {
    run = await startTestServer()
    const t0 = performance.now()
    const res = await call(run, 'POST', '/v1/connect', { target: 'hang', timeoutMs: 150 })
    expect(res.status).toBe(504)
    expect(res.body.error.code).toBe('TIMEOUT')
    expect(performance.now() - t0).toBeLessThan(3000)
    expect(run.backend.connectCalls[0]?.signal?.aborted).toBe(true)
  })

  it('aborts the backend when the client disconnects', async () => {
    run = await startTestServer()
    const r = run
    const client = new AbortController()
    const pending = call(r, 'POST', '/v1/connect', { target: 'hang', timeoutMs: 60_000 }, { signal: client.signal }).catch(err => err)
    await until(() => r.backend.connectCalls.length === 1)
    client.abort()
    await pending
    await until(() => r.backend.connectCalls[0]?.signal?.aborted === true)
  })
})

describe('POST /v1/shutdown', () => {
  it('answers 202 {stopping:true} and then asks the backend to stop, once', async () => {
    run = await startTestServer()
    const r = run
    expect(await call(r, 'POST', '/v1/shutdown', {})).toEqual({ status: 202, body: { stopping: true } })
    await until(() => r.backend.shutdownRequests === 1)
    expect(r.backend.connectCalls).toEqual([])
  })
})

describe('apiErrorStatus', () => {
  it('maps every documented code', () => {
    const expected: Partial<Record<ErrorCode, number>> = {
      NOT_FOUND: 404, UNREACHABLE: 502, TIMEOUT: 504, INVALID_ARGUMENT: 400, INVALID_DID: 400, INVALID_INVITATION: 400,
      UNAUTHORIZED: 401, FORBIDDEN: 403, INTERNAL: 500, CORRUPT_KEYSTORE: 500, INVALID_CONFIG: 500, DAEMON_NOT_RUNNING: 503
    }
    for (const [code, status] of Object.entries(expected)) expect(apiErrorStatus(code as ErrorCode), code).toBe(status)
    expect(apiErrorStatus('NO_SUCH_CODE' as ErrorCode)).toBe(500)
  })
})
