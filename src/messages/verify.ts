import { invalidArgument } from '../errors.ts'
import { publicKeyFromDidKey, verifyEd25519 } from '../identity/index.ts'
import { checkClaims, checkHeader } from './claims.ts'
import { decodeJws } from './codec.ts'
import { DEFAULT_MAX_LIFETIME_SECONDS, DEFAULT_SKEW_SECONDS, isKind, MAX_MESSAGE_BYTES } from './kinds.ts'
import { messageId } from './message-id.ts'
import { validateBody } from './schemas.ts'
import type { VerifiedMessage, VerifyPolicy } from './index.ts'
import { invalidMessage } from './wire.ts'

/**
 * Strict verification of one message, fail closed, first failure wins, cheapest first:
 * size, shape, encoding, header, claims, time, then the signature, and only then the body's
 * JSON Schema (security research 2.4). Throws HearthError INVALID_MESSAGE with details.wire;
 * anything else escaping from here is a bug (test/messages/properties.test.ts).
 */
const ED25519_SIGNATURE_BYTES = 64

export function verifyMessage (jwt: string, policy: VerifyPolicy): VerifiedMessage {
  const { kinds, audience } = policy
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every(isKind)) throw invalidArgument('policy.kinds', 'must list message kinds')
  if (typeof audience !== 'string') throw invalidArgument('policy.audience', 'must be our DID')
  const maxBytes = policy.maxBytes ?? MAX_MESSAGE_BYTES
  const nowMs = policy.now ?? Date.now()

  if (typeof jwt !== 'string') throw invalidMessage('MALFORMED', 'a message is a compact JWS string')
  const { signingInput, signature, header: rawHeader, payload: rawPayload } = decodeJws(jwt, maxBytes)

  const header = checkHeader(rawHeader, kinds)
  const payload = checkClaims(rawPayload, header, audience, {
    nowSeconds: Math.floor(nowMs / 1000),
    skewSeconds: policy.skewSeconds ?? DEFAULT_SKEW_SECONDS,
    maxLifetimeSeconds: policy.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS
  })

  if (signature.length !== ED25519_SIGNATURE_BYTES) throw invalidMessage('BAD_SIGNATURE', `an Ed25519 signature is 64 bytes, not ${signature.length}`)
  // node:crypto (OpenSSL) verifies strictly per RFC 8032: S must be below the group order
  if (!verifyEd25519(publicKeyFromDidKey(payload.iss), Buffer.from(signingInput, 'ascii'), signature)) {
    throw invalidMessage('BAD_SIGNATURE', 'the signature is not by the key of iss')
  }

  validateBody(header.typ, payload.body)
  const body = payload.body as { agreementId?: unknown }
  // a body that names its agreement must travel in that agreement's thread
  if (body.agreementId !== undefined && body.agreementId !== payload.thread) {
    throw invalidMessage('THREAD_MISMATCH', 'body.agreementId is not the thread of the message', { field: 'body.agreementId' })
  }
  return { header, payload, id: messageId(jwt), jwt }
}
