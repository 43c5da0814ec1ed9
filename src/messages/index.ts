/**
 * Signed messages: every /vrm/agreement/1.0.0 message is a compact JWS (EdDSA) whose id is the
 * CID of its exact bytes; strict verification; a replay and sequence guard whose markers go in
 * the caller's store batch; length-prefixed framing; the IEEE 7012 terms roster.
 * Spec: protocols/agreement/README.md; terms: protocols/terms/README.md.
 */
import type { Kind } from './kinds.ts'

export interface MessageHeader {
  alg: 'EdDSA'
  typ: Kind
  /** '<iss>#<iss without did:key:>' */
  kid: string
}

export interface MessagePayload {
  /** sender's did:key */
  iss: string
  /** recipient's did:key */
  aud: string
  /** seconds since the epoch */
  iat: number
  exp: number
  /** 16 random bytes, base64url */
  jti: string
  /** the agreement id */
  thread: string
  /** id of the sender's previous message in this thread, or null */
  prev: string | null
  /** the sender's counter in this thread, from 1 */
  seq: number
  /** per kind: protocols/agreement/schemas/, types in src/agreements/types.generated.ts */
  body: unknown
}

export interface SignInput {
  kind: Kind
  aud: string
  thread: string
  prev: string | null
  seq: number
  body: unknown
  /** exp - iat; default DEFAULT_TTL_SECONDS (7 days). Receivers refuse more than their maxLifetimeSeconds. */
  ttlSeconds?: number
  /** ms since the epoch; default Date.now() */
  now?: number
}

export interface SignedMessage {
  jwt: string
  /** messageId(jwt) */
  id: string
  payload: MessagePayload
}

export interface VerifyPolicy {
  /** the kinds acceptable here; any other typ is WRONG_KIND */
  kinds: readonly Kind[]
  /** our DID: aud must equal it */
  audience: string
  /** ms since the epoch; default Date.now() */
  now?: number
  /** default DEFAULT_SKEW_SECONDS (120) */
  skewSeconds?: number
  /** largest exp - iat accepted; default DEFAULT_MAX_LIFETIME_SECONDS (7 days) */
  maxLifetimeSeconds?: number
  /** default MAX_MESSAGE_BYTES (64 KiB) */
  maxBytes?: number
}

export interface VerifiedMessage {
  header: MessageHeader
  payload: MessagePayload
  id: string
  /** the exact token, to store and hash as received */
  jwt: string
}

export {
  KINDS, MAX_MESSAGE_BYTES, DEFAULT_SKEW_SECONDS, DEFAULT_MAX_LIFETIME_SECONDS, DEFAULT_TTL_SECONDS, isKind
} from './kinds.ts'
export type { Kind } from './kinds.ts'
export type { WireCode } from './wire.ts'
export { WIRE_CODES } from './wire.ts'
export { signMessage, newRandomId } from './sign.ts'
export { messageId } from './message-id.ts'
export { verifyMessage } from './verify.ts'
export { validateBody, validateTerms } from './schemas.ts'
export { createReplayGuard } from './replay-guard.ts'
export type { ReplayGuard, ReplayGuardComponents, ReplayStore, ReplayOp } from './replay-guard.ts'
export { framedStream, timeoutScope, AGREEMENT_MAX_FRAME_BYTES, FRAME_TIMEOUT_MS } from './framing.ts'
export type { FramedStream, FramedStreamInit } from './framing.ts'
export { loadRoster, lookupTerm, checkTerms } from './terms.ts'
export type { RosterTerm, TermFlags } from './terms.ts'
