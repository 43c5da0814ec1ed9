import { invalidArgument, isHearthError } from '../errors.ts'
import type { HearthError } from '../errors.ts'
import { publicKeyFromDidKey, verifyEd25519 } from '../identity/index.ts'
import type { Ed25519Key } from '../identity/index.ts'
import { checkHeader } from '../messages/claims.ts'
import { decodeJws, hasKeysInOrder } from '../messages/codec.ts'
import { DEFAULT_SKEW_SECONDS, RANDOM_ID_PATTERN } from '../messages/kinds.ts'
import type { Kind } from '../messages/kinds.ts'
import { invalidMessage } from '../messages/wire.ts'
import type { WireCode } from '../messages/wire.ts'
import { messageId } from '../messages/message-id.ts'
import { encodeToken, kidOf, newRandomId } from '../messages/sign.ts'
import { lookupTerm } from '../messages/terms.ts'
import { isCategory } from './categories.ts'
import { validateIntentcastBody } from './schemas.ts'
import type { IntentBody, OfferBody, OfferResponseBody } from './types.ts'

/**
 * The intentcast envelope (protocols/intentcast/README.md, sections 1-2): a compact JWS, alg
 * EdDSA, header {alg, typ, kid} as in /vrm/agreement/1.0.0, but a shorter payload {iss, aud?,
 * iat, exp, jti, body}: no thread, prev or seq, because an intent is signed by a key used for
 * nothing else and travels to whoever listens. Signing and the byte-level checks are those of
 * src/messages (imported, not copied); the claim and cross-field rules are this protocol's.
 */
export const INTENTCAST_KINDS = ['vrm.Intent', 'vrm.IntentUpdate', 'vrm.IntentWithdrawal', 'vrm.Offer', 'vrm.OfferResponse'] as const
export type IntentcastKind = typeof INTENTCAST_KINDS[number]

/** README "Limits": a whole JWT (UTF-8 bytes), so the plaintext of every sealed box too. */
export const MAX_INTENTCAST_MESSAGE_BYTES = 16 * 1024
/** README "Limits": exp - iat of any intentcast message (an intent lives at most 90 days). */
export const MAX_INTENT_LIFETIME_SECONDS = 90 * 24 * 3600
/** README "Limits": clock skew tolerated on iat and exp, as for agreements. */
export const INTENTCAST_SKEW_SECONDS = DEFAULT_SKEW_SECONDS
/** The direct stream protocol (an accept, README section 6). */
export const INTENTCAST_PROTOCOL = '/vrm/intentcast/1.0.0'
/** Claims in their one allowed order; aud only in kinds that are addressed. */
export const INTENTCAST_CLAIMS = ['iss', 'aud', 'iat', 'exp', 'jti', 'body'] as const
/** Kinds signed for one recipient (aud required); the others must have none. */
export const ADDRESSED_KINDS: readonly IntentcastKind[] = ['vrm.Offer', 'vrm.OfferResponse']

/**
 * Wire codes of intentcasting (README section 8): the envelope codes of /vrm/agreement/1.0.0
 * plus the ones only intentcasting has. Every refusal is HearthError('INVALID_MESSAGE') with
 * details.wire, made by src/messages' invalidMessage.
 */
export type IntentcastWireCode =
  | WireCode
  // cross-field rules of verifyIntentcast
  | 'UNKNOWN_CATEGORY'
  | 'EXPIRY_MISMATCH'
  | 'VENDOR_MISMATCH'
  | 'DECISION_MISMATCH'
  // openSealed
  | 'UNSEALABLE'

export const INTENTCAST_ONLY_WIRE_CODES = ['UNKNOWN_CATEGORY', 'EXPIRY_MISMATCH', 'VENDOR_MISMATCH', 'DECISION_MISMATCH', 'UNSEALABLE'] as const

export function intentcastInvalid (wire: IntentcastWireCode, why: string, details: Record<string, unknown> = {}): HearthError {
  // one namespace of codes (the README lists both sets); only the TypeScript type is wider
  return invalidMessage(wire as WireCode, why, details)
}

export interface IntentcastPayload { iss: string, aud?: string, iat: number, exp: number, jti: string, body: unknown }
export interface SignedIntentcast { jwt: string, id: string /* messageId(jwt), CID */, payload: IntentcastPayload }
export interface VerifiedIntentcast extends SignedIntentcast { kind: IntentcastKind }

export interface IntentcastSignInput {
  kind: IntentcastKind
  body: unknown
  /** Offer: the intent's pairwise DID; OfferResponse: the vendor's DID; never for intents */
  aud?: string
  /** seconds since the epoch; for an Intent/IntentUpdate it must equal body.expiresAt, for an Offer body.validUntil */
  exp: number
  /** ms since the epoch; default Date.now() */
  now?: number
}

export interface IntentcastVerifyPolicy {
  /** the kinds acceptable here; any other typ is WRONG_KIND */
  kinds: readonly IntentcastKind[]
  /** when given, aud of an Offer or OfferResponse must equal it */
  audience?: string
  /** ms since the epoch; default Date.now() */
  now?: number
  /** default MAX_INTENTCAST_MESSAGE_BYTES */
  maxBytes?: number
  /** default INTENTCAST_SKEW_SECONDS */
  skewSeconds?: number
}

export const isIntentcastKind = (value: unknown): value is IntentcastKind =>
  typeof value === 'string' && (INTENTCAST_KINDS as readonly string[]).includes(value)

const isAddressed = (kind: IntentcastKind): boolean => ADDRESSED_KINDS.includes(kind)
const claimOrder = (addressed: boolean): readonly string[] => addressed ? INTENTCAST_CLAIMS : INTENTCAST_CLAIMS.filter(c => c !== 'aud')

export const intentcastHeader = (did: string, kind: IntentcastKind): { alg: 'EdDSA', typ: IntentcastKind, kid: string } => ({ alg: 'EdDSA', typ: kind, kid: kidOf(did) })

export function signIntentcast (key: Ed25519Key, m: IntentcastSignInput): SignedIntentcast {
  if (!isIntentcastKind(m.kind)) throw invalidArgument('kind', `unknown intentcast kind ${JSON.stringify(String(m.kind).slice(0, 40))}`)
  if (isAddressed(m.kind)) {
    if (m.aud === undefined) throw invalidArgument('aud', `a ${m.kind} is addressed to one DID`)
    publicKeyFromDidKey(m.aud)
  } else if (m.aud !== undefined) {
    throw invalidArgument('aud', `a ${m.kind} is not addressed to anyone (it must not name a recipient)`)
  }
  const now = m.now ?? Date.now()
  if (!Number.isFinite(now)) throw invalidArgument('now', 'must be a time in ms')
  const iat = Math.floor(now / 1000)
  if (!Number.isSafeInteger(m.exp) || m.exp <= iat) throw invalidArgument('exp', 'must be an integer number of seconds after now')
  if (m.exp - iat > MAX_INTENT_LIFETIME_SECONDS) throw invalidArgument('exp', `must be at most ${MAX_INTENT_LIFETIME_SECONDS} s after now (90 days)`)
  const payload: IntentcastPayload = m.aud === undefined
    ? { iss: key.did, iat, exp: m.exp, jti: newRandomId(), body: m.body }
    : { iss: key.did, aud: m.aud, iat, exp: m.exp, jti: newRandomId(), body: m.body }
  // sign only what a receiver would accept: a bad body is refused here with the receiver's code
  validateIntentcastBody(m.kind, m.body)
  checkIntentcastRules(m.kind, payload)
  const jwt = encodeToken(key, intentcastHeader(key.did, m.kind), payload)
  const bytes = Buffer.byteLength(jwt, 'utf8')
  if (bytes > MAX_INTENTCAST_MESSAGE_BYTES) throw intentcastInvalid('TOO_LARGE', `the signed ${m.kind} is ${bytes} bytes, over the ${MAX_INTENTCAST_MESSAGE_BYTES}-byte limit`)
  return { jwt, id: messageId(jwt), payload }
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true })
const ED25519_SIGNATURE_BYTES = 64

/**
 * Strict verification, fail closed, first failure wins, cheapest first: size, shape, header,
 * claims, time, signature, body schema, then the cross-field rules. Throws HearthError
 * INVALID_MESSAGE with details.wire (README section 2); anything else escaping is a bug
 * (test/intentcast/properties.test.ts). A Uint8Array is gossipsub data: the UTF-8 of the JWT.
 */
export function verifyIntentcast (jwt: string | Uint8Array, policy: IntentcastVerifyPolicy): VerifiedIntentcast {
  const { kinds, audience } = policy
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every(isIntentcastKind)) throw invalidArgument('policy.kinds', 'must list intentcast kinds')
  if (audience !== undefined && typeof audience !== 'string') throw invalidArgument('policy.audience', 'must be a DID')
  const maxBytes = policy.maxBytes ?? MAX_INTENTCAST_MESSAGE_BYTES
  const nowMs = policy.now ?? Date.now()
  const skew = policy.skewSeconds ?? INTENTCAST_SKEW_SECONDS

  let token: string
  if (jwt instanceof Uint8Array) {
    if (jwt.byteLength > maxBytes) throw intentcastInvalid('TOO_LARGE', `over the ${maxBytes}-byte limit`)
    try {
      token = utf8Decoder.decode(jwt)
    } catch {
      throw intentcastInvalid('MALFORMED', 'a message is the UTF-8 text of a compact JWS')
    }
  } else if (typeof jwt === 'string') {
    token = jwt
  } else {
    throw intentcastInvalid('MALFORMED', 'a message is a compact JWS string')
  }
  const { signingInput, signature, header: rawHeader, payload: rawPayload } = decodeJws(token, maxBytes)

  // the header rules are the agreement protocol's; only the list of kinds differs
  const header = checkHeader(rawHeader, kinds as unknown as readonly Kind[])
  const kind = header.typ as unknown as IntentcastKind
  const payload = checkIntentcastClaims(rawPayload, header.kid, kind, audience)

  const nowSeconds = Math.floor(nowMs / 1000)
  if (payload.iat > nowSeconds + skew) throw intentcastInvalid('NOT_YET_VALID', 'iat is in the future')
  if (payload.exp <= nowSeconds - skew) throw intentcastInvalid('EXPIRED', 'exp has passed')
  // also catches exp in milliseconds, which lax verifiers take for a far future
  if (payload.exp - payload.iat > MAX_INTENT_LIFETIME_SECONDS) throw intentcastInvalid('LIFETIME_TOO_LONG', `exp - iat is over ${MAX_INTENT_LIFETIME_SECONDS} s (90 days)`)

  if (signature.length !== ED25519_SIGNATURE_BYTES) throw intentcastInvalid('BAD_SIGNATURE', `an Ed25519 signature is 64 bytes, not ${signature.length}`)
  if (!verifyEd25519(publicKeyFromDidKey(payload.iss), Buffer.from(signingInput, 'ascii'), signature)) {
    throw intentcastInvalid('BAD_SIGNATURE', 'the signature is not by the key of iss')
  }

  validateIntentcastBody(kind, payload.body)
  checkIntentcastRules(kind, payload)
  return { jwt: token, id: messageId(token), payload, kind }
}

function checkIntentcastClaims (payload: Record<string, unknown>, kid: string, kind: IntentcastKind, audience: string | undefined): IntentcastPayload {
  for (const k of Object.keys(payload)) {
    // nbf included: did-jwt skips its iat check when nbf is present
    if (!(INTENTCAST_CLAIMS as readonly string[]).includes(k)) throw intentcastInvalid('BAD_CLAIM', `claim ${JSON.stringify(k.slice(0, 40))} is not allowed`, { field: k.slice(0, 40) })
  }
  const { iss, aud, iat, exp, jti } = payload
  if (typeof iss !== 'string') throw intentcastInvalid('BAD_ISSUER', 'iss is missing or not a string')
  try {
    publicKeyFromDidKey(iss)
  } catch (err) {
    if (!isHearthError(err)) throw err
    throw intentcastInvalid('BAD_ISSUER', `iss is not an Ed25519 did:key: ${err.message}`)
  }
  if (kid !== kidOf(iss)) throw intentcastInvalid('BAD_KID', 'kid is not the verification method of iss (<iss>#<key>)')
  const addressed = isAddressed(kind)
  if (!addressed) {
    // an intent goes to whoever listens: a recipient in it would say who she chose
    if ('aud' in payload) throw intentcastInvalid('WRONG_AUDIENCE', `a ${kind} must not have aud`)
  } else {
    if (typeof aud !== 'string') throw intentcastInvalid('WRONG_AUDIENCE', aud === undefined ? 'aud is missing' : 'aud must be one DID string (arrays are refused)')
    try {
      publicKeyFromDidKey(aud)
    } catch (err) {
      if (!isHearthError(err)) throw err
      throw intentcastInvalid('WRONG_AUDIENCE', 'aud is not an Ed25519 did:key')
    }
    if (audience !== undefined && aud !== audience) throw intentcastInvalid('WRONG_AUDIENCE', 'aud is another recipient')
  }
  if (!Number.isSafeInteger(iat) || (iat as number) < 0) throw intentcastInvalid('BAD_CLAIM', 'iat must be a non-negative integer (seconds)', { field: 'iat' })
  if (!Number.isSafeInteger(exp)) throw intentcastInvalid('BAD_CLAIM', 'exp is missing or not an integer (seconds): every intentcast message expires', { field: 'exp' })
  if ((exp as number) <= (iat as number)) throw intentcastInvalid('BAD_CLAIM', 'exp must be after iat', { field: 'exp' })
  if (typeof jti !== 'string' || !RANDOM_ID_PATTERN.test(jti)) throw intentcastInvalid('BAD_CLAIM', 'jti must be 16 bytes in base64url (22 characters)', { field: 'jti' })
  if (!('body' in payload)) throw intentcastInvalid('BAD_CLAIM', 'body is missing', { field: 'body' })
  const order = claimOrder(addressed)
  if (!hasKeysInOrder(payload, order)) throw intentcastInvalid('MALFORMED', `claims must appear in the order ${order.join(', ')}`)
  return payload as unknown as IntentcastPayload
}

/**
 * The rules a JSON Schema cannot say (README section 2, rows after SCHEMA_INVALID), on a body
 * that already passed its schema. Exported for the vectors generator and the runtime.
 */
export function checkIntentcastRules (kind: IntentcastKind, payload: IntentcastPayload): void {
  switch (kind) {
    case 'vrm.Intent':
    case 'vrm.IntentUpdate': {
      const body = payload.body as IntentBody
      if (!isCategory(body.category)) throw intentcastInvalid('UNKNOWN_CATEGORY', `category ${JSON.stringify(body.category)} is not in the category list`, { field: 'body.category' })
      checkIntentTerms(body.terms.termHash, 'body.terms.termHash')
      checkExpiry(body.expiresAt, payload.exp, 'body.expiresAt')
      if (body.where?.region !== undefined && !body.where.region.startsWith(`${body.where.country}-`)) {
        throw intentcastInvalid('SCHEMA_INVALID', 'body.where.region is not a subdivision of body.where.country', { field: 'body.where.region' })
      }
      const from = body.when?.from === undefined ? undefined : dateMs(body.when.from, 'body.when.from')
      const until = body.when?.until === undefined ? undefined : dateMs(body.when.until, 'body.when.until')
      if (from !== undefined && until !== undefined && from > until) throw intentcastInvalid('SCHEMA_INVALID', 'body.when.from is after body.when.until', { field: 'body.when.from' })
      if (body.budget?.min !== undefined && compareDecimal(body.budget.min, body.budget.max) > 0) {
        throw intentcastInvalid('SCHEMA_INVALID', 'body.budget.min is above body.budget.max', { field: 'body.budget.min' })
      }
      return
    }
    case 'vrm.Offer': {
      const body = payload.body as OfferBody
      if (body.vendor.did !== payload.iss) throw intentcastInvalid('VENDOR_MISMATCH', 'body.vendor.did is not the signer (iss)', { field: 'body.vendor.did' })
      checkIntentTerms(body.acceptsTerms.termHash, 'body.acceptsTerms.termHash')
      checkExpiry(body.validUntil, payload.exp, 'body.validUntil')
      if (body.fulfilment.estimatedDelivery !== undefined) dateMs(body.fulfilment.estimatedDelivery, 'body.fulfilment.estimatedDelivery')
      if (body.proposedAgreement !== undefined && lookupTerm(body.proposedAgreement.termId) === undefined) {
        throw intentcastInvalid('UNKNOWN_TERM', `term ${JSON.stringify(body.proposedAgreement.termId)} is not in the roster`, { field: 'body.proposedAgreement.termId' })
      }
      return
    }
    case 'vrm.OfferResponse': {
      const body = payload.body as OfferResponseBody
      if (body.decision === 'accept') {
        // accepting is revealing herself: her DID and the agreement she opened with the vendor
        if (body.did === undefined) throw intentcastInvalid('DECISION_MISMATCH', 'an accept must carry did', { field: 'body.did' })
        if (body.agreementId === undefined) throw intentcastInvalid('DECISION_MISMATCH', 'an accept must carry agreementId', { field: 'body.agreementId' })
        if (body.code !== undefined) throw intentcastInvalid('DECISION_MISMATCH', 'code is for a decline only', { field: 'body.code' })
        try {
          publicKeyFromDidKey(body.did)
        } catch (err) {
          if (!isHearthError(err)) throw err
          throw intentcastInvalid('SCHEMA_INVALID', 'body.did is not an Ed25519 did:key', { field: 'body.did' })
        }
      } else {
        // a decline stays anonymous
        if (body.did !== undefined) throw intentcastInvalid('DECISION_MISMATCH', 'a decline must not carry did', { field: 'body.did' })
        if (body.agreementId !== undefined) throw intentcastInvalid('DECISION_MISMATCH', 'a decline must not carry agreementId', { field: 'body.agreementId' })
      }
      return
    }
    case 'vrm.IntentWithdrawal':
  }
}

function checkIntentTerms (termHash: string, field: string): void {
  const term = lookupTerm('PDC-INTENT')
  if (term === undefined || termHash !== term.hash) throw intentcastInvalid('TERM_HASH_MISMATCH', `${field} is not the hash of PDC-INTENT's text`, { field })
}

/** An RFC 3339 date-time (schema-checked shape) as ms; a day the month does not have is refused (Date.parse rolls it over). */
function dateMs (text: string, field: string): number {
  const [y, m, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number]
  const ms = Date.parse(text)
  if (d > new Date(Date.UTC(y, m, 0)).getUTCDate() || !Number.isFinite(ms)) throw intentcastInvalid('SCHEMA_INVALID', `${field} is not a real date`, { field })
  return ms
}

function checkExpiry (text: string, exp: number, field: string): void {
  if (dateMs(text, field) !== exp * 1000) throw intentcastInvalid('EXPIRY_MISMATCH', `${field} is not the exp claim (${new Date(exp * 1000).toISOString()})`, { field })
}

/** Compare two schema-valid decimal strings (no sign, no exponent) without floating point. */
export function compareDecimal (a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.')
  const [bi = '', bf = ''] = b.split('.')
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1
  const x = ai + af.padEnd(4, '0')
  const y = bi + bf.padEnd(4, '0')
  return x < y ? -1 : x > y ? 1 : 0
}
