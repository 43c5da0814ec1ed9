import { randomBytes } from 'node:crypto'
import { invalidArgument } from '../errors.ts'
import type { Ed25519Key } from '../identity/index.ts'
import { publicKeyFromDidKey } from '../identity/index.ts'
import { encodeBase64url } from './codec.ts'
import { DEFAULT_TTL_SECONDS, isKind, MESSAGE_ID_PATTERN, RANDOM_ID_BYTES, RANDOM_ID_PATTERN } from './kinds.ts'
import type { Kind } from './kinds.ts'
import { messageId } from './message-id.ts'
import { validateBody } from './schemas.ts'
import type { MessageHeader, MessagePayload, SignedMessage, SignInput } from './index.ts'

/**
 * Signing: a compact JWS (RFC 7515) with alg EdDSA (RFC 8037), signed by node:crypto through
 * Ed25519Key.sign, about 15x faster than did-jwt's default signer (libp2p-engineering
 * research, section 9); did-jwt's verifyJWT accepts the result (test/messages/did-jwt-conformance).
 * Header and payload are written in one fixed key order, which verifiers require.
 */
export function newRandomId (): string {
  // never one that starts with '-': people pass ids to the CLI, whose parser would take
  // `hearth offer show -Kx…` for an option (1 in 64 ids; receivers still accept any)
  for (;;) {
    const id = encodeBase64url(randomId())
    if (id[0] !== '-') return id
  }
}

/**
 * Random bytes for ids are drawn from the CSPRNG 64 ids at a time (as node:crypto's randomUUID
 * does), each byte handed out once: one randomBytes call per id cost about 4 us, most of it
 * the call itself.
 */
const POOL_BYTES = 64 * RANDOM_ID_BYTES
let pool = Buffer.alloc(0)
let used = 0

function randomId (): Uint8Array {
  if (used + RANDOM_ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES)
    used = 0
  }
  const bytes = pool.subarray(used, used + RANDOM_ID_BYTES)
  used += RANDOM_ID_BYTES
  return bytes
}

/** `kid`: the did:key verification method, '<did>#<multibase key>' (did:key spec). */
export const kidOf = (did: string): string => `${did}#${did.slice('did:key:'.length)}`

export function signMessage (key: Ed25519Key, m: SignInput): SignedMessage {
  if (!isKind(m.kind)) throw invalidArgument('kind', `unknown message kind ${JSON.stringify(m.kind)}`)
  publicKeyFromDidKey(m.aud)
  if (typeof m.thread !== 'string' || !RANDOM_ID_PATTERN.test(m.thread)) throw invalidArgument('thread', 'must be an agreement id (22 base64url characters)')
  if (m.prev !== null && (typeof m.prev !== 'string' || !MESSAGE_ID_PATTERN.test(m.prev))) throw invalidArgument('prev', 'must be a message id or null')
  if (!Number.isSafeInteger(m.seq) || m.seq < 1) throw invalidArgument('seq', 'must be a safe integer >= 1')
  const ttl = m.ttlSeconds ?? DEFAULT_TTL_SECONDS
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw invalidArgument('ttlSeconds', 'must be a positive integer')
  const now = m.now ?? Date.now()
  if (!Number.isFinite(now)) throw invalidArgument('now', 'must be a time in ms')
  // sign only what a receiver would accept: a bad body here is a bug on our side
  validateBody(m.kind, m.body)
  const iat = Math.floor(now / 1000)
  const payload: MessagePayload = {
    iss: key.did, aud: m.aud, iat, exp: iat + ttl, jti: newRandomId(), thread: m.thread, prev: m.prev, seq: m.seq, body: m.body
  }
  const jwt = encodeToken(key, headerFor(key.did, m.kind), payload)
  return { jwt, id: messageId(jwt), payload }
}

export const headerFor = (did: string, kind: Kind): MessageHeader => ({ alg: 'EdDSA', typ: kind, kid: kidOf(did) })

/**
 * Not public: builds any token, including ones verifyMessage must refuse. Used by signMessage,
 * the vectors generator and the tests. Strings are used as the exact segment text.
 */
export function encodeToken (key: Ed25519Key, header: object | string, payload: object | string): string {
  const h = encodeBase64url(typeof header === 'string' ? header : JSON.stringify(header))
  const p = encodeBase64url(typeof payload === 'string' ? payload : JSON.stringify(payload))
  const signingInput = `${h}.${p}`
  return `${signingInput}.${encodeBase64url(key.sign(Buffer.from(signingInput, 'ascii')))}`
}
