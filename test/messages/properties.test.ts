/**
 * Properties (STYLE.md 16): any one-byte change to a signed message fails verification, and
 * nothing a peer can send makes verifyMessage throw anything but INVALID_MESSAGE.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isHearthError } from '../../src/errors.ts'
import { KINDS, signMessage, verifyMessage } from '../../src/messages/index.ts'
import { AGREEMENT_ID, NOW, SAMPLE_BODIES, recipient, signer } from './helpers.ts'

const policy = { kinds: KINDS, audience: recipient.did, now: NOW }
const { jwt } = signMessage(signer, {
  kind: 'vrm.AgreementProposal', aud: recipient.did, thread: AGREEMENT_ID, prev: null, seq: 1, body: SAMPLE_BODIES['vrm.AgreementProposal'], now: NOW, ttlSeconds: 600
})
const bytes = Buffer.from(jwt, 'latin1')

/** What verifying `token` throws; fails the property on success or on anything but INVALID_MESSAGE. */
function refusal (token: string): string {
  try {
    verifyMessage(token, policy)
  } catch (err) {
    if (!isHearthError(err, 'INVALID_MESSAGE')) throw new Error(`threw a non-HearthError: ${String(err)}`)
    return (err.details as { wire: string }).wire
  }
  throw new Error('accepted')
}

describe('verifyMessage properties', () => {
  it('the unmodified token verifies (so the properties below test something)', () => {
    expect(verifyMessage(jwt, policy).payload.iss).toBe(signer.did)
  })

  it('any one-byte change fails verification with a wire code', () => {
    fc.assert(fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), (i, delta) => {
      const changed = Buffer.from(bytes)
      changed[i] = (changed[i]! + delta) % 256
      expect(typeof refusal(changed.toString('latin1'))).toBe('string')
    }), { numRuns: 3000 })
  })

  it('every single byte changed to every other printable character fails (exhaustive over one segment boundary)', () => {
    const dot = jwt.indexOf('.')
    for (let i = dot - 2; i <= dot + 2; i++) {
      for (let c = 0x20; c < 0x7f; c++) {
        if (c === jwt.charCodeAt(i)) continue
        refusal(jwt.slice(0, i) + String.fromCharCode(c) + jwt.slice(i + 1))
      }
    }
  })

  it.each([
    ['printable strings', fc.string()],
    ['any code points', fc.string({ unit: 'binary' })],
    ['strings of base64url, dots and padding', fc.array(fc.constantFrom('a', 'Z', '0', '-', '_', '.', '='), { maxLength: 200 }).map(a => a.join(''))]
  ])('arbitrary %s are refused with INVALID_MESSAGE and nothing else', (_name, strings) => {
    fc.assert(fc.property(strings, (s) => { refusal(s) }), { numRuns: 1000 })
  })

  it('arbitrary JSON in the header and payload segments is refused with INVALID_MESSAGE', () => {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v) ?? '', 'utf8').toString('base64url')
    const [h, p, s] = jwt.split('.') as [string, string, string]
    fc.assert(fc.property(fc.jsonValue(), fc.boolean(), (v, inHeader) => {
      refusal(inHeader ? `${b64(v)}.${p}.${s}` : `${h}.${b64(v)}.${s}`)
    }), { numRuns: 1000 })
  })

  it('non-string input is refused the same way', () => {
    for (const x of [undefined, null, 1, {}, [], Buffer.from(jwt)]) expect(refusal(x as unknown as string)).toBe('MALFORMED')
  })
})
