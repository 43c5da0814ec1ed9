import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import { encodeToken } from '../../src/messages/sign.ts'
import { deriveIntentKeys, newIntentLabel } from '../../src/intentcast/keys.ts'
import { encodeX25519PublicKey } from '../../src/intentcast/seal.ts'
import type { IntentBody, OfferBody, OfferResponseBody } from '../../src/intentcast/types.ts'
import {
  compareDecimal, intentcastHeader, MAX_INTENT_LIFETIME_SECONDS, MAX_INTENTCAST_MESSAGE_BYTES, signIntentcast, verifyIntentcast
} from '../../src/intentcast/wire.ts'
import type { IntentcastKind } from '../../src/intentcast/wire.ts'
import { fixedId, INTENT_ID, PDC_INTENT, SAMPLE_BODIES, wireOf } from './helpers.ts'

/**
 * signIntentcast and verifyIntentcast with real keys at the real time: every kind round-trips,
 * and each cross-field rule and bad input of protocols/intentcast/README.md section 2 is refused
 * with its wire code, by the signer (nothing wrong is ever sent) and by the receiver.
 */
const NOW = Date.now()
const NOW_S = Math.floor(NOW / 1000)
const DAY = 86_400
const iso = (s: number): string => new Date(s * 1000).toISOString()
const master = Uint8Array.from({ length: 32 }, (_, i) => i)
const her = deriveIntentKeys(master, newIntentLabel())
const vendor = ed25519FromSeed(new Uint8Array(32).fill(0x42))
const mallory = ed25519FromSeed(new Uint8Array(32).fill(0x43))
const herDid = ed25519FromSeed(new Uint8Array(32).fill(0x44)).did

const exp = NOW_S + 7 * DAY
const intent = (over: Partial<IntentBody> = {}): IntentBody => ({
  intentId: INTENT_ID,
  seq: 1,
  what: 'A city bicycle for commuting, 56 cm frame',
  category: 'bicycles',
  budget: { max: '300', currency: 'EUR' },
  terms: PDC_INTENT,
  replyKey: encodeX25519PublicKey(her.reply.publicKey),
  expiresAt: iso(exp),
  ...over
})
const offerExp = NOW_S + 3 * DAY
const offer = (over: Partial<OfferBody> = {}): OfferBody => ({ ...SAMPLE_BODIES['vrm.Offer'], vendor: { did: vendor.did }, validUntil: iso(offerExp), ...over })
const accept = (over: Partial<OfferResponseBody> = {}): OfferResponseBody => ({ offerId: fixedId(0x22), intentId: INTENT_ID, decision: 'accept', did: herDid, agreementId: fixedId(0x33), ...over })

const signIntent = (body: unknown, e = exp): string => signIntentcast(her.signing, { kind: 'vrm.Intent', body, exp: e, now: NOW }).jwt
const signOffer = (body: unknown, e = offerExp, key = vendor): string => signIntentcast(key, { kind: 'vrm.Offer', body, aud: her.signing.did, exp: e, now: NOW }).jwt
const signResponse = (body: unknown): string => signIntentcast(her.signing, { kind: 'vrm.OfferResponse', body, aud: vendor.did, exp: NOW_S + DAY, now: NOW }).jwt
/** A token made without signIntentcast's checks (what a careless or hostile peer sends). */
const forge = (kind: IntentcastKind, claims: Record<string, unknown>, key = her.signing): string =>
  encodeToken(key, intentcastHeader(key.did, kind), claims)
const forgedIntent = (body: unknown, e = exp, iat = NOW_S): string => forge('vrm.Intent', { iss: her.signing.did, iat, exp: e, jti: fixedId(7), body })
const forgedOffer = (body: unknown, e = offerExp, key = vendor): string => forge('vrm.Offer', { iss: key.did, aud: her.signing.did, iat: NOW_S, exp: e, jti: fixedId(8), body }, key)
const forgedResponse = (body: unknown): string => forge('vrm.OfferResponse', { iss: her.signing.did, aud: vendor.did, iat: NOW_S, exp: NOW_S + DAY, jti: fixedId(9), body })

const intentPolicy = { kinds: ['vrm.Intent', 'vrm.IntentUpdate', 'vrm.IntentWithdrawal'] as const }
const offerPolicy = { kinds: ['vrm.Offer'] as const, audience: her.signing.did }
const responsePolicy = { kinds: ['vrm.OfferResponse'] as const, audience: vendor.did }

describe('signIntentcast / verifyIntentcast round trip', () => {
  it('every kind signs and verifies, with the claims and id a receiver sees', () => {
    const cases: Array<[IntentcastKind, string, typeof intentPolicy | typeof offerPolicy | typeof responsePolicy]> = [
      ['vrm.Intent', signIntent(intent()), intentPolicy],
      ['vrm.IntentUpdate', signIntentcast(her.signing, { kind: 'vrm.IntentUpdate', body: intent({ seq: 2, what: 'A city bicycle, 54 or 56 cm frame' }), exp, now: NOW }).jwt, intentPolicy],
      ['vrm.IntentWithdrawal', signIntentcast(her.signing, { kind: 'vrm.IntentWithdrawal', body: { intentId: INTENT_ID }, exp, now: NOW }).jwt, intentPolicy],
      ['vrm.Offer', signOffer(offer()), offerPolicy],
      ['vrm.OfferResponse', signResponse(accept()), responsePolicy]
    ]
    for (const [kind, jwt, policy] of cases) {
      const v = verifyIntentcast(jwt, policy)
      expect(v.kind).toBe(kind)
      expect(v.payload.iss).toBe(kind === 'vrm.Offer' ? vendor.did : her.signing.did)
      expect(v.id).toMatch(/^bafkrei[a-z2-7]{52}$/)
      expect(Object.keys(v.payload)).toEqual(kind === 'vrm.Offer' || kind === 'vrm.OfferResponse'
        ? ['iss', 'aud', 'iat', 'exp', 'jti', 'body']
        : ['iss', 'iat', 'exp', 'jti', 'body'])
    }
  })

  it('returns what was signed: same jwt, same id, from a string or from gossipsub bytes', () => {
    const s = signIntentcast(her.signing, { kind: 'vrm.Intent', body: intent(), exp, now: NOW })
    const fromBytes = verifyIntentcast(new TextEncoder().encode(s.jwt), intentPolicy)
    expect(fromBytes.jwt).toBe(s.jwt)
    expect(fromBytes.id).toBe(s.id)
    expect(fromBytes.payload).toEqual(s.payload)
  })

  it('two signatures of the same intent differ (a fresh jti), so gossipsub does not drop the second as a duplicate', () => {
    const a = signIntentcast(her.signing, { kind: 'vrm.Intent', body: intent(), exp, now: NOW })
    const b = signIntentcast(her.signing, { kind: 'vrm.Intent', body: intent(), exp, now: NOW })
    expect(a.payload.jti).not.toBe(b.payload.jti)
    expect(a.id).not.toBe(b.id)
  })
})

describe('bad input is refused with its wire code', () => {
  it('oversized: an intent over 16 KiB is refused by the signer and by the receiver', () => {
    const attributes = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`attribute-${i}`, 'x'.repeat(200)]))
    const huge = intent({ items: Array.from({ length: 20 }, (_, i) => ({ name: `item ${i}`, attributes })) })
    expect(wireOf(() => signIntent(huge))).toBe('TOO_LARGE')
    const forged = forgedIntent(huge)
    expect(Buffer.byteLength(forged)).toBeGreaterThan(MAX_INTENTCAST_MESSAGE_BYTES)
    expect(wireOf(() => verifyIntentcast(forged, intentPolicy))).toBe('TOO_LARGE')
    expect(wireOf(() => verifyIntentcast(Buffer.from(forged), intentPolicy))).toBe('TOO_LARGE')
  })

  it('no expiry: an intent without exp is refused', () => {
    const jwt = forge('vrm.Intent', { iss: her.signing.did, iat: NOW_S, jti: fixedId(7), body: intent() })
    expect(wireOf(() => verifyIntentcast(jwt, intentPolicy))).toBe('BAD_CLAIM')
  })

  it('expiry mismatch: expiresAt must be the exp claim, to the second', () => {
    expect(wireOf(() => signIntent(intent({ expiresAt: iso(exp + 1) })))).toBe('EXPIRY_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedIntent(intent({ expiresAt: iso(exp - DAY) })), intentPolicy))).toBe('EXPIRY_MISMATCH')
    // the same instant in another offset is the same expiry
    const local = new Date(exp * 1000 + 2 * 3600_000).toISOString().slice(0, 19) + '+02:00'
    expect(verifyIntentcast(signIntent(intent({ expiresAt: local })), intentPolicy).kind).toBe('vrm.Intent')
    expect(wireOf(() => verifyIntentcast(forgedOffer(offer({ validUntil: iso(offerExp + 60) })), offerPolicy))).toBe('EXPIRY_MISMATCH')
  })

  it('an expiry date the calendar does not have is refused, not rolled over', () => {
    const feb30 = Date.UTC(2027, 1, 30) / 1000 // Date.UTC rolls over to March 2nd
    expect(wireOf(() => verifyIntentcast(forgedIntent(intent({ expiresAt: '2027-02-30T00:00:00Z' }), feb30, feb30 - DAY), { ...intentPolicy, now: (feb30 - DAY) * 1000 }))).toBe('SCHEMA_INVALID')
  })

  it('lifetime: exp - iat over 90 days is refused (and the signer will not make one)', () => {
    const far = NOW_S + MAX_INTENT_LIFETIME_SECONDS + 1
    expect(wireOf(() => signIntent(intent({ expiresAt: iso(far) }), far))).toBe('INVALID_ARGUMENT: exp: must be at most 7776000 s after now (90 days)')
    expect(wireOf(() => verifyIntentcast(forgedIntent(intent({ expiresAt: iso(far) }), far), intentPolicy))).toBe('LIFETIME_TOO_LONG')
    const edge = NOW_S + MAX_INTENT_LIFETIME_SECONDS
    expect(verifyIntentcast(signIntent(intent({ expiresAt: iso(edge) }), edge), intentPolicy).payload.exp).toBe(edge)
  })

  it('expired: refused once exp has passed (beyond the skew)', () => {
    const jwt = signIntent(intent())
    expect(verifyIntentcast(jwt, { ...intentPolicy, now: (exp + 100) * 1000 }).kind).toBe('vrm.Intent')
    expect(wireOf(() => verifyIntentcast(jwt, { ...intentPolicy, now: (exp + 121) * 1000 }))).toBe('EXPIRED')
  })

  it('wrong signature: a forged offer in the vendor\'s name fails', () => {
    const real = signOffer(offer())
    const [h, p] = real.split('.') as [string, string]
    const byMallory = forgedOffer(offer(), offerExp, mallory).split('.')[2]!
    expect(wireOf(() => verifyIntentcast(`${h}.${p}.${byMallory}`, offerPolicy))).toBe('BAD_SIGNATURE')
  })

  it('wrong kind: an Offer on a category topic, an Intent where offers are read', () => {
    expect(wireOf(() => verifyIntentcast(signOffer(offer()), intentPolicy))).toBe('WRONG_KIND')
    expect(wireOf(() => verifyIntentcast(signIntent(intent()), offerPolicy))).toBe('WRONG_KIND')
  })

  it('unknown category', () => {
    expect(wireOf(() => signIntent(intent({ category: 'spaceships' })))).toBe('UNKNOWN_CATEGORY')
    expect(wireOf(() => verifyIntentcast(forgedIntent(intent({ category: 'spaceships' })), intentPolicy))).toBe('UNKNOWN_CATEGORY')
  })

  it.each([
    ['lower-case currency', { max: '300', currency: 'eur' }],
    ['a currency symbol', { max: '300', currency: '$' }],
    ['a four-letter currency', { max: '300', currency: 'EURO' }],
    ['a JSON number', { max: 300, currency: 'EUR' }],
    ['a negative amount', { max: '-1', currency: 'EUR' }],
    ['a comma decimal', { max: '299,99', currency: 'EUR' }],
    ['five decimals', { max: '1.00001', currency: 'EUR' }],
    ['an exponent', { max: '3e2', currency: 'EUR' }],
    ['a leading zero', { max: '0300', currency: 'EUR' }],
    ['a trailing dot', { max: '300.', currency: 'EUR' }],
    ['13 integer digits', { max: '1000000000000', currency: 'EUR' }],
    ['min above max', { min: '300.01', max: '300', currency: 'EUR' }]
  ])('bad budget: %s', (_name, budget) => {
    expect(wireOf(() => signIntent(intent({ budget: budget as IntentBody['budget'] })))).toBe('SCHEMA_INVALID')
    expect(wireOf(() => verifyIntentcast(forgedIntent(intent({ budget: budget as IntentBody['budget'] })), intentPolicy))).toBe('SCHEMA_INVALID')
  })

  it('good budgets and prices are accepted, min equal to max included', () => {
    for (const budget of [{ max: '0', currency: 'JPY' }, { max: '299.99', currency: 'EUR' }, { min: '10.5', max: '10.50', currency: 'CHF' }, { max: '999999999999.9999', currency: 'USD' }]) {
      expect(verifyIntentcast(signIntent(intent({ budget })), intentPolicy).kind).toBe('vrm.Intent')
    }
  })

  it('bad offer money: a price with a bad currency or decimal', () => {
    const item = offer().items[0]!
    expect(wireOf(() => verifyIntentcast(forgedOffer(offer({ items: [{ ...item, price: { amount: '279', currency: 'euro' } }] })), offerPolicy))).toBe('SCHEMA_INVALID')
    expect(wireOf(() => verifyIntentcast(forgedOffer(offer({ total: { amount: '2.5e2', currency: 'EUR' } })), offerPolicy))).toBe('SCHEMA_INVALID')
  })

  it('vendor mismatch: an offer must name its signer as vendor', () => {
    expect(wireOf(() => signOffer(offer({ vendor: { did: mallory.did } })))).toBe('VENDOR_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedOffer(offer({ vendor: { did: mallory.did } })), offerPolicy))).toBe('VENDOR_MISMATCH')
  })

  it('accept without did, without agreementId, or with a decline code; a decline naming her', () => {
    expect(wireOf(() => signResponse(accept({ did: undefined })))).toBe('DECISION_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedResponse(accept({ did: undefined })), responsePolicy))).toBe('DECISION_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedResponse(accept({ agreementId: undefined })), responsePolicy))).toBe('DECISION_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedResponse(accept({ code: 'price' })), responsePolicy))).toBe('DECISION_MISMATCH')
    const decline: OfferResponseBody = { offerId: fixedId(0x22), intentId: INTENT_ID, decision: 'decline', code: 'timing' }
    expect(verifyIntentcast(signResponse(decline), responsePolicy).kind).toBe('vrm.OfferResponse')
    expect(wireOf(() => verifyIntentcast(forgedResponse({ ...decline, did: herDid }), responsePolicy))).toBe('DECISION_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedResponse({ ...decline, agreementId: fixedId(0x33) }), responsePolicy))).toBe('DECISION_MISMATCH')
  })

  it('an accept whose did looks like a did:key but is not one', () => {
    // right shape, wrong multicodec: z6Mk + 44 characters that do not decode to an Ed25519 key prefix
    const fake = 'did:key:z6Mk' + '1'.repeat(44)
    expect(wireOf(() => verifyIntentcast(forgedResponse(accept({ did: fake })), responsePolicy))).toBe('SCHEMA_INVALID')
  })

  it('audience: intents carry none; offers and responses must, and it must be ours when we say who we are', () => {
    expect(wireOf(() => signIntentcast(her.signing, { kind: 'vrm.Intent', body: intent(), aud: vendor.did, exp, now: NOW }))).toMatch(/^INVALID_ARGUMENT/)
    expect(wireOf(() => signIntentcast(vendor, { kind: 'vrm.Offer', body: offer(), exp: offerExp, now: NOW }))).toMatch(/^INVALID_ARGUMENT/)
    const withAud = forge('vrm.Intent', { iss: her.signing.did, aud: vendor.did, iat: NOW_S, exp, jti: fixedId(7), body: intent() })
    expect(wireOf(() => verifyIntentcast(withAud, intentPolicy))).toBe('WRONG_AUDIENCE')
    const o = signOffer(offer())
    expect(verifyIntentcast(o, { kinds: ['vrm.Offer'] }).payload.aud).toBe(her.signing.did)
    expect(wireOf(() => verifyIntentcast(o, { kinds: ['vrm.Offer'], audience: mallory.did }))).toBe('WRONG_AUDIENCE')
    expect(wireOf(() => verifyIntentcast(signResponse(accept()), { kinds: ['vrm.OfferResponse'], audience: her.signing.did }))).toBe('WRONG_AUDIENCE')
  })

  it('terms: PDC-INTENT with the hash of its roster text, in the intent and in the offer', () => {
    const wrong = { termId: 'PDC-INTENT' as const, termHash: `sha256:${'0'.repeat(64)}` }
    expect(wireOf(() => signIntent(intent({ terms: wrong })))).toBe('TERM_HASH_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedOffer(offer({ acceptsTerms: wrong })), offerPolicy))).toBe('TERM_HASH_MISMATCH')
    expect(wireOf(() => verifyIntentcast(forgedOffer(offer({ proposedAgreement: { termId: 'NOT-A-TERM', share: [], purposes: ['dpv:ServiceProvision'], validForSeconds: 60 } })), offerPolicy))).toBe('UNKNOWN_TERM')
  })

  it('update and withdrawal rules: seq 1 only in an Intent, >= 2 in an update', () => {
    expect(wireOf(() => signIntent(intent({ seq: 2 })))).toBe('SCHEMA_INVALID')
    expect(wireOf(() => signIntentcast(her.signing, { kind: 'vrm.IntentUpdate', body: intent(), exp, now: NOW }))).toBe('SCHEMA_INVALID')
    expect(wireOf(() => signIntentcast(her.signing, { kind: 'vrm.IntentWithdrawal', body: { intentId: INTENT_ID, reason: 'x'.repeat(201) }, exp, now: NOW }))).toBe('SCHEMA_INVALID')
  })

  it('input that is not a token: bytes that are not UTF-8, other types', () => {
    expect(wireOf(() => verifyIntentcast(Uint8Array.of(0xff, 0xfe, 0x2e), intentPolicy))).toBe('MALFORMED')
    for (const x of [undefined, null, 42, {}, []]) expect(wireOf(() => verifyIntentcast(x as unknown as string, intentPolicy))).toBe('MALFORMED')
  })

  it('a bad policy is the caller\'s bug, not the peer\'s', () => {
    expect(wireOf(() => verifyIntentcast(signIntent(intent()), { kinds: [] }))).toMatch(/^INVALID_ARGUMENT/)
    expect(wireOf(() => verifyIntentcast(signIntent(intent()), { kinds: ['vrm.AgreementProposal' as IntentcastKind] }))).toMatch(/^INVALID_ARGUMENT/)
  })
})

describe('compareDecimal', () => {
  it.each([
    ['1', '2', -1], ['10', '9', 1], ['299.99', '300', -1], ['10.5', '10.50', 0], ['0.0001', '0', 1], ['999999999999.9999', '999999999999.999', 1]
  ])('%s vs %s', (a, b, want) => {
    expect(compareDecimal(a as string, b as string)).toBe(want)
  })
})
