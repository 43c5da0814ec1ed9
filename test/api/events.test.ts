import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { DEFAULT_EVENT_LIMITS, formatEvent } from '../../src/api/events.ts'
import { bearer, buildRequest, rawHttp, startTestServer } from './harness.ts'
import type { Running } from './harness.ts'

let run: Running | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await run?.close()
  run = undefined
})

const until = async (check: () => boolean, ms = 3000): Promise<void> => {
  for (const t0 = Date.now(); !check() && Date.now() - t0 < ms;) await new Promise(resolve => setTimeout(resolve, 10))
  expect(check()).toBe(true)
}

/** A raw socket that has sent GET /v1/events; `text()` is everything received so far. */
function openStream (r: Running, headers: Array<[string, string]>): { socket: Socket, text: () => string } {
  let received = ''
  const socket = connect({ host: '127.0.0.1', port: r.port })
  sockets.push(socket)
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  socket.write(buildRequest(r.port, { path: '/v1/events', headers }).replace('Connection: close\r\n', ''))
  return { socket, text: () => received }
}

describe('GET /v1/events (SSE)', () => {
  it('delivers events in order to a client with the token', async () => {
    run = await startTestServer()
    const r = run
    const res = await fetch(`${r.url}/v1/events`, { headers: { authorization: `Bearer ${r.token}` } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect([...res.headers.keys()].filter(k => k.startsWith('access-control-'))).toEqual([])
    await until(() => r.backend.listeners.size === 1)
    const first = r.backend.emit('peer:connect', { peerId: 'A' })
    const second = r.backend.emit('contact:update', { did: 'did:key:zB', line: 'two\nlines' })

    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    while ((text.match(/\n\n/g) ?? []).length < 3) {
      const { value, done } = await reader.read()
      if (done) break
      text += value
    }
    const messages = text.split('\n\n').filter(m => m !== '')
    expect(messages[0]).toBe(`retry: ${DEFAULT_EVENT_LIMITS.retryMs}`)
    expect(messages[1]).toBe(`id: ${first.id}\nevent: peer:connect\ndata: ${JSON.stringify(first)}`)
    expect(messages[2]).toBe(`id: ${second.id}\nevent: contact:update\ndata: ${JSON.stringify(second)}`)

    await reader.cancel()
    await until(() => r.backend.listeners.size === 0) // unsubscribed on client close
  })

  it('refuses a client without the token (401) or from a foreign Origin (403)', async () => {
    run = await startTestServer()
    const noToken = await rawHttp(run.port, { path: '/v1/events' })
    expect(noToken.status).toBe(401)
    const foreign = await rawHttp(run.port, { path: '/v1/events', headers: [bearer(run.token), ['Origin', 'http://evil.example']] })
    expect(foreign.status).toBe(403)
    expect(foreign.headers['content-type']).toMatch(/^application\/json/)
    expect(run.backend.listeners.size).toBe(0)
  })

  it(`caps concurrent streams at ${DEFAULT_EVENT_LIMITS.maxClients} (503), freeing a slot when one closes`, async () => {
    run = await startTestServer()
    const r = run
    const streams = Array.from({ length: DEFAULT_EVENT_LIMITS.maxClients }, () => openStream(r, [bearer(r.token)]))
    await until(() => r.backend.listeners.size === DEFAULT_EVENT_LIMITS.maxClients)
    const refused = await rawHttp(r.port, { path: '/v1/events', headers: [bearer(r.token)] })
    expect(refused.status).toBe(503)
    expect(JSON.parse(refused.body).error.code).toBe('INTERNAL')

    streams[0]?.socket.destroy()
    await until(() => r.backend.listeners.size === DEFAULT_EVENT_LIMITS.maxClients - 1)
    const another = openStream(r, [bearer(r.token)])
    await until(() => another.text().startsWith('HTTP/1.1 200'))
  })

  it('frees the slot of clients that vanish before their stream starts', async () => {
    run = await startTestServer()
    const r = run
    for (let i = 0; i < DEFAULT_EVENT_LIMITS.maxClients + 4; i++) {
      const gone = openStream(r, [bearer(r.token)])
      gone.socket.destroy()
    }
    await new Promise(resolve => setTimeout(resolve, 100))
    await until(() => r.backend.listeners.size === 0)
    const stream = openStream(r, [bearer(r.token)])
    await until(() => stream.text().startsWith('HTTP/1.1 200'))
    expect(r.backend.listeners.size).toBe(1)
  })

  it('drops a client that stops reading instead of buffering without bound', async () => {
    run = await startTestServer()
    const r = run
    const stalled = openStream(r, [bearer(r.token)])
    await until(() => r.backend.listeners.size === 1)
    stalled.socket.pause()
    const big = 'x'.repeat(64 * 1024)
    for (let i = 0; i < 400 && r.backend.listeners.size > 0; i++) {
      r.backend.emit('test:big', { big })
      await new Promise(resolve => setImmediate(resolve))
    }
    await until(() => r.backend.listeners.size === 0)
  })

  it('does not hold stop() open', async () => {
    run = await startTestServer()
    const r = run
    openStream(r, [bearer(r.token)])
    await until(() => r.backend.listeners.size === 1)
    const t0 = performance.now()
    await r.server.stop()
    expect(performance.now() - t0).toBeLessThan(1000)
    await until(() => r.backend.listeners.size === 0)
  })

  it('skips events that cannot be framed safely', () => {
    expect(formatEvent({ id: 1, type: 'evil\nevent: x', at: 0, data: {} })).toBe('')
    expect(formatEvent({ id: 1.5, type: 'ok', at: 0, data: {} })).toBe('')
    expect(formatEvent({ id: 2, type: 'ok', at: 0, data: { n: 10n } })).toBe('')
    expect(formatEvent({ id: 3, type: 'peer:connect', at: 5, data: { a: 'b\r\nc' } }))
      .toBe('id: 3\nevent: peer:connect\ndata: {"id":3,"type":"peer:connect","at":5,"data":{"a":"b\\r\\nc"}}\n\n')
  })
})
