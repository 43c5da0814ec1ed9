/**
 * Stripe-style webhook signatures (docs/webhook.md "Verifying a delivery"):
 *   Hearth-Signature: v1=<hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)>
 * The timestamp is inside the MAC so a receiver can refuse an old delivery replayed later;
 * the raw body bytes (not a re-serialisation) are signed, so any change to them breaks it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_VERSION = 'v1'
export const DEFAULT_TOLERANCE_SECONDS = 300
export const WEBHOOK_SECRET_BYTES = 32

export const HEADER_ID = 'hearth-event-id'
export const HEADER_TYPE = 'hearth-event-type'
export const HEADER_TIMESTAMP = 'hearth-timestamp'
export const HEADER_SIGNATURE = 'hearth-signature'

const toBytes = (body: string | Uint8Array): Buffer => typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)

/** The secret as bytes: `hearth webhook --show-secret` prints it base64url. */
function secretBytes (secret: string | Uint8Array): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret.trim(), 'base64url') : Buffer.from(secret)
}

function mac (secret: Buffer, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest()
}

/** The Hearth-Signature header value for one attempt. */
export function signWebhook (secret: string | Uint8Array, timestamp: number, rawBody: string | Uint8Array): string {
  return `${SIGNATURE_VERSION}=${mac(secretBytes(secret), String(timestamp), toBytes(rawBody)).toString('hex')}`
}

export type HeaderBag = Headers | Record<string, string | string[] | undefined>

function header (headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const bag = headers as Record<string, string | string[] | undefined>
  const key = Object.keys(bag).find(k => k.toLowerCase() === name)
  const v = key === undefined ? undefined : bag[key]
  return Array.isArray(v) ? v.join(',') : v
}

export type VerifyFailure = 'no-signature' | 'no-timestamp' | 'bad-timestamp' | 'stale-timestamp' | 'bad-signature' | 'no-secret'
export type WebhookVerification =
  | { ok: true, id: string | undefined, type: string | undefined, timestamp: number }
  | { ok: false, reason: VerifyFailure }

/**
 * For receivers and tests: checks Hearth-Signature over Hearth-Timestamp and the exact body
 * bytes received, in constant time, and refuses a timestamp further than `toleranceSeconds`
 * (default 300) from now. Several `v1=` values (comma separated) are accepted, any one may match.
 */
export function verifyWebhookSignature (
  secret: string | Uint8Array,
  headers: HeaderBag,
  rawBody: string | Uint8Array,
  options: { toleranceSeconds?: number, now?: number } = {}
): WebhookVerification {
  const key = secretBytes(secret)
  if (key.length === 0) return { ok: false, reason: 'no-secret' }
  const signature = header(headers, HEADER_SIGNATURE)
  if (signature === undefined || signature === '') return { ok: false, reason: 'no-signature' }
  const ts = header(headers, HEADER_TIMESTAMP)
  if (ts === undefined || ts === '') return { ok: false, reason: 'no-timestamp' }
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad-timestamp' }
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000)
  if (Math.abs(nowSeconds - Number(ts)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale-timestamp' }
  const expected = mac(key, ts, toBytes(rawBody))
  let match = false
  for (const part of signature.split(',')) {
    const [version, hex] = part.trim().split('=', 2)
    if (version !== SIGNATURE_VERSION || hex === undefined || !/^[0-9a-f]{64}$/i.test(hex)) continue
    // no early exit: every candidate is compared, in constant time
    if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) match = true
  }
  if (!match) return { ok: false, reason: 'bad-signature' }
  return { ok: true, id: header(headers, HEADER_ID), type: header(headers, HEADER_TYPE), timestamp: Number(ts) }
}
