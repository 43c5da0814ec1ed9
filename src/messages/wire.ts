import { HearthError } from '../errors.ts'

/**
 * Wire error codes of /vrm/agreement/1.0.0 (protocols/agreement/README.md, "Wire codes").
 * They belong to the protocol: a refused message travels back as Ack.error.code, and in process
 * every refusal is HearthError('INVALID_MESSAGE') with details.wire set to one of these.
 */
export type WireCode =
  // envelope, in the order verifyMessage checks them
  | 'TOO_LARGE'
  | 'MALFORMED'
  | 'BAD_HEADER'
  | 'UNSUPPORTED_ALG'
  | 'WRONG_KIND'
  | 'BAD_CLAIM'
  | 'BAD_ISSUER'
  | 'BAD_KID'
  | 'WRONG_AUDIENCE'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'LIFETIME_TOO_LONG'
  | 'BAD_SIGNATURE'
  | 'SCHEMA_INVALID'
  | 'THREAD_MISMATCH'
  // replay guard
  | 'REPLAYED'
  | 'SEQ_REGRESSION'
  // terms roster
  | 'UNKNOWN_TERM'
  | 'TERM_HASH_MISMATCH'
  | 'TERMS_CONFLICT'

export const WIRE_CODES: readonly WireCode[] = [
  'TOO_LARGE', 'MALFORMED', 'BAD_HEADER', 'UNSUPPORTED_ALG', 'WRONG_KIND', 'BAD_CLAIM', 'BAD_ISSUER',
  'BAD_KID', 'WRONG_AUDIENCE', 'NOT_YET_VALID', 'EXPIRED', 'LIFETIME_TOO_LONG', 'BAD_SIGNATURE',
  'SCHEMA_INVALID', 'THREAD_MISMATCH', 'REPLAYED', 'SEQ_REGRESSION', 'UNKNOWN_TERM', 'TERM_HASH_MISMATCH',
  'TERMS_CONFLICT'
]

/** The one way src/messages refuses input: the message text is for people, `wire` for code. */
export function invalidMessage (wire: WireCode, why: string, details: Record<string, unknown> = {}): HearthError {
  return new HearthError('INVALID_MESSAGE', `invalid message (${wire}): ${why}`, { details: { ...details, wire } })
}
