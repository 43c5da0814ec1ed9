import { afterEach, describe, expect, it } from 'vitest'
import { AUTH_FAILURE_LIMIT } from '../../src/api/auth.ts'
import { bearer, rawHttp, startTestServer } from './harness.ts'
import type { Running } from './harness.ts'
import { expectInvariants } from './security-table.ts'

let run: Running | undefined
afterEach(async () => { await run?.close(); run = undefined })

const wrongToken = (token: string): string => (token.startsWith('A') ? 'B' : 'A') + token.slice(1)

describe('bad-token throttling', () => {
  it('pauses about 250 ms by default before answering a bad token, not a good one', async () => {
    run = await startTestServer({ authFailureDelayMs: undefined })
    const t0 = performance.now()
    const bad = await rawHttp(run.port, { headers: [bearer(wrongToken(run.token))] })
    const badMs = performance.now() - t0
    expect(bad.status).toBe(401)
    expect(badMs).toBeGreaterThanOrEqual(240)

    const t1 = performance.now()
    const good = await rawHttp(run.port, { headers: [bearer(run.token)] })
    expect(good.status).toBe(200)
    expect(performance.now() - t1).toBeLessThan(badMs)
  })

  it('answers 429 after many failures in a row, while the right token still works', async () => {
    run = await startTestServer()
    const statuses: number[] = []
    for (let i = 0; i < 100; i++) {
      const res = await rawHttp(run.port, { headers: i % 2 === 0 ? [bearer(wrongToken(run.token))] : [] })
      expectInvariants(res, run.token)
      statuses.push(res.status)
      if (res.status === 429) {
        expect(res.headers['retry-after']).toBe('60')
        expect(JSON.parse(res.body).error.code).toBe('UNAUTHORIZED')
      }
    }
    expect(statuses.slice(0, AUTH_FAILURE_LIMIT)).toEqual(Array(AUTH_FAILURE_LIMIT).fill(401))
    expect(statuses.slice(AUTH_FAILURE_LIMIT)).toEqual(Array(100 - AUTH_FAILURE_LIMIT).fill(429))

    const good = await rawHttp(run.port, { headers: [bearer(run.token)] })
    expect(good.status).toBe(200)
    expect(JSON.parse(good.body).did).toMatch(/^did:key:/)
    // Still limited for the next bad attempt: a success does not reset an attacker's window.
    expect((await rawHttp(run.port, { headers: [bearer('guess')] })).status).toBe(429)
    expect(run.backend.changes).toBe(0)
  })

  it('counts failures from concurrent requests too', async () => {
    run = await startTestServer({ authFailureDelayMs: 20 })
    const port = run.port
    const all = await Promise.all(Array.from({ length: 40 }, async () => await rawHttp(port, { headers: [bearer('guess')] })))
    const statuses = all.map(res => res.status)
    expect(statuses.filter(s => s === 401)).toHaveLength(AUTH_FAILURE_LIMIT)
    expect(statuses.filter(s => s === 429)).toHaveLength(40 - AUTH_FAILURE_LIMIT)
    expect((await rawHttp(port, { headers: [bearer(run.token)] })).status).toBe(200)
  })
})
