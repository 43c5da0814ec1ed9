/**
 * Properties: any one-byte change to a signed intentcast message fails verification, and nothing
 * a peer can send (strings, bytes, validly signed tokens with any body) makes verifyIntentcast
 * throw anything but INVALID_MESSAGE.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isHearthError } from '../../src/errors.ts'
import { encodeToken } from '../../src/messages/sign.ts'
import { INTENTCAST_KINDS, intentcastHeader, verifyIntentcast } from '../../src/intentcast/wire.ts'
import type { IntentcastKind } from '../../src/intentcast/wire.ts'
import { claims, INTENT_JWT, IAT, NOW, person, SAMPLE_BODIES, vendor } from './helpers.ts'

const policy = { kinds: INTENTCAST_KINDS, now: NOW }
const bytes = Buffer.from(INTENT_JWT, 'latin1')

function refusal (input: string | Uint8Array, p: Parameters<typeof verifyIntentcast>[1] = policy): string {
  try {
    verifyIntentcast(input, p)
  } catch (err) {
    if (!isHearthError(err, 'INVALID_MESSAGE')) throw new Error(`threw something else: ${String(err)}`)
    return (err.details as { wire: string }).wire
  }
  throw new Error('accepted')
}

describe('verifyIntentcast properties', () => {
  it('the unmodified token verifies (so the properties below test something)', () => {
    expect(verifyIntentcast(INTENT_JWT, policy).kind).toBe('vrm.Intent')
  })

  it('any one-byte change fails, as a string and as gossipsub bytes', () => {
    fc.assert(fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, delta) => {
      const changed = Buffer.from(bytes)
      changed[i] = (changed[i]! + delta) % 256
      refusal(changed.toString('latin1'))
      refusal(Uint8Array.from(changed))
    }), { numRuns: 2000 })
  })

  it.each([
    ['printable strings', fc.string()],
    ['any code points', fc.string({ unit: 'binary' })],
    ['base64url, dots and padding', fc.array(fc.constantFrom('a', 'Z', '0', '-', '_', '.', '='), { maxLength: 200 }).map(a => a.join(''))]
  ])('arbitrary %s are refused with INVALID_MESSAGE only', (_name, strings) => {
    fc.assert(fc.property(strings, (s) => { refusal(s) }), { numRuns: 1000 })
  })

  it('arbitrary bytes are refused with INVALID_MESSAGE only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => { refusal(b) }), { numRuns: 1000 })
  })

  it('validly signed tokens with any JSON body are refused with INVALID_MESSAGE only', () => {
    fc.assert(fc.property(fc.constantFrom(...INTENTCAST_KINDS), fc.jsonValue(), (kind: IntentcastKind, body) => {
      const key = kind === 'vrm.Offer' ? vendor : person
      const jwt = encodeToken(key, intentcastHeader(key.did, kind), claims(kind, { body }))
      refusal(jwt)
    }), { numRuns: 1000 })
  })

  it('validly signed tokens with sample bodies mutated field by field never throw anything else', () => {
    // each field replaced by an arbitrary JSON value (or removed): accepted or INVALID_MESSAGE
    fc.assert(fc.property(fc.constantFrom(...INTENTCAST_KINDS), fc.nat(), fc.option(fc.jsonValue()), (kind: IntentcastKind, n, value) => {
      const sample = SAMPLE_BODIES[kind] as unknown as Record<string, unknown>
      const fields = Object.keys(sample)
      const field = fields[n % fields.length]!
      const body = { ...sample, [field]: value ?? undefined }
      const key = kind === 'vrm.Offer' ? vendor : person
      const jwt = encodeToken(key, intentcastHeader(key.did, kind), claims(kind, { body }))
      try {
        verifyIntentcast(jwt, policy)
      } catch (err) {
        if (!isHearthError(err, 'INVALID_MESSAGE')) throw err
      }
    }), { numRuns: 2000 })
  })

  it('claims of any JSON value are refused with INVALID_MESSAGE only', () => {
    fc.assert(fc.property(fc.constantFrom('iss', 'aud', 'iat', 'exp', 'jti', 'body'), fc.jsonValue(), (claim, value) => {
      const jwt = encodeToken(person, intentcastHeader(person.did, 'vrm.Intent'), claims('vrm.Intent', { [claim]: value, iat: claim === 'iat' ? value : IAT }))
      try {
        verifyIntentcast(jwt, policy)
      } catch (err) {
        if (!isHearthError(err, 'INVALID_MESSAGE')) throw err
      }
    }), { numRuns: 1000 })
  })
})
