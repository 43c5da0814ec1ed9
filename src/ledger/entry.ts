import { createHash, hash } from 'node:crypto'
import { invalidArgument } from '../errors.ts'
import { messageId as messageIdOfJwt } from '../messages/message-id.ts'

/** One ledger entry, as stored under its zero-padded index (format: index.ts). */
export interface LedgerEntry {
  index: number
  /** ms since the epoch */
  at: number
  direction: 'sent' | 'received'
  /** the agreement id */
  thread: string
  /** the message kind, e.g. 'vrm.AgreementProposal' */
  kind: string
  /** CID of the exact JWT bytes */
  messageId: string
  /** the exact signed message; null once redacted (a data event whose data was deleted) */
  jwt: string | null
  redacted?: true
  prevHash: string
  hash: string
}

/** What a caller gives to append: the ledger fills in index, prevHash and hash. */
export interface LedgerAppend {
  direction: 'sent' | 'received'
  thread: string
  kind: string
  jwt: string
  /** checked against the JWT when given; computed when not (see `vouched`) */
  messageId?: string
  /**
   * Set only by a caller that holds the message as src/messages signed or verified it: then
   * `messageId` is src/messages' id of exactly this `jwt` and the JWT parsed, so the ledger
   * takes both as given instead of parsing and hashing the JWT again (docs/performance.md).
   * verify() still recomputes every id from the stored JWT, so a wrong one shows as 'edited'.
   */
  vouched?: true
  /** defaults to the ledger's clock */
  at?: number
}

export const HASH_PREFIX = 'sha256:'
export const GENESIS_HASH = HASH_PREFIX + '0'.repeat(64)
/** 12 digits: iteration order is chain order up to 10^12 - 1 entries */
export const INDEX_DIGITS = 12
export const HEAD_KEY = 'head'
export const MAX_INDEX = 10 ** INDEX_DIGITS - 1

// Bounds for what enters the ledger. A message frame is far smaller than MAX_JWT_CHARS
// (protocols/agreement); these only keep one bad caller from storing something absurd.
export const MAX_JWT_CHARS = 256 * 1024
export const MAX_THREAD_CHARS = 256
export const MAX_KIND_CHARS = 64
/** a vouched id longer than this is checked like any other (a CID of sha2-256 is 59) */
export const MAX_MESSAGE_ID_CHARS = 128

const HASH_RE = /^sha256:[0-9a-f]{64}$/
const KEY_RE = /^\d{12}$/
const KIND_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/
const B64URL_SEG = /^[A-Za-z0-9_-]+$/

export const entryKey = (index: number): string => String(index).padStart(INDEX_DIGITS, '0')
export const isEntryKey = (key: string): boolean => KEY_RE.test(key)

/**
 * JSON with object keys sorted and no whitespace. For the values an entry holds (strings and
 * safe integers) this is the JSON Canonicalization Scheme (RFC 8785).
 */
export function canonicalJson (value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    return `{${Object.keys(obj).sort().filter(k => obj[k] !== undefined).map(k => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** hash = sha256 over the canonical JSON of every stored field but `hash` (extra fields included). */
/**
 * The jwt itself is not hashed: its messageId (a hash of its exact bytes) is, and verify checks
 * that the two match. So the jwt of a data event can be erased when the agreement ends
 * (redact) and the chain still verifies, without the data living on in the ledger.
 */
export function entryHash (entry: object): string {
  const { hash: _omit, jwt: _jwt, redacted: _redacted, ...rest } = entry as Record<string, unknown>
  return HASH_PREFIX + createHash('sha256').update(canonicalJson(rest)).digest('hex')
}

/**
 * entryHash of an entry this module built, whose fields are exactly index, at, direction,
 * thread, kind, messageId, jwt, prevHash (and hash, redacted, not hashed): the same canonical
 * JSON written out in sorted key order, without entryHash's sorting and recursion.
 * test/ledger/entry-hash.test.ts holds the two equal.
 */
export function sealHash (e: Pick<LedgerEntry, 'index' | 'at' | 'direction' | 'thread' | 'kind' | 'messageId' | 'prevHash'>): string {
  const text = `{"at":${JSON.stringify(e.at)},"direction":${JSON.stringify(e.direction)},"index":${JSON.stringify(e.index)},"kind":${JSON.stringify(e.kind)},"messageId":${JSON.stringify(e.messageId)},"prevHash":${JSON.stringify(e.prevHash)},"thread":${JSON.stringify(e.thread)}}`
  return HASH_PREFIX + hash('sha256', text, 'hex')
}

/**
 * CIDv1, raw codec, sha2-256 of the JWT's UTF-8 bytes, base32: the default message id. The
 * same function as src/messages' (written out by hand there; its tests hold it to
 * multiformats' CID class).
 */
export function cidOfJwt (jwt: string): string {
  return messageIdOfJwt(jwt)
}

/** The payload of a compact JWS, or undefined when it is not one. No signature check. */
export function decodeJwtPayload (jwt: unknown): Record<string, unknown> | undefined {
  if (typeof jwt !== 'string') return undefined
  const parts = jwt.split('.')
  if (parts.length !== 3 || !parts.every(p => B64URL_SEG.test(p))) return undefined
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'))
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

type Checked = Omit<LedgerEntry, 'index' | 'prevHash' | 'hash' | 'at'> & { at?: number }

/** Checks what a caller wants to append; returns the fields with messageId filled in. */
export function checkAppend (fields: LedgerAppend, messageIdOf: (jwt: string) => string): Checked {
  if (fields === null || typeof fields !== 'object') throw invalidArgument('entry', 'must be an object')
  const { direction, thread, kind, jwt } = fields
  if (direction !== 'sent' && direction !== 'received') throw invalidArgument('direction', "must be 'sent' or 'received'")
  if (typeof thread !== 'string' || thread.length === 0 || thread.length > MAX_THREAD_CHARS) throw invalidArgument('thread', `must be a string of 1 to ${MAX_THREAD_CHARS} characters`)
  if (typeof kind !== 'string' || kind.length > MAX_KIND_CHARS || !KIND_RE.test(kind)) throw invalidArgument('kind', `must be a message kind such as 'vrm.AgreementProposal' (at most ${MAX_KIND_CHARS} characters)`)
  if (typeof jwt !== 'string' || jwt.length > MAX_JWT_CHARS) throw invalidArgument('jwt', `must be a string of at most ${MAX_JWT_CHARS} characters`)
  let messageId: string
  if (fields.vouched === true && typeof fields.messageId === 'string' && fields.messageId.length > 0 && fields.messageId.length <= MAX_MESSAGE_ID_CHARS) {
    // parsed and hashed by src/messages already (LedgerAppend.vouched)
    messageId = fields.messageId
  } else {
    if (decodeJwtPayload(jwt) === undefined) throw invalidArgument('jwt', 'is not a compact JWT with a JSON object payload')
    messageId = messageIdOf(jwt)
    if (fields.messageId !== undefined && fields.messageId !== messageId) throw invalidArgument('messageId', `is not the id of the JWT (expected ${messageId})`)
  }
  const at = fields.at
  if (at !== undefined && (!Number.isSafeInteger(at) || at < 0)) throw invalidArgument('at', 'must be a non-negative integer (ms since the epoch)')
  return { ...(at !== undefined ? { at } : {}), direction, thread, kind, messageId, jwt }
}

/**
 * Why a stored value is not a well-formed entry, or undefined when it is one. The hash is
 * not checked here.
 */
export function malformed (value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'it is not a JSON object'
  const e = value as Record<string, unknown>
  if (!Number.isSafeInteger(e.index) || (e.index as number) < 1) return 'its index is not a positive integer'
  if (!Number.isSafeInteger(e.at) || (e.at as number) < 0) return "its time ('at') is not a non-negative integer"
  if (e.direction !== 'sent' && e.direction !== 'received') return "its direction is neither 'sent' nor 'received'"
  for (const f of ['thread', 'kind', 'messageId'] as const) {
    if (typeof e[f] !== 'string') return `its ${f} is not a string`
  }
  if (typeof e.jwt !== 'string' && !(e.jwt === null && e.redacted === true && REDACTABLE.includes(e.kind as string))) return 'its jwt is not a string'
  if (typeof e.prevHash !== 'string' || !HASH_RE.test(e.prevHash)) return 'its prevHash is not a sha256: hash'
  if (typeof e.hash !== 'string' || !HASH_RE.test(e.hash)) return 'its hash is not a sha256: hash'
  return undefined
}

/** Only data-bearing messages may have their content erased (data deleted under the agreement). */
export const REDACTABLE: readonly string[] = ['vrm.AgreementEvent']

export interface LedgerHead {
  /** index of the last entry; 0 for an empty ledger */
  index: number
  /** hash of the last entry; GENESIS_HASH for an empty ledger */
  hash: string
}

export function isHead (value: unknown): value is LedgerHead {
  if (value === null || typeof value !== 'object') return false
  const h = value as Record<string, unknown>
  return Number.isSafeInteger(h.index) && (h.index as number) >= 0 && typeof h.hash === 'string' && HASH_RE.test(h.hash)
}
