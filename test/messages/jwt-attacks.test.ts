/**
 * The bad JWTs of security research B.2 (items 22-41), each refused with its own wire code.
 * Item 40 (replays) is in replay-guard.test.ts.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { didKeyFromPublicKey } from '../../src/identity/index.ts'
import { verifyMessage } from '../../src/messages/index.ts'
import type { WireCode } from '../../src/messages/index.ts'
import { encodeBase64url } from '../../src/messages/codec.ts'
import { encodeToken, headerFor } from '../../src/messages/sign.ts'
import { NOW, claims, mallory, recipient, segments, signer, token, wireError } from './helpers.ts'

const IAT = NOW / 1000
const DAY = 86_400
const policy = { kinds: ['vrm.AgreementProposal' as const], audience: recipient.did, now: NOW }
const refuse = (jwt: string, wire: WireCode): void => { expect(() => verifyMessage(jwt, policy)).toThrow(wireError(wire)) }
const kid = headerFor(signer.did, 'vrm.AgreementProposal').kid
const header = (over: Record<string, unknown>): Record<string, unknown> => ({ alg: 'EdDSA', typ: 'vrm.AgreementProposal', kid, ...over })
const withClaims = (over: Record<string, unknown>): string => token({ claims: claims('vrm.AgreementProposal', over) })
const good = token()
const [h, p, s] = segments(good)

describe('security research B.2: bad JWTs', () => {
  it('22: alg none with an empty signature', () => {
    refuse(`${segments(token({ header: header({ alg: 'none' }) }))[0]}.${p}.`, 'UNSUPPORTED_ALG')
  })

  it('23: HS256 keyed with the sender\'s public key', () => {
    const hh = encodeBase64url(JSON.stringify(header({ alg: 'HS256' })))
    const mac = createHmac('sha256', signer.publicKey).update(`${hh}.${p}`).digest()
    refuse(`${hh}.${p}.${encodeBase64url(mac)}`, 'UNSUPPORTED_ALG')
  })

  it.each(['ES256K', 'ES256K-R', 'Ed25519', 'ES256', 'EDDSA'])('24: alg %s on an Ed25519 DID', (alg) => {
    refuse(token({ header: header({ alg }) }), 'UNSUPPORTED_ALG')
  })

  it('25: no exp', () => refuse(withClaims({ exp: undefined }), 'BAD_CLAIM'))

  it('26: exp in milliseconds (13 digits)', () => refuse(withClaims({ exp: NOW + 3600_000 }), 'LIFETIME_TOO_LONG'))

  it('27: exp = now - skew - 1, and exp a year ahead', () => {
    refuse(withClaims({ iat: IAT - DAY, exp: IAT - 121 }), 'EXPIRED')
    expect(() => verifyMessage(withClaims({ iat: IAT - DAY, exp: IAT - 119 }), policy)).not.toThrow()
    refuse(withClaims({ exp: IAT + 365 * DAY }), 'LIFETIME_TOO_LONG')
  })

  it('28: nbf in the past with iat a day ahead (nbf is not a claim we allow; iat is checked on its own)', () => {
    refuse(token({ claims: { ...claims('vrm.AgreementProposal', { iat: IAT + DAY, exp: IAT + 2 * DAY }), nbf: IAT - DAY } }), 'BAD_CLAIM')
    refuse(withClaims({ iat: IAT + DAY, exp: IAT + 2 * DAY }), 'NOT_YET_VALID')
  })

  it('29: aud missing, another DID, or an array that contains ours', () => {
    refuse(withClaims({ aud: undefined }), 'WRONG_AUDIENCE')
    refuse(withClaims({ aud: mallory.did }), 'WRONG_AUDIENCE')
    refuse(withClaims({ aud: [recipient.did] }), 'WRONG_AUDIENCE')
    refuse(withClaims({ aud: [recipient.did, mallory.did] }), 'WRONG_AUDIENCE')
  })

  it('30: kid of another DID, of a key-agreement key, or missing', () => {
    refuse(token({ header: header({ kid: headerFor(mallory.did, 'vrm.AgreementProposal').kid }) }), 'BAD_KID')
    refuse(token({ header: header({ kid: `${signer.did}#z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc` }) }), 'BAD_KID')
    refuse(token({ header: header({ kid: signer.did }) }), 'BAD_KID')
    refuse(token({ header: { alg: 'EdDSA', typ: 'vrm.AgreementProposal' } }), 'BAD_KID')
  })

  it.each(['did:web:attacker.example', 'did:web:127.0.0.1%3A5001', 'did:peer:0z6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX'])('31: iss %s is refused without any resolution', (iss) => {
    // verifyMessage is synchronous: it cannot have fetched anything
    refuse(token({ header: header({ kid: `${iss}#key-1` }), claims: claims('vrm.AgreementProposal', { iss }) }), 'BAD_ISSUER')
  })

  it.each(['?service=x', '#other', '/path', ';p=1'])('32: iss with %s appended', (tail) => {
    refuse(withClaims({ iss: signer.did + tail }), 'BAD_ISSUER')
  })

  it('33: a token of another kind (an Ack, or another protocol\'s intent)', () => {
    refuse(token({ kind: 'vrm.Ack' }), 'WRONG_KIND')
    refuse(token({ header: header({ typ: 'vrm.Intent' }) }), 'WRONG_KIND')
    refuse(token({ header: header({ typ: 'JWT' }) }), 'WRONG_KIND')
  })

  it('34: crit ["b64"] with b64 false', () => refuse(token({ header: header({ crit: ['b64'], b64: false }) }), 'BAD_HEADER'))

  it('35: cty JWT with a nested token', () => {
    refuse(token({ header: header({ cty: 'JWT' }), claims: { ...claims(), jwt: good } }), 'BAD_HEADER')
  })

  it.each(['jku', 'x5u', 'jwk', 'x5c', 'zip'])('35: header parameter %s', (k) => refuse(token({ header: header({ [k]: 'x' }) }), 'BAD_HEADER'))

  it('36: duplicate alg keys in the header', () => {
    refuse(token({ header: `{"alg":"EdDSA","alg":"EdDSA","typ":"vrm.AgreementProposal","kid":"${kid}"}` }), 'MALFORMED')
    refuse(token({ claims: JSON.stringify(claims()).replace('"seq":1', '"seq":1,"seq":2') }), 'MALFORMED')
  })

  it.each([
    ['padding', `${h}.${p}.${s}==`],
    ['+ and /', `${h}.${p}.${s.slice(0, -2)}+/`],
    ['a space', `${h}.${p} .${s}`],
    ['a newline', `${h}\n.${p}.${s}`],
    ['a trailing dot', `${good}.`],
    ['four segments', `${good}.${s}`],
    ['two segments', `${h}.${p}`],
    ['whitespace inside the JSON', token({ claims: JSON.stringify(claims(), null, 1) })]
  ])('37: %s', (_name, jwt) => refuse(jwt, 'MALFORMED'))

  it('38: signatures of 63 and 65 bytes, all zeros, and S + L', () => {
    const sig = Buffer.from(s, 'base64url')
    refuse(`${h}.${p}.${encodeBase64url(sig.subarray(0, 63))}`, 'BAD_SIGNATURE')
    refuse(`${h}.${p}.${encodeBase64url(Buffer.concat([sig, Buffer.from([0])]))}`, 'BAD_SIGNATURE')
    refuse(`${h}.${p}.${encodeBase64url(new Uint8Array(64))}`, 'BAD_SIGNATURE')
    const L = 2n ** 252n + 27742317777372353535851937790883648493n
    const sPlusL = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex')) + L
    const malleated = Buffer.concat([sig.subarray(0, 32), Buffer.from(sPlusL.toString(16).padStart(64, '0'), 'hex').reverse()])
    refuse(`${h}.${p}.${encodeBase64url(malleated)}`, 'BAD_SIGNATURE')
  })

  it('38: a small-order public key with the matching trivial signature', () => {
    // the identity point (y = 1): under lax verification R = identity, S = 0 verifies any message
    const identity = new Uint8Array(32)
    identity[0] = 1
    const iss = didKeyFromPublicKey(identity)
    const hh = encodeBase64url(JSON.stringify(headerFor(iss, 'vrm.AgreementProposal')))
    const pp = encodeBase64url(JSON.stringify(claims('vrm.AgreementProposal', { iss })))
    refuse(`${hh}.${pp}.${encodeBase64url(Buffer.concat([identity, new Uint8Array(32)]))}`, 'BAD_SIGNATURE')
  })

  it('39: the same signature with different unused trailing bits', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(s.at(-1)!)
    for (const bits of [1, 2, 3, 15]) {
      const twin = `${h}.${p}.${s.slice(0, -1)}${alphabet[(last & ~15) | ((last & 15) ^ bits)]}`
      expect(Buffer.from(segments(twin)[2], 'base64url')).toEqual(Buffer.from(s, 'base64url'))
      refuse(twin, 'MALFORMED')
    }
  })

  it('41: a 1 MB token, header or payload is refused before decoding', () => {
    const mb = 'A'.repeat(1 << 20)
    refuse(mb, 'TOO_LARGE')
    refuse(`${mb}.${p}.${s}`, 'TOO_LARGE')
    refuse(`${h}.${mb}.${s}`, 'TOO_LARGE')
    refuse(encodeToken(signer, header({}), { ...claims(), body: { pad: 'x'.repeat(70_000) } }), 'TOO_LARGE')
    refuse('€'.repeat(40_000), 'TOO_LARGE')
  })
})
