import { chmod, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import { describe, it, expect, onTestFinished } from 'vitest'
import { readWebhookSecret, retryDelay, verifyWebhookSignature, webhookSublevel, MAX_EVENT_BYTES } from '../../src/webhook/index.ts'
import { tempDir, waitFor } from '../fixtures/node.ts'
import { startReceiver } from './receiver.ts'
import { DID, setup } from './harness.ts'

describe('the webhook queue', () => {
  it('keeps what is queued when full, refuses and counts new events, says so once, and takes events again once drained', async () => {
    const crm = await startReceiver()
    await crm.down()
    const { bus, seen, webhook, stored } = await setup({ url: crm.url, maxQueued: 5 })
    for (let n = 0; n < 8; n++) bus.emit('agreement:state', { n })
    await waitFor('five events on disk', async () => (await stored()).length === 5)
    expect(webhook.status()).toMatchObject({ queued: 5, maxQueued: 5, full: true, refused: 3, delivered: 0 })
    expect(seen.filter(e => e.type === 'webhook:overflow')).toEqual([
      expect.objectContaining({ data: { queued: 5, maxQueued: 5, firstRefused: 'agreement:state' } })
    ])
    await expect(webhook.test()).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('full') })

    await crm.up()
    await waitFor('the five to arrive', () => webhook.status().delivered === 5)
    expect(crm.received.map(d => d.body.data.n)).toEqual([0, 1, 2, 3, 4])
    expect(await stored()).toEqual([])
    expect(webhook.status()).toMatchObject({ queued: 0, full: false })

    bus.emit('agreement:state', { n: 8 })
    await waitFor('the next event to arrive', () => webhook.status().delivered === 6)
    expect(crm.received.at(-1)!.body.data).toEqual({ n: 8 })
  })

  it('retries a 4xx and a redirect without dropping or following them; the failing head blocks the rest (FIFO)', async () => {
    const crm = await startReceiver()
    crm.answer = 400
    const { bus, webhook, seen } = await setup({ url: crm.url })
    bus.emit('agreement:state', { n: 1 })
    bus.emit('agreement:state', { n: 2 })
    await waitFor('three refused attempts', () => crm.received.length >= 3 && webhook.status().attempts >= 3)
    expect(new Set(crm.received.map(d => d.body.data.n))).toEqual(new Set([1])) // the second waits
    expect(webhook.status()).toMatchObject({ queued: 2, delivered: 0, lastError: expect.stringContaining('HTTP 400') })
    expect(webhook.status().attempts).toBeGreaterThanOrEqual(3)
    expect(webhook.status().nextAttemptAt).toBeGreaterThan(0)
    expect(seen.some(e => e.type === 'webhook:failed' && e.data.error === 'HTTP 400')).toBe(true)

    crm.answer = 302
    const before = crm.received.length
    await waitFor('an attempt answered 302', () => crm.received.length > before && webhook.status().lastError?.includes('302') === true)
    expect(webhook.status().lastError).toContain('redirects are not followed')

    crm.answer = 200
    await waitFor('both delivered', () => webhook.status().delivered === 2)
    const ids = crm.received.map(d => d.headers['hearth-event-id'])
    const first = crm.received.filter(d => d.body.data.n === 1)
    // every attempt of one event carries the same id and the same body bytes
    expect(new Set(first.map(d => d.headers['hearth-event-id'])).size).toBe(1)
    expect(new Set(first.map(d => d.raw.toString('hex'))).size).toBe(1)
    expect(crm.received.filter(d => d.body.data.n === 2)).toHaveLength(1)
    expect(ids.at(-1)).not.toBe(ids[0])
    expect(webhook.status()).toMatchObject({ queued: 0, attempts: 0, nextAttemptAt: null })
  })

  it('gives up an attempt after timeoutMs and tries again', async () => {
    // accepts the connection, never answers
    const sockets = new Set<Socket>()
    const silent = createServer(socket => { sockets.add(socket) })
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', () => { resolve() }))
    onTestFinished(async () => {
      for (const s of sockets) s.destroy()
      await new Promise(resolve => silent.close(resolve))
    })
    const { bus, webhook } = await setup({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, timeoutMs: 200 })
    bus.emit('agreement:state', { n: 1 })
    await waitFor('two timed-out attempts', () => webhook.status().attempts >= 2)
    expect(webhook.status()).toMatchObject({ queued: 1, lastError: expect.stringContaining('no answer within 200 ms') })
  })

  it('forwards only the configured type prefixes, signs with a 0600 secret, and refuses an oversized event', async () => {
    const crm = await startReceiver()
    const { bus, webhook, secretPath } = await setup({ url: crm.url, events: ['agreement:state', 'market:'] })
    expect((await stat(secretPath)).mode & 0o777).toBe(0o600)
    const secret = await readWebhookSecret(secretPath)
    bus.emit('peer:connect', { peerId: 'x' })
    bus.emit('agreement:message', { n: 0 })
    bus.emit('market:intent', { n: 1 })
    bus.emit('agreement:state', { n: 2 })
    bus.emit('agreement:state', { big: 'x'.repeat(MAX_EVENT_BYTES) })
    const test = await webhook.test()
    expect(test).toMatchObject({ type: 'webhook:test' })
    await waitFor('three delivered', () => webhook.status().delivered === 3)
    expect(crm.received.map(d => d.body.type)).toEqual(['market:intent', 'agreement:state', 'webhook:test'])
    expect(crm.received.at(-1)!.body.id).toBe(test.id)
    for (const d of crm.received) {
      expect(verifyWebhookSignature(secret, d.headers, d.raw)).toMatchObject({ ok: true, id: d.body.id, type: d.body.type })
      expect(d.headers['content-type']).toBe('application/json')
      expect(d.body.node).toEqual({ did: DID })
    }
    expect(webhook.status()).toMatchObject({ refused: 1, lastError: expect.stringContaining(`over the ${MAX_EVENT_BYTES}-byte limit`) })
  })

  it('deletes queued events carrying an intent when the intent is withdrawn or expires (PDC-INTENT), even across a restart', async () => {
    const crm = await startReceiver()
    await crm.down()
    const dir = await tempDir('hearth-webhook-')
    const first = await setup({ url: crm.url }, dir)
    const intent = (id: string) => ({ intentId: id, intent: { what: `secret wish ${id}`, category: 'bicycles' } })
    first.bus.emit('market:intent', intent('i1'))
    first.bus.emit('market:intent', intent('i2'))
    first.bus.emit('agreement:state', { n: 1 })
    await waitFor('a failed attempt', () => first.webhook.status().attempts >= 1)
    await waitFor('three on disk', async () => (await first.stored()).length === 3)
    await first.webhook.stop()
    await first.store.close()

    const again = await setup({ url: crm.url }, dir)
    again.bus.emit('market:intent-updated', intent('i1'))
    again.bus.emit('market:intent-removed', { intentId: 'i1', reason: 'withdrawn' })
    await waitFor('i1 purged', () => again.webhook.status().purged === 2)
    const bodies = (await again.store.entries<{ body: string }>(webhookSublevel(again.store), { gt: 'q!', lt: 'q"' })).map(([, v]) => v.body)
    expect(bodies).toHaveLength(3)
    expect(bodies.join('\n')).not.toContain('secret wish i1')
    expect(again.webhook.status().queued).toBe(3)

    await crm.up()
    await waitFor('the rest delivered', () => again.webhook.status().queued === 0)
    expect(crm.received.map(d => [d.body.type, d.body.data.intentId ?? null])).toEqual([
      ['market:intent', 'i2'], ['agreement:state', null], ['market:intent-removed', 'i1']
    ])
  })

  it('is off with a null url: nothing is queued, no secret is made, and a test event is refused', async () => {
    const { bus, webhook, secretPath, stored } = await setup({ url: null })
    bus.emit('agreement:state', { n: 1 })
    await expect(webhook.test()).rejects.toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('off') })
    expect(webhook.status()).toMatchObject({ url: null, queued: 0 })
    expect(await stored()).toEqual([])
    await expect(stat(secretPath)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('the webhook secret', () => {
  it('is refused at start when others can read it, or when it is not 32 bytes', async () => {
    const dir = await tempDir('hearth-webhook-')
    await writeFile(join(dir, 'webhook.key'), Buffer.alloc(32, 1), { mode: 0o600 })
    await chmod(join(dir, 'webhook.key'), 0o644)
    await expect(setup({ url: 'https://crm.example/' }, dir)).rejects.toMatchObject({ code: 'INSECURE_PERMISSIONS' })
    const other = await tempDir('hearth-webhook-')
    await writeFile(join(other, 'webhook.key'), 'short', { mode: 0o600 })
    await expect(setup({ url: 'https://crm.example/' }, other)).rejects.toMatchObject({ code: 'CORRUPT_KEYSTORE', message: expect.stringContaining('exactly 32 bytes') })
  })
})

describe('the retry schedule', () => {
  it('doubles from 1 s to at most 5 min, less up to 20% jitter', () => {
    expect([1, 2, 3, 4, 9, 10, 50].map(n => retryDelay(n, undefined, undefined, 0))).toEqual([1_000, 2_000, 4_000, 8_000, 256_000, 300_000, 300_000])
    expect(retryDelay(1, undefined, undefined, 1)).toBe(800)
    expect(retryDelay(20, undefined, undefined, 1)).toBe(240_000)
    for (let i = 0; i < 100; i++) {
      const d = retryDelay(3)
      expect(d).toBeGreaterThanOrEqual(3_200)
      expect(d).toBeLessThanOrEqual(4_000)
    }
  })
})
