/**
 * Writes valid.json and invalid.json next to this file. Run by hand when the format changes:
 *   node protocols/agreement/vectors/generate.ts
 * test/messages/vectors.test.ts checks every vector and that this script still produces the
 * committed files byte for byte (Ed25519 is deterministic and every jti here is fixed).
 *
 * TEST KEYS ONLY: the signer's seed is 32 bytes of 0x01, the recipient's 32 bytes of 0x02,
 * Mallory's 32 bytes of 0x03. Every vector is checked at `now` = 2026-01-01T00:00:00Z.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ed25519FromSeed } from '../../../src/identity/index.ts'
import { encodeBase64url } from '../../../src/messages/codec.ts'
import { KINDS } from '../../../src/messages/kinds.ts'
import type { Kind } from '../../../src/messages/kinds.ts'
import { messageId } from '../../../src/messages/message-id.ts'
import { encodeToken, headerFor } from '../../../src/messages/sign.ts'
import { lookupTerm } from '../../../src/messages/terms.ts'
import type { AgreementTerms, BodyOf } from '../../../src/agreements/types.generated.ts'

export const VECTOR_NOW = Date.UTC(2026, 0, 1)
const IAT = VECTOR_NOW / 1000
const DAY = 86_400
export const signer = ed25519FromSeed(new Uint8Array(32).fill(1))
export const recipient = ed25519FromSeed(new Uint8Array(32).fill(2))
export const mallory = ed25519FromSeed(new Uint8Array(32).fill(3))
export const AGREEMENT_ID = encodeBase64url(new Uint8Array(16).fill(0x11))
export const SOME_ID = messageId('an earlier message')
export const fixedJti = (n: number): string => encodeBase64url(new Uint8Array(16).fill(n))

export const sampleTerms = (termId = 'SD-BASE'): AgreementTerms => ({
  termId,
  termHash: lookupTerm(termId)?.hash ?? `sha256:${'0'.repeat(64)}`,
  purposes: ['dpv:ServiceProvision'],
  share: ['email', 'postalAddress'],
  recipients: 'secondPartyOnly',
  onwardSharing: false,
  retention: { until: 'agreementEnd' },
  onTermination: { action: 'delete', within: 'PT24H', receiptRequired: true },
  validFrom: '2026-01-01T00:00:00.000Z',
  validUntil: '2026-01-31T00:00:00.000Z'
})

/** One valid body per kind, in the thread AGREEMENT_ID. */
export const SAMPLE_BODIES: { [K in Kind]: BodyOf[K] } = {
  'vrm.AgreementProposal': { agreementId: AGREEMENT_ID, terms: sampleTerms(), acceptable: ['SD-BASE-DP'], respondBy: '2026-01-08T00:00:00Z' },
  'vrm.AgreementCounterOffer': { agreementId: AGREEMENT_ID, proposalId: SOME_ID, terms: sampleTerms('SD-BASE-DP') },
  'vrm.AgreementAcceptance': { agreementId: AGREEMENT_ID, acceptedId: SOME_ID, termId: 'SD-BASE', termHash: sampleTerms().termHash },
  'vrm.AgreementConfirmation': { agreementId: AGREEMENT_ID, acceptanceId: SOME_ID },
  'vrm.AgreementRejection': { agreementId: AGREEMENT_ID, rejectedId: SOME_ID, code: 'refused', reason: 'not today' },
  'vrm.AgreementEvent': { agreementId: AGREEMENT_ID, eventType: 'dataShared', profileVersion: 2, changes: { email: 'alice@example.org', postalAddress: null } },
  'vrm.AgreementTermination': { agreementId: AGREEMENT_ID, reason: 'moving on', effectiveAt: '2026-01-01T00:00:00Z' },
  'vrm.DeletionReceipt': { agreementId: AGREEMENT_ID, terminationId: SOME_ID, action: 'deleted', fields: ['email'], completedAt: '2026-01-01T00:00:00+01:00' },
  'vrm.Ack': { ackOf: SOME_ID, status: 'rejected', error: { code: 'UNKNOWN_TERM', reason: 'not in our roster' } },
  'vrm.TermsAdvert': { accepts: ['SD-BASE', 'SD-BASE-DP'], autoAccept: ['SD-BASE'] }
}

/** The claims of a valid message, in canonical order, with `over` applied (undefined removes). */
export function claims (kind: Kind = 'vrm.AgreementProposal', over: Record<string, unknown> = {}, jti = 1): Record<string, unknown> {
  const base: Record<string, unknown> = {
    iss: signer.did, aud: recipient.did, iat: IAT, exp: IAT + DAY, jti: fixedJti(jti), thread: AGREEMENT_ID, prev: null, seq: 1, body: SAMPLE_BODIES[kind]
  }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries({ ...base, ...over })) if (v !== undefined) out[k] = v
  return out
}

export const token = (over: { kind?: Kind, header?: object | string, claims?: Record<string, unknown> | string, key?: typeof signer } = {}): string =>
  encodeToken(over.key ?? signer, over.header ?? headerFor(signer.did, over.kind ?? 'vrm.AgreementProposal'), over.claims ?? claims(over.kind))

export interface VectorPolicy { kinds: Kind[], audience: string, now: number, maxBytes?: number }
export interface ValidVector { name: string, policy: VectorPolicy, jwt: string, id: string }
export interface InvalidVector {
  name: string
  policy: VectorPolicy
  jwt: string
  /** verifyMessage throws INVALID_MESSAGE with details.wire = wire; with stage 'terms', checkTerms(body.terms) does */
  wire: string
  stage: 'verify' | 'terms'
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const policy = (kinds: Kind[] = ['vrm.AgreementProposal'], extra: Partial<VectorPolicy> = {}): VectorPolicy => ({ kinds, audience: recipient.did, now: VECTOR_NOW, ...extra })
const seg = (jwt: string, i: number): string => jwt.split('.')[i]!
const withSig = (jwt: string, sig: Uint8Array | string): string =>
  `${seg(jwt, 0)}.${seg(jwt, 1)}.${typeof sig === 'string' ? sig : encodeBase64url(sig)}`
const sigOf = (jwt: string): Uint8Array => Uint8Array.from(Buffer.from(seg(jwt, 2), 'base64url'))
// RFC 8032 section 5.1: the group order L; S + L is the classic malleated signature
const L = 2n ** 252n + 27742317777372353535851937790883648493n
function plusL (sig: Uint8Array): Uint8Array {
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex')) + L
  const out = Uint8Array.from(sig)
  out.set(Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse(), 32)
  return out
}

export function buildVectors (): { valid: ValidVector[], invalid: InvalidVector[] } {
  const valid = KINDS.map((kind, i) => {
    const jwt = token({ kind, claims: claims(kind, {}, 0x20 + i) })
    return { name: kind, policy: policy([kind]), jwt, id: messageId(jwt) }
  })
  const good = token()
  const h = (header: object): string => token({ header })
  const c = (over: Record<string, unknown>): string => token({ claims: claims('vrm.AgreementProposal', over) })
  const body = (b: unknown): string => c({ body: b })
  const v = (name: string, jwt: string, wire: string, p = policy(), stage: 'verify' | 'terms' = 'verify'): InvalidVector => ({ name, policy: p, jwt, wire, stage })
  const kid = headerFor(signer.did, 'vrm.AgreementProposal').kid
  const proposal = SAMPLE_BODIES['vrm.AgreementProposal']
  const invalid: InvalidVector[] = [
    v('over the size limit', good, 'TOO_LARGE', policy(undefined, { maxBytes: 256 })),
    v('two segments', `${seg(good, 0)}.${seg(good, 1)}`, 'MALFORMED'),
    v('four segments', `${good}.${seg(good, 2)}`, 'MALFORMED'),
    v('trailing dot', `${good}.`, 'MALFORMED'),
    v('base64 padding', `${good}==`, 'MALFORMED'),
    v('+ and / instead of - and _', withSig(good, seg(good, 2).slice(0, -2) + '+/'), 'MALFORMED'),
    // 64 bytes take 86 characters; the last one carries 2 bits and 4 unused ones
    v('non-canonical trailing bits in the signature', withSig(good, seg(good, 2).slice(0, -1) + B64URL[B64URL.indexOf(seg(good, 2).at(-1)!) ^ 1]), 'MALFORMED'),
    v('whitespace in the header JSON', token({ header: `{"alg": "EdDSA","typ":"vrm.AgreementProposal","kid":"${kid}"}` }), 'MALFORMED'),
    v('duplicate alg in the header', token({ header: `{"alg":"none","alg":"EdDSA","typ":"vrm.AgreementProposal","kid":"${kid}"}` }), 'MALFORMED'),
    v('claims out of order', token({ claims: JSON.stringify({ aud: recipient.did, ...claims() }) }), 'MALFORMED'),
    v('crit header', h({ alg: 'EdDSA', typ: 'vrm.AgreementProposal', kid, crit: ['b64'], b64: false }), 'BAD_HEADER'),
    v('cty JWT header', h({ alg: 'EdDSA', cty: 'JWT', typ: 'vrm.AgreementProposal', kid }), 'BAD_HEADER'),
    v('alg none, empty signature', withSig(h({ alg: 'none', typ: 'vrm.AgreementProposal', kid }), ''), 'UNSUPPORTED_ALG'),
    v('alg HS256', h({ alg: 'HS256', typ: 'vrm.AgreementProposal', kid }), 'UNSUPPORTED_ALG'),
    v('alg ES256K', h({ alg: 'ES256K', typ: 'vrm.AgreementProposal', kid }), 'UNSUPPORTED_ALG'),
    v('alg Ed25519 (legacy name)', h({ alg: 'Ed25519', typ: 'vrm.AgreementProposal', kid }), 'UNSUPPORTED_ALG'),
    v('typ of another kind', token({ kind: 'vrm.Ack' }), 'WRONG_KIND'),
    v('typ JWT', h({ alg: 'EdDSA', typ: 'JWT', kid }), 'WRONG_KIND'),
    v('nbf claim', token({ claims: { ...claims(), nbf: IAT - DAY } }), 'BAD_CLAIM'),
    v('no exp', c({ exp: undefined }), 'BAD_CLAIM'),
    v('seq 0', c({ seq: 0 }), 'BAD_CLAIM'),
    v('prev not a message id', c({ prev: 'abc' }), 'BAD_CLAIM'),
    v('jti of 21 characters', c({ jti: fixedJti(1).slice(1) }), 'BAD_CLAIM'),
    v('did:web issuer', c({ iss: 'did:web:attacker.example' }), 'BAD_ISSUER'),
    v('issuer with a fragment', c({ iss: `${signer.did}#other` }), 'BAD_ISSUER'),
    v('kid of another DID', h({ alg: 'EdDSA', typ: 'vrm.AgreementProposal', kid: headerFor(mallory.did, 'vrm.AgreementProposal').kid }), 'BAD_KID'),
    v('no aud', c({ aud: undefined }), 'WRONG_AUDIENCE'),
    v('aud of someone else', c({ aud: mallory.did }), 'WRONG_AUDIENCE'),
    v('aud an array containing us', c({ aud: [recipient.did, mallory.did] }), 'WRONG_AUDIENCE'),
    v('iat a day ahead', c({ iat: IAT + DAY, exp: IAT + 2 * DAY }), 'NOT_YET_VALID'),
    v('expired past the skew', c({ iat: IAT - DAY, exp: IAT - 121 }), 'EXPIRED'),
    v('exp in milliseconds', c({ exp: VECTOR_NOW + DAY * 1000 }), 'LIFETIME_TOO_LONG'),
    v('exp a year ahead', c({ exp: IAT + 365 * DAY }), 'LIFETIME_TOO_LONG'),
    v('signed by another key', token({ key: mallory }), 'BAD_SIGNATURE'),
    v('payload swapped after signing', `${seg(good, 0)}.${seg(c({ seq: 2 }), 1)}.${seg(good, 2)}`, 'BAD_SIGNATURE'),
    v('63-byte signature', withSig(good, sigOf(good).subarray(0, 63)), 'BAD_SIGNATURE'),
    v('65-byte signature', withSig(good, Uint8Array.from([...sigOf(good), 0])), 'BAD_SIGNATURE'),
    v('all-zero signature', withSig(good, new Uint8Array(64)), 'BAD_SIGNATURE'),
    v('S + L (malleated signature)', withSig(good, plusL(sigOf(good))), 'BAD_SIGNATURE'),
    v('body with an extra field', body({ ...proposal, note: 'x' }), 'SCHEMA_INVALID'),
    v('terms sharing a field not in the list', body({ ...proposal, terms: { ...proposal.terms, share: ['email', 'ssn'] } }), 'SCHEMA_INVALID'),
    v('agreementId not the thread', body({ ...proposal, agreementId: fixedJti(9) }), 'THREAD_MISMATCH'),
    v('unknown term id', body({ ...proposal, terms: sampleTerms('SD-NOPE') }), 'UNKNOWN_TERM', policy(), 'terms'),
    v('term hash of another text', body({ ...proposal, terms: { ...proposal.terms, termHash: sampleTerms('SD-BASE-DP').termHash } }), 'TERM_HASH_MISMATCH', policy(), 'terms'),
    v('validUntil before validFrom', body({ ...proposal, terms: { ...proposal.terms, validUntil: '2025-12-31T00:00:00Z' } }), 'TERMS_CONFLICT', policy(), 'terms'),
    v('anonymised third parties under SD-BASE', body({ ...proposal, terms: { ...proposal.terms, recipients: 'anonymisedThirdParties' } }), 'TERMS_CONFLICT', policy(), 'terms')
  ]
  return { valid, invalid }
}

export const VECTOR_FILES = { valid: new URL('valid.json', import.meta.url), invalid: new URL('invalid.json', import.meta.url) }
export const render = (x: unknown): string => JSON.stringify(x, null, 2) + '\n'

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { valid, invalid } = buildVectors()
  writeFileSync(VECTOR_FILES.valid, render({ signerSeedHex: '01'.repeat(32), recipientSeedHex: '02'.repeat(32), vectors: valid }))
  writeFileSync(VECTOR_FILES.invalid, render({ signerSeedHex: '01'.repeat(32), recipientSeedHex: '02'.repeat(32), vectors: invalid }))
  console.log(`${valid.length} valid, ${invalid.length} invalid`)
}
