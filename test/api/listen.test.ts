import { connect, createServer } from 'node:net'
import { networkInterfaces } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { bearer, rawHttp, startTestServer } from './harness.ts'
import type { Running } from './harness.ts'

let run: Running | undefined
afterEach(async () => { await run?.close(); run = undefined })

/** Whether this machine can listen on ::1 at all (CI containers sometimes cannot). */
const hasIpv6Loopback = await new Promise<boolean>(resolve => {
  const probe = createServer()
  probe.once('error', () => { resolve(false) })
  probe.listen(0, '::1', () => { probe.close(() => { resolve(true) }) })
})

const dial = async (host: string, port: number): Promise<string> => await new Promise(resolve => {
  const socket = connect({ host, port })
  socket.once('connect', () => { socket.destroy(); resolve('connected') })
  socket.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? 'error') })
})

describe('loopback binding', () => {
  it.skipIf(!hasIpv6Loopback)('serves ::1 on the same port, with the same checks', async () => {
    run = await startTestServer()
    const ok = await rawHttp(run.port, { host: `[::1]:${run.port}`, headers: [bearer(run.token)] }, '::1')
    expect(ok.status).toBe(200)
    expect(ok.headers['x-content-type-options']).toBe('nosniff')
    expect((await rawHttp(run.port, { host: 'evil.example', headers: [bearer(run.token)] }, '::1')).status).toBe(403)
    expect((await rawHttp(run.port, { host: `[::1]:${run.port}` }, '::1')).status).toBe(401)
    expect((await rawHttp(run.port, { host: `[::1]:${run.port}`, headers: [bearer(run.token), ['X-Pad', 'p'.repeat(9000)]] }, '::1')).status).toBe(431)
  })

  it.skipIf(!hasIpv6Loopback)('closes ::1 streams and stops listening there at stop()', async () => {
    run = await startTestServer()
    const r = run
    const socket = connect({ host: '::1', port: r.port })
    socket.on('error', () => {})
    socket.write(`GET /v1/events HTTP/1.1\r\nHost: [::1]:${r.port}\r\nAuthorization: Bearer ${r.token}\r\n\r\n`)
    for (let i = 0; i < 300 && r.backend.listeners.size === 0; i++) await new Promise(resolve => setTimeout(resolve, 10))
    expect(r.backend.listeners.size).toBe(1)
    const t0 = performance.now()
    await r.server.stop()
    expect(performance.now() - t0).toBeLessThan(1000)
    for (let i = 0; i < 300 && r.backend.listeners.size > 0; i++) await new Promise(resolve => setTimeout(resolve, 10))
    expect(r.backend.listeners.size).toBe(0)
    expect(await dial('::1', r.port)).not.toBe('connected')
    expect(await dial('127.0.0.1', r.port)).not.toBe('connected')
  })

  it('never listens on a non-loopback interface', async () => {
    run = await startTestServer()
    const external = Object.values(networkInterfaces()).flat()
      .flatMap(a => (a === undefined || a.internal ? [] : [a.address]))
    for (const address of external) {
      expect(await dial(address, run.port), address).not.toBe('connected')
    }
  })
})
