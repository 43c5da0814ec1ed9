import { isHearthError } from '../errors.ts'
import { publicKeyFromDidKey } from '../identity/index.ts'
import { hasKeysInOrder } from './codec.ts'
import { MESSAGE_ID_PATTERN, RANDOM_ID_PATTERN } from './kinds.ts'
import type { Kind } from './kinds.ts'
import { kidOf } from './sign.ts'
import type { MessageHeader, MessagePayload } from './index.ts'
import { invalidMessage } from './wire.ts'

/**
 * Header and claim checks of verifyMessage, cheapest first, each with its own wire code
 * (protocols/agreement/README.md, "Verification"). RFC 8725 sections 3.1 (pin the algorithm),
 * 3.9 (check aud), 3.11 (explicit typ); security research section 3 for what did-jwt leaves open.
 */
export const HEADER_KEYS = ['alg', 'typ', 'kid'] as const
export const CLAIMS = ['iss', 'aud', 'iat', 'exp', 'jti', 'thread', 'prev', 'seq', 'body'] as const

export function checkHeader (header: Record<string, unknown>, kinds: readonly Kind[]): MessageHeader {
  // crit, cty, jku, x5u, b64, jwk, x5c...: none is understood, so none is allowed (RFC 7515 4.1.11)
  for (const k of Object.keys(header)) {
    if (!(HEADER_KEYS as readonly string[]).includes(k)) throw invalidMessage('BAD_HEADER', `header parameter ${JSON.stringify(k.slice(0, 40))} is not allowed`)
  }
  // the algorithm is pinned, never taken from the token (RFC 8725 3.1): none, HS*, ES*, 'Ed25519' refused
  if (header.alg !== 'EdDSA') throw invalidMessage('UNSUPPORTED_ALG', `alg must be EdDSA, not ${JSON.stringify(String(header.alg).slice(0, 40))}`)
  if (typeof header.typ !== 'string' || !(kinds as readonly string[]).includes(header.typ)) {
    throw invalidMessage('WRONG_KIND', `typ ${JSON.stringify(String(header.typ).slice(0, 60))} is not one of ${kinds.join(', ')}`)
  }
  if (typeof header.kid !== 'string') throw invalidMessage('BAD_KID', 'kid is missing')
  if (!hasKeysInOrder(header, HEADER_KEYS)) throw invalidMessage('MALFORMED', `header parameters must appear in the order ${HEADER_KEYS.join(', ')}`)
  return header as unknown as MessageHeader
}

export interface TimePolicy { nowSeconds: number, skewSeconds: number, maxLifetimeSeconds: number }

export function checkClaims (payload: Record<string, unknown>, header: MessageHeader, audience: string, time: TimePolicy): MessagePayload {
  for (const k of Object.keys(payload)) {
    // nbf included: did-jwt skips its iat check when nbf is present (security research B.2 item 28)
    if (!(CLAIMS as readonly string[]).includes(k)) throw invalidMessage('BAD_CLAIM', `claim ${JSON.stringify(k.slice(0, 40))} is not allowed`, { field: k.slice(0, 40) })
  }
  const { iss, aud, iat, exp, jti, thread, prev, seq } = payload
  if (typeof iss !== 'string') throw invalidMessage('BAD_ISSUER', 'iss is missing or not a string')
  try {
    // did:key only, exact and canonical: no did:web (no network fetch, B.2 item 31), no path/query/fragment
    publicKeyFromDidKey(iss)
  } catch (err) {
    if (!isHearthError(err)) throw err
    throw invalidMessage('BAD_ISSUER', `iss is not an Ed25519 did:key: ${err.message}`)
  }
  if (header.kid !== kidOf(iss)) throw invalidMessage('BAD_KID', 'kid is not the verification method of iss (<iss>#<key>)')
  // a string equal to ours; an array is refused, even one that contains us (CVE-2020-26160)
  if (typeof aud !== 'string') throw invalidMessage('WRONG_AUDIENCE', aud === undefined ? 'aud is missing' : 'aud must be one DID string (arrays are refused)')
  if (aud !== audience) throw invalidMessage('WRONG_AUDIENCE', 'aud is another recipient')
  if (!Number.isSafeInteger(iat) || (iat as number) < 0) throw invalidMessage('BAD_CLAIM', 'iat must be a non-negative integer (seconds)', { field: 'iat' })
  if (!Number.isSafeInteger(exp)) throw invalidMessage('BAD_CLAIM', 'exp is missing or not an integer (seconds)', { field: 'exp' })
  if ((exp as number) <= (iat as number)) throw invalidMessage('BAD_CLAIM', 'exp must be after iat', { field: 'exp' })
  if (typeof jti !== 'string' || !RANDOM_ID_PATTERN.test(jti)) throw invalidMessage('BAD_CLAIM', 'jti must be 16 bytes in base64url (22 characters)', { field: 'jti' })
  if (typeof thread !== 'string' || !RANDOM_ID_PATTERN.test(thread)) throw invalidMessage('BAD_CLAIM', 'thread must be an agreement id (22 base64url characters)', { field: 'thread' })
  if (prev !== null && (typeof prev !== 'string' || !MESSAGE_ID_PATTERN.test(prev))) throw invalidMessage('BAD_CLAIM', 'prev must be a message id or null', { field: 'prev' })
  if (!Number.isSafeInteger(seq) || (seq as number) < 1) throw invalidMessage('BAD_CLAIM', 'seq must be an integer >= 1', { field: 'seq' })
  if (!('body' in payload)) throw invalidMessage('BAD_CLAIM', 'body is missing', { field: 'body' })
  // every claim is present and none is extra: only the order can still differ
  if (!hasKeysInOrder(payload, CLAIMS)) throw invalidMessage('MALFORMED', `claims must appear in the order ${CLAIMS.join(', ')}`)

  const { nowSeconds, skewSeconds, maxLifetimeSeconds } = time
  if ((iat as number) > nowSeconds + skewSeconds) throw invalidMessage('NOT_YET_VALID', 'iat is in the future')
  if ((exp as number) <= nowSeconds - skewSeconds) throw invalidMessage('EXPIRED', 'exp has passed')
  // also catches exp in milliseconds (13 digits), which lax verifiers take for a far future (B.2 26)
  if ((exp as number) - (iat as number) > maxLifetimeSeconds) throw invalidMessage('LIFETIME_TOO_LONG', `exp - iat is over ${maxLifetimeSeconds} s`)
  return payload as unknown as MessagePayload
}
