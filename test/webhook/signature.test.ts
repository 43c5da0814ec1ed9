import { createHmac, randomBytes } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { signWebhook, verifyWebhookSignature } from '../../src/webhook/index.ts'

const secret = randomBytes(32)
const now = 1_800_000_000_000
const ts = Math.floor(now / 1000)
const body = JSON.stringify({ id: 'e1', type: 'agreement:state', at: new Date(now).toISOString(), node: { did: 'did:key:z6Mk' }, data: { state: 'active' } })
const headers = (over: Record<string, string> = {}): Record<string, string> => ({
  'hearth-event-id': 'e1',
  'hearth-event-type': 'agreement:state',
  'hearth-timestamp': String(ts),
  'hearth-signature': signWebhook(secret, ts, body),
  ...over
})

describe('webhook signatures', () => {
  it('are v1=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>, as docs/webhook.md says', () => {
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')
    expect(signWebhook(secret, ts, body)).toBe(`v1=${expected}`)
    // the base64url text that `hearth webhook --show-secret` prints is the same key
    expect(signWebhook(secret.toString('base64url'), ts, body)).toBe(`v1=${expected}`)
  })

  it('verify with the secret, from a plain header object or a fetch Headers', () => {
    expect(verifyWebhookSignature(secret, headers(), body, { now })).toEqual({ ok: true, id: 'e1', type: 'agreement:state', timestamp: ts })
    expect(verifyWebhookSignature(secret.toString('base64url'), new Headers(headers()), Buffer.from(body), { now })).toMatchObject({ ok: true })
    // header names are case-insensitive
    const upper = Object.fromEntries(Object.entries(headers()).map(([k, v]) => [k.toUpperCase(), v]))
    expect(verifyWebhookSignature(secret, upper, body, { now })).toMatchObject({ ok: true })
  })

  it('fail for a tampered body, a tampered timestamp, another secret, or a missing header', () => {
    expect(verifyWebhookSignature(secret, headers(), body.replace('active', 'ended'), { now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyWebhookSignature(secret, headers(), body + ' ', { now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyWebhookSignature(secret, headers({ 'hearth-timestamp': String(ts - 1) }), body, { now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyWebhookSignature(randomBytes(32), headers(), body, { now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyWebhookSignature(secret, { ...headers(), 'hearth-signature': undefined }, body, { now })).toEqual({ ok: false, reason: 'no-signature' })
    expect(verifyWebhookSignature(secret, { ...headers(), 'hearth-timestamp': undefined }, body, { now })).toEqual({ ok: false, reason: 'no-timestamp' })
    expect(verifyWebhookSignature(secret, headers({ 'hearth-timestamp': '1e9' }), body, { now })).toEqual({ ok: false, reason: 'bad-timestamp' })
    expect(verifyWebhookSignature(secret, headers({ 'hearth-signature': 'v0=' + 'ab'.repeat(32) }), body, { now })).toEqual({ ok: false, reason: 'bad-signature' })
    expect(verifyWebhookSignature('', headers(), body, { now })).toEqual({ ok: false, reason: 'no-secret' })
  })

  it('refuse an old delivery replayed later (and one from the future) outside the tolerance', () => {
    expect(verifyWebhookSignature(secret, headers(), body, { now: now + 301_000 })).toEqual({ ok: false, reason: 'stale-timestamp' })
    expect(verifyWebhookSignature(secret, headers(), body, { now: now - 301_000 })).toEqual({ ok: false, reason: 'stale-timestamp' })
    expect(verifyWebhookSignature(secret, headers(), body, { now: now + 299_000 })).toMatchObject({ ok: true })
    expect(verifyWebhookSignature(secret, headers(), body, { now: now + 60_000, toleranceSeconds: 30 })).toEqual({ ok: false, reason: 'stale-timestamp' })
  })

  it('accept any one of several v1 values (a receiver rotating secrets)', () => {
    const both = `v1=${'00'.repeat(32)}, ${signWebhook(secret, ts, body)}`
    expect(verifyWebhookSignature(secret, headers({ 'hearth-signature': both }), body, { now })).toMatchObject({ ok: true })
  })

  it('fail for any change of any byte of the body', () => {
    const bytes = Buffer.from(body)
    fc.assert(fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const changed = Buffer.from(bytes)
      changed[at] = changed[at]! ^ xor
      return verifyWebhookSignature(secret, headers(), changed, { now }).ok === false
    }))
  })
})
