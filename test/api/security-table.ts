import { expect, it } from 'vitest'
import type { ErrorCode } from '../../src/errors.ts'
import { rawHttp, startTestServer } from './harness.ts'
import type { RawRequest, RawResponse } from './harness.ts'

export interface Ctx { port: number, token: string }

export interface SecurityCase {
  name: string
  request: (ctx: Ctx) => RawRequest | string
  status: number
  /** The envelope's error.code; omitted for 2xx and bodiless answers. */
  code?: ErrorCode
  allow?: string
  /** Text the error message must contain (validation errors name the field). */
  message?: string
}

/**
 * One fresh server, repo and backend per case, over a real loopback socket. Every case
 * checks the status and the invariants that hold for any answer: our security headers,
 * no CORS grant, no token echoed, and, for the backend, nothing changed (these cases are
 * all refusals or reads; successful mutations are tested in routes.test.ts).
 */
export function runSecurityTable (cases: SecurityCase[]): void {
  for (const c of cases) {
    it(`${c.status} ${c.name}`, async () => {
      const run = await startTestServer()
      try {
        const res = await rawHttp(run.port, c.request({ port: run.port, token: run.token }))
        expect(res.status, res.raw.slice(0, 600)).toBe(c.status)
        expectInvariants(res, run.token)
        if (c.code !== undefined) expect(JSON.parse(res.body).error.code).toBe(c.code)
        if (c.message !== undefined) expect(JSON.parse(res.body).error.message).toContain(c.message)
        if (c.allow !== undefined) expect(res.headers.allow).toBe(c.allow)
        expect(run.backend.connectCalls).toEqual([])
        expect(run.backend.shutdownRequests).toBe(0)
        expect(run.backend.listeners.size).toBe(0)
      } finally {
        await run.close()
      }
    })
  }
}

export function expectInvariants (res: RawResponse, token: string): void {
  expect(res.raw).not.toContain(token)
  expect(Object.keys(res.headers).filter(name => name.startsWith('access-control-'))).toEqual([])
  expect(res.headers['cache-control']).toBe('no-store')
  expect(res.headers['x-content-type-options']).toBe('nosniff')
  expect(res.headers['x-frame-options']).toBe('DENY')
  expect(res.headers['content-security-policy']).toContain("default-src 'none'")
  if (res.body !== '') {
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const body = JSON.parse(res.body)
    if (res.status >= 400) {
      expect(Object.keys(body)).toEqual(['error'])
      expect(typeof body.error.code).toBe('string')
      expect(typeof body.error.message).toBe('string')
    }
  }
}
