/**
 * Writes valid.json and invalid.json next to this file. Run by hand when the format changes:
 *   node protocols/intentcast/vectors/generate.ts
 * test/intentcast/vectors.test.ts checks every vector and that this script still produces the
 * committed files byte for byte (Ed25519 is deterministic, every jti and id here is fixed, and
 * the seal vectors use fixed ephemeral keys).
 *
 * TEST KEYS ONLY: the person's master seed is 32 bytes of 0x01 (her intent key comes from it
 * with the label INTENT_LABEL), the vendor's Ed25519 seed 32 bytes of 0x02, Mallory's 32 bytes
 * of 0x03; the seal vectors' ephemeral X25519 seeds are 32 bytes of 0x05 and 0x06. Every token
 * is checked at `now` = 2026-01-01T00:00:00Z.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { deriveIdentityKey, ed25519FromSeed } from '../../../src/identity/index.ts'
import type { Ed25519Key } from '../../../src/identity/index.ts'
import { encodeBase64url } from '../../../src/messages/codec.ts'
import { messageId } from '../../../src/messages/message-id.ts'
import { encodeToken } from '../../../src/messages/sign.ts'
import { lookupTerm } from '../../../src/messages/terms.ts'
import { categories } from '../../../src/intentcast/categories.ts'
import { deriveIntentKeys, INTENT_PAIRWISE_PREFIX } from '../../../src/intentcast/keys.ts'
import { encodeX25519PublicKey, sealWithEphemeral, x25519FromEd25519Seed, x25519FromSeed, x25519PublicFromEd25519 } from '../../../src/intentcast/seal.ts'
import { categoryTopic, inboxTopic, replyTopic } from '../../../src/intentcast/topics.ts'
import type { IntentcastBodyOf } from '../../../src/intentcast/types.ts'
import { intentcastHeader, MAX_INTENT_LIFETIME_SECONDS } from '../../../src/intentcast/wire.ts'
import type { IntentcastKind } from '../../../src/intentcast/wire.ts'

export const VECTOR_NOW = Date.UTC(2026, 0, 1)
export const IAT = VECTOR_NOW / 1000
const DAY = 86_400
export const INTENT_EXP = IAT + 7 * DAY
export const OFFER_EXP = IAT + 3 * DAY
export const RESPONSE_EXP = IAT + DAY
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString()
export const fixedId = (n: number): string => encodeBase64url(new Uint8Array(16).fill(n))

export const MASTER_SEED = new Uint8Array(32).fill(1)
export const VENDOR_SEED = new Uint8Array(32).fill(2)
export const MALLORY_SEED = new Uint8Array(32).fill(3)
export const EPHEMERAL_SEEDS = [new Uint8Array(32).fill(5), new Uint8Array(32).fill(6)] as const
export const INTENT_LABEL = fixedId(0x0a)
export const intentKeys = deriveIntentKeys(MASTER_SEED, INTENT_LABEL)
/** the intent's pairwise key: signs the Intent, its updates, withdrawal and her OfferResponses */
export const person = intentKeys.signing
/** her long-term identity: named only in an accepting OfferResponse */
export const identity = deriveIdentityKey(MASTER_SEED)
export const vendor = ed25519FromSeed(VENDOR_SEED)
export const mallory = ed25519FromSeed(MALLORY_SEED)
export const INTENT_ID = fixedId(0x11)
export const OFFER_ID = fixedId(0x22)
export const AGREEMENT_ID = fixedId(0x33)
export const PDC_INTENT = { termId: 'PDC-INTENT' as const, termHash: lookupTerm('PDC-INTENT')!.hash }

export const intentBody = (seq = 1, exp = INTENT_EXP): IntentcastBodyOf['vrm.Intent'] => ({
  intentId: INTENT_ID,
  seq,
  what: 'A city bicycle for commuting, 56 cm frame, with lights and a rack',
  category: 'bicycles',
  tags: ['city-bike', 'commuting'],
  items: [{ name: 'City bicycle', quantity: 1, attributes: { frame: '56 cm', colour: 'any' }, condition: 'any' }],
  where: { country: 'FR', region: 'FR-69', postalPrefix: '690', radiusKm: 20 },
  when: { from: '2026-01-02T00:00:00Z', until: '2026-01-08T00:00:00Z' },
  budget: { min: '150', max: '299.99', currency: 'EUR' },
  fulfilment: ['pickup', 'delivery'],
  terms: PDC_INTENT,
  disclosureOnAccept: ['name', 'postalAddress'],
  replyKey: encodeX25519PublicKey(intentKeys.reply.publicKey),
  expiresAt: iso(exp)
})

/** The signed Intent every Offer below answers (its id is the offers' intentHash). */
export const INTENT_JWT = encodeToken(person, intentcastHeader(person.did, 'vrm.Intent'), { iss: person.did, iat: IAT, exp: INTENT_EXP, jti: fixedId(0x40), body: intentBody() })
export const INTENT_HASH = messageId(INTENT_JWT)

export const SAMPLE_BODIES: { [K in IntentcastKind]: IntentcastBodyOf[K] } = {
  'vrm.Intent': intentBody(),
  'vrm.IntentUpdate': { ...intentBody(2), what: 'A city bicycle for commuting, 56 cm frame, lights, rack and mudguards', budget: { max: '350', currency: 'EUR' } },
  'vrm.IntentWithdrawal': { intentId: INTENT_ID, reason: 'bought one' },
  'vrm.Offer': {
    offerId: OFFER_ID,
    intentId: INTENT_ID,
    intentHash: INTENT_HASH,
    vendor: { did: vendor.did, name: 'Cycles du Rhône' },
    items: [{ name: 'Gazelle city bike, 56 cm, with lights and rack', quantity: 1, price: { amount: '279', currency: 'EUR' }, attributes: { condition: 'refurbished' } }],
    total: { amount: '289.50', currency: 'EUR' },
    fulfilment: { method: 'delivery', estimatedDelivery: '2026-01-05T12:00:00+01:00', cost: { amount: '10.50', currency: 'EUR' } },
    conditions: { refundPolicy: '14 days', warranty: '1 year on parts' },
    acceptsTerms: PDC_INTENT,
    proposedAgreement: { termId: 'SD-BASE', share: ['name', 'postalAddress'], purposes: ['dpv:ServiceProvision'], validForSeconds: 30 * DAY },
    validUntil: iso(OFFER_EXP)
  },
  'vrm.OfferResponse': { offerId: OFFER_ID, intentId: INTENT_ID, decision: 'accept', did: identity.did, agreementId: AGREEMENT_ID }
}
const DECLINE: IntentcastBodyOf['vrm.OfferResponse'] = { offerId: OFFER_ID, intentId: INTENT_ID, decision: 'decline', code: 'price', reason: 'found cheaper' }

const SIGNERS: Record<IntentcastKind, Ed25519Key> = {
  'vrm.Intent': person, 'vrm.IntentUpdate': person, 'vrm.IntentWithdrawal': person, 'vrm.Offer': vendor, 'vrm.OfferResponse': person
}
const AUDIENCES: Record<IntentcastKind, string | undefined> = {
  'vrm.Intent': undefined, 'vrm.IntentUpdate': undefined, 'vrm.IntentWithdrawal': undefined, 'vrm.Offer': person.did, 'vrm.OfferResponse': vendor.did
}
const EXPS: Record<IntentcastKind, number> = {
  'vrm.Intent': INTENT_EXP, 'vrm.IntentUpdate': INTENT_EXP, 'vrm.IntentWithdrawal': INTENT_EXP, 'vrm.Offer': OFFER_EXP, 'vrm.OfferResponse': RESPONSE_EXP
}

/** The claims of a valid message of `kind`, in canonical order, with `over` applied (undefined removes). */
export function claims (kind: IntentcastKind = 'vrm.Intent', over: Record<string, unknown> = {}, jti = 1): Record<string, unknown> {
  const base: Record<string, unknown> = { iss: SIGNERS[kind].did, aud: AUDIENCES[kind], iat: IAT, exp: EXPS[kind], jti: fixedId(jti), body: SAMPLE_BODIES[kind] }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries({ ...base, ...over })) if (v !== undefined) out[k] = v
  return out
}

export const token = (over: { kind?: IntentcastKind, header?: object | string, claims?: Record<string, unknown> | string, key?: Ed25519Key } = {}): string => {
  const kind = over.kind ?? 'vrm.Intent'
  const key = over.key ?? SIGNERS[kind]
  return encodeToken(key, over.header ?? intentcastHeader(SIGNERS[kind].did, kind), over.claims ?? claims(kind))
}

export interface VectorPolicy { kinds: IntentcastKind[], audience?: string, now: number, maxBytes?: number }
export interface ValidVector { name: string, policy: VectorPolicy, jwt: string, id: string }
export interface InvalidVector { name: string, policy: VectorPolicy, jwt: string, wire: string }
export interface SealVector { name: string, context: string, recipientPublicKeyHex: string, ephemeralSeedHex: string, plaintext: string, sealedHex: string }
export interface BadSealVector { name: string, context: string, sealedHex: string, wire: string }

const policy = (kind: IntentcastKind, extra: Partial<VectorPolicy> = {}): VectorPolicy => {
  const p: VectorPolicy = { kinds: [kind], now: VECTOR_NOW, ...extra }
  const audience = AUDIENCES[kind]
  return audience === undefined || 'audience' in extra ? p : { ...p, audience }
}
const seg = (jwt: string, i: number): string => jwt.split('.')[i]!
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

export function buildVectors (): {
  valid: ValidVector[]
  invalid: InvalidVector[]
  seal: SealVector[]
  badSeal: BadSealVector[]
  keys: Record<string, unknown>
  topics: Record<string, unknown>
} {
  const ok = (name: string, kind: IntentcastKind, jwt: string): ValidVector => ({ name, policy: policy(kind), jwt, id: messageId(jwt) })
  const minimalIntent = { intentId: fixedId(0x12), seq: 1, what: 'Two tickets for the Lyon derby', category: 'tickets-events', terms: PDC_INTENT, replyKey: intentBody().replyKey, expiresAt: iso(IAT + 2 * DAY) }
  const valid: ValidVector[] = [
    ok('vrm.Intent', 'vrm.Intent', INTENT_JWT),
    ok('vrm.Intent with only the required fields', 'vrm.Intent', token({ claims: claims('vrm.Intent', { exp: IAT + 2 * DAY, body: minimalIntent }, 0x41) })),
    ok('vrm.IntentUpdate', 'vrm.IntentUpdate', token({ kind: 'vrm.IntentUpdate', claims: claims('vrm.IntentUpdate', {}, 0x42) })),
    ok('vrm.IntentWithdrawal', 'vrm.IntentWithdrawal', token({ kind: 'vrm.IntentWithdrawal', claims: claims('vrm.IntentWithdrawal', {}, 0x43) })),
    ok('vrm.Offer', 'vrm.Offer', token({ kind: 'vrm.Offer', claims: claims('vrm.Offer', {}, 0x44) })),
    ok('vrm.OfferResponse accept', 'vrm.OfferResponse', token({ kind: 'vrm.OfferResponse', claims: claims('vrm.OfferResponse', {}, 0x45) })),
    ok('vrm.OfferResponse decline', 'vrm.OfferResponse', token({ kind: 'vrm.OfferResponse', claims: claims('vrm.OfferResponse', { body: DECLINE }, 0x46) }))
  ]

  const good = INTENT_JWT
  const intent = SAMPLE_BODIES['vrm.Intent']
  const offer = SAMPLE_BODIES['vrm.Offer']
  const accept = SAMPLE_BODIES['vrm.OfferResponse']
  const kid = intentcastHeader(person.did, 'vrm.Intent').kid
  const v = (name: string, jwt: string, wire: string, p: VectorPolicy = policy('vrm.Intent')): InvalidVector => ({ name, policy: p, jwt, wire })
  const ic = (over: Record<string, unknown>): string => token({ claims: claims('vrm.Intent', over) })
  const ib = (b: unknown): string => ic({ body: b })
  const oc = (over: Record<string, unknown>): string => token({ kind: 'vrm.Offer', claims: claims('vrm.Offer', over) })
  const ob = (b: unknown): string => oc({ body: b })
  const rb = (b: unknown): string => token({ kind: 'vrm.OfferResponse', claims: claims('vrm.OfferResponse', { body: b }) })
  const pOffer = policy('vrm.Offer')
  const pResponse = policy('vrm.OfferResponse')
  const longExp = IAT + MAX_INTENT_LIFETIME_SECONDS + 1
  const invalid: InvalidVector[] = [
    v('over the size limit', good, 'TOO_LARGE', policy('vrm.Intent', { maxBytes: 256 })),
    v('two segments', `${seg(good, 0)}.${seg(good, 1)}`, 'MALFORMED'),
    v('whitespace in the header JSON', token({ header: `{"alg": "EdDSA","typ":"vrm.Intent","kid":"${kid}"}` }), 'MALFORMED'),
    v('claims out of order', token({ claims: JSON.stringify({ jti: fixedId(1), ...claims() }) }), 'MALFORMED'),
    v('crit header', token({ header: { alg: 'EdDSA', typ: 'vrm.Intent', kid, crit: ['b64'] } }), 'BAD_HEADER'),
    v('alg none', token({ header: { alg: 'none', typ: 'vrm.Intent', kid } }), 'UNSUPPORTED_ALG'),
    v('an Offer where an Intent is expected', token({ kind: 'vrm.Offer' }), 'WRONG_KIND'),
    v('typ of an agreement message', token({ header: { alg: 'EdDSA', typ: 'vrm.AgreementProposal', kid } }), 'WRONG_KIND'),
    v('no expiry', ic({ exp: undefined }), 'BAD_CLAIM'),
    v('nbf claim', token({ claims: { ...claims(), nbf: IAT } }), 'BAD_CLAIM'),
    v('thread claim (agreement envelope)', token({ claims: { ...claims(), thread: fixedId(9) } }), 'BAD_CLAIM'),
    v('jti of 21 characters', ic({ jti: fixedId(1).slice(1) }), 'BAD_CLAIM'),
    v('did:web issuer', ic({ iss: 'did:web:shop.example' }), 'BAD_ISSUER'),
    v('kid of another DID', token({ header: intentcastHeader(mallory.did, 'vrm.Intent') }), 'BAD_KID'),
    v('an Intent with aud', token({ claims: { iss: person.did, aud: vendor.did, iat: IAT, exp: INTENT_EXP, jti: fixedId(1), body: intent } }), 'WRONG_AUDIENCE'),
    v('an Offer without aud', oc({ aud: undefined }), 'WRONG_AUDIENCE', pOffer),
    v('an Offer to another intent key', oc({ aud: mallory.did }), 'WRONG_AUDIENCE', pOffer),
    v('an OfferResponse with aud an array', token({ kind: 'vrm.OfferResponse', claims: claims('vrm.OfferResponse', { aud: [vendor.did] }) }), 'WRONG_AUDIENCE', pResponse),
    v('iat a day ahead', ic({ iat: IAT + DAY }), 'NOT_YET_VALID'),
    v('expired past the skew', ic({ iat: IAT - 2 * DAY, exp: IAT - 121, body: intentBody(1, IAT - 121) }), 'EXPIRED'),
    v('lifetime over 90 days', ic({ exp: longExp, body: intentBody(1, longExp) }), 'LIFETIME_TOO_LONG'),
    v('exp in milliseconds', ic({ exp: INTENT_EXP * 1000 }), 'LIFETIME_TOO_LONG'),
    v('signed by another key', token({ key: mallory }), 'BAD_SIGNATURE'),
    v('payload swapped after signing', `${seg(good, 0)}.${seg(ib({ ...intent, budget: { max: '1', currency: 'EUR' } }), 1)}.${seg(good, 2)}`, 'BAD_SIGNATURE'),
    v('Offer signed by Mallory naming the vendor', token({ kind: 'vrm.Offer', key: mallory }), 'BAD_SIGNATURE', pOffer),
    v('body with an extra field', ib({ ...intent, email: 'alice@example.org' }), 'SCHEMA_INVALID'),
    v('what shorter than 10 characters', ib({ ...intent, what: 'a bike' }), 'SCHEMA_INVALID'),
    v('budget currency in lower case', ib({ ...intent, budget: { max: '300', currency: 'eur' } }), 'SCHEMA_INVALID'),
    v('budget currency a symbol', ib({ ...intent, budget: { max: '300', currency: '€' } }), 'SCHEMA_INVALID'),
    v('budget a JSON number', ib({ ...intent, budget: { max: 300, currency: 'EUR' } }), 'SCHEMA_INVALID'),
    v('budget with five decimals', ib({ ...intent, budget: { max: '300.00001', currency: 'EUR' } }), 'SCHEMA_INVALID'),
    v('budget with a leading zero', ib({ ...intent, budget: { max: '0300', currency: 'EUR' } }), 'SCHEMA_INVALID'),
    v('budget min above max', ib({ ...intent, budget: { min: '400', max: '300', currency: 'EUR' } }), 'SCHEMA_INVALID'),
    v('tag in upper case', ib({ ...intent, tags: ['City'] }), 'SCHEMA_INVALID'),
    v('17 tags', ib({ ...intent, tags: Array.from({ length: 17 }, (_, i) => `t${i}`) }), 'SCHEMA_INVALID'),
    v('quantity 0', ib({ ...intent, items: [{ name: 'bike', quantity: 0 }] }), 'SCHEMA_INVALID'),
    v('region of another country', ib({ ...intent, where: { country: 'DE', region: 'FR-69' } }), 'SCHEMA_INVALID'),
    v('time window backwards', ib({ ...intent, when: { from: '2026-01-08T00:00:00Z', until: '2026-01-02T00:00:00Z' } }), 'SCHEMA_INVALID'),
    v('an Intent with seq 2', ib({ ...intent, seq: 2 }), 'SCHEMA_INVALID'),
    v('an IntentUpdate with seq 1', token({ kind: 'vrm.IntentUpdate', claims: claims('vrm.IntentUpdate', { body: intent }) }), 'SCHEMA_INVALID', policy('vrm.IntentUpdate')),
    v('replyKey with non-zero unused bits', ib({ ...intent, replyKey: intent.replyKey.slice(0, 42) + 'B' }), 'SCHEMA_INVALID'),
    v('no terms', ib({ ...intent, terms: undefined }), 'SCHEMA_INVALID'),
    v('terms other than PDC-INTENT', ib({ ...intent, terms: { termId: 'SD-BASE', termHash: lookupTerm('SD-BASE')!.hash } }), 'SCHEMA_INVALID'),
    v('Offer with no items', ob({ ...offer, items: [] }), 'SCHEMA_INVALID', pOffer),
    v('Offer total with a bad decimal', ob({ ...offer, total: { amount: '1e3', currency: 'EUR' } }), 'SCHEMA_INVALID', pOffer),
    v('OfferResponse decision maybe', rb({ ...accept, decision: 'maybe' }), 'SCHEMA_INVALID', pResponse),
    v('unknown category', ib({ ...intent, category: 'spaceships' }), 'UNKNOWN_CATEGORY'),
    v('intent terms hash of another text', ib({ ...intent, terms: { termId: 'PDC-INTENT', termHash: lookupTerm('SD-BASE')!.hash } }), 'TERM_HASH_MISMATCH'),
    v('offer accepting terms of another text', ob({ ...offer, acceptsTerms: { termId: 'PDC-INTENT', termHash: lookupTerm('PDC')!.hash } }), 'TERM_HASH_MISMATCH', pOffer),
    v('expiresAt not exp', ib({ ...intent, expiresAt: iso(INTENT_EXP + 60) }), 'EXPIRY_MISMATCH'),
    v('expiresAt half a second after exp', ib({ ...intent, expiresAt: iso(INTENT_EXP).replace('.000Z', '.500Z') }), 'EXPIRY_MISMATCH'),
    v('Offer validUntil not exp', ob({ ...offer, validUntil: iso(OFFER_EXP - 3600) }), 'EXPIRY_MISMATCH', pOffer),
    v('Offer naming another vendor than its signer', ob({ ...offer, vendor: { did: mallory.did } }), 'VENDOR_MISMATCH', pOffer),
    v('Offer proposing an agreement not in the roster', ob({ ...offer, proposedAgreement: { ...offer.proposedAgreement, termId: 'SD-NOPE' } }), 'UNKNOWN_TERM', pOffer),
    v('accept without did', rb({ ...accept, did: undefined }), 'DECISION_MISMATCH', pResponse),
    v('accept without agreementId', rb({ ...accept, agreementId: undefined }), 'DECISION_MISMATCH', pResponse),
    v('accept with a decline code', rb({ ...accept, code: 'price' }), 'DECISION_MISMATCH', pResponse),
    v('decline revealing her did', rb({ ...DECLINE, did: identity.did }), 'DECISION_MISMATCH', pResponse)
  ]

  const offerJwt = valid.find(x => x.name === 'vrm.Offer')!.jwt
  const vendorX25519 = x25519PublicFromEd25519(vendor.publicKey)
  const sealOne = (name: string, context: string, recipient: Uint8Array, eph: Uint8Array, plaintext: string): SealVector => ({
    name,
    context,
    recipientPublicKeyHex: hex(recipient),
    ephemeralSeedHex: hex(eph),
    plaintext,
    sealedHex: hex(sealWithEphemeral(x25519FromSeed(eph), recipient, Buffer.from(plaintext, 'utf8'), context))
  })
  const seal = [
    sealOne('an Offer on a reply topic, to the intent replyKey', 'offer', intentKeys.reply.publicKey, EPHEMERAL_SEEDS[0], offerJwt),
    sealOne('an Intent sent to a vendor inbox, to its did:key converted to X25519', 'inbox', vendorX25519, EPHEMERAL_SEEDS[1], INTENT_JWT)
  ]
  const box = Buffer.from(seal[0]!.sealedHex, 'hex')
  const flip = (i: number): string => { const b = Buffer.from(box); b[i]! ^= 1; return hex(b) }
  const badSeal: BadSealVector[] = [
    { name: 'opened with the inbox context', context: 'inbox', sealedHex: seal[0]!.sealedHex, wire: 'UNSEALABLE' },
    { name: 'a flipped bit in the ephemeral key', context: 'offer', sealedHex: flip(5), wire: 'UNSEALABLE' },
    { name: 'a flipped bit in the ciphertext', context: 'offer', sealedHex: flip(100), wire: 'UNSEALABLE' },
    { name: 'a flipped bit in the tag', context: 'offer', sealedHex: flip(box.length - 1), wire: 'UNSEALABLE' },
    { name: 'version 2', context: 'offer', sealedHex: '02' + seal[0]!.sealedHex.slice(2), wire: 'MALFORMED' },
    { name: 'shorter than the overhead', context: 'offer', sealedHex: seal[0]!.sealedHex.slice(0, 2 * 48), wire: 'MALFORMED' }
  ]

  const keys = {
    masterSeedHex: hex(MASTER_SEED),
    intentLabel: INTENT_LABEL,
    pairwiseLabel: INTENT_PAIRWISE_PREFIX + INTENT_LABEL,
    intentDid: person.did,
    replyPublicKey: encodeX25519PublicKey(intentKeys.reply.publicKey),
    identityDid: identity.did,
    vendorSeedHex: hex(VENDOR_SEED),
    vendorDid: vendor.did,
    vendorEd25519PublicKeyHex: hex(vendor.publicKey),
    vendorX25519PublicKeyHex: hex(vendorX25519),
    vendorX25519FromSeedPublicKeyHex: hex(x25519FromEd25519Seed(VENDOR_SEED).publicKey)
  }
  const topics = {
    categories: Object.fromEntries(categories().map(c => [c.id, categoryTopic(c.id)])),
    reply: { intentId: INTENT_ID, topic: replyTopic(INTENT_ID) },
    inbox: { did: vendor.did, topic: inboxTopic(vendor.did) }
  }
  return { valid, invalid, seal, badSeal, keys, topics }
}

export const VECTOR_FILES = { valid: new URL('valid.json', import.meta.url), invalid: new URL('invalid.json', import.meta.url) }
export const render = (x: unknown): string => JSON.stringify(x, null, 2) + '\n'

/** The two files' contents, as written. */
export function renderVectors (): { valid: string, invalid: string } {
  const { valid, invalid, seal, badSeal, keys, topics } = buildVectors()
  return {
    valid: render({ note: 'TEST KEYS ONLY. See README.md section 9.', now: VECTOR_NOW, keys, vectors: valid, seal, topics }),
    invalid: render({ note: 'TEST KEYS ONLY. See README.md section 9.', now: VECTOR_NOW, vectors: invalid, seal: badSeal })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = renderVectors()
  writeFileSync(VECTOR_FILES.valid, out.valid)
  writeFileSync(VECTOR_FILES.invalid, out.invalid)
  const { valid, invalid, seal, badSeal } = buildVectors()
  console.log(`${valid.length} valid, ${invalid.length} invalid, ${seal.length} seal, ${badSeal.length} bad seal`)
}
