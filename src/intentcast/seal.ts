import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { invalidArgument } from '../errors.ts'
import { assertBytes, concatBytes, fromBase64url, toBase64url, utf8, wipe } from '../identity/bytes.ts'
import { intentcastInvalid, MAX_INTENTCAST_MESSAGE_BYTES } from './wire.ts'

/**
 * A sealed box to an X25519 public key, sender anonymous (README section 5; libsodium's
 * crypto_box_seal idea, built from node:crypto parts): the sender makes a fresh ephemeral key
 * per box, so no two boxes share a key or nonce and nothing in a box names the sender.
 *
 *   box   = 0x01 || ephemeral public key (32) || ChaCha20-Poly1305(plaintext) || tag (16)
 *   okm   = HKDF-SHA256(ikm = X25519(eph, recipient), salt = eph_pub || recipient_pub,
 *                       info = 'hearth/intentcast/seal/v1:' + context, 44 bytes)
 *   key   = okm[0..32], nonce = okm[32..44], AAD = the first 33 bytes (version and eph_pub)
 *
 * The context ('offer' or 'inbox') binds a box to its use: an offer box is never read as an
 * inbox box. Vectors: protocols/intentcast/vectors/valid.json ("seal").
 */
export interface X25519KeyPair { publicKey: Uint8Array, privateKey: KeyObject }

export const SEAL_VERSION = 0x01
export const X25519_KEY_BYTES = 32
const TAG_BYTES = 16
const NONCE_BYTES = 12
const AEAD_KEY_BYTES = 32
/** version, ephemeral key and tag */
export const SEAL_OVERHEAD = 1 + X25519_KEY_BYTES + TAG_BYTES
/** README "Limits": a box holds at most one intentcast JWT. */
export const MAX_SEALED_BYTES = MAX_INTENTCAST_MESSAGE_BYTES + SEAL_OVERHEAD
export const SEAL_INFO_PREFIX = 'hearth/intentcast/seal/v1:'
export const MAX_SEAL_CONTEXT_LENGTH = 64
const CONTEXT_PATTERN = /^[a-z0-9-]{1,64}$/

// RFC 8410: OneAsymmetricKey { version 0, id-X25519 (1.3.101.110), OCTET STRING { key } }
const PKCS8_PREFIX = Uint8Array.from(Buffer.from('302e020100300506032b656e04220420', 'hex'))
// RFC 8410: SubjectPublicKeyInfo { id-X25519, BIT STRING { 32-byte u-coordinate } }
const SPKI_PREFIX = Uint8Array.from(Buffer.from('302a300506032b656e032100', 'hex'))

function keyPairOf (privateKey: KeyObject): X25519KeyPair {
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { publicKey: Uint8Array.from(spki.subarray(SPKI_PREFIX.length)), privateKey }
}

/** The X25519 key pair whose private scalar is `seed32` (RFC 7748: clamped when used). */
export function x25519FromSeed (seed32: Uint8Array): X25519KeyPair {
  assertBytes(seed32, X25519_KEY_BYTES, 'seed32')
  const der = concatBytes(PKCS8_PREFIX, seed32)
  try {
    return keyPairOf(createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }))
  } finally {
    wipe(der)
  }
}

/**
 * The X25519 key of an Ed25519 seed, as libsodium's crypto_sign_ed25519_sk_to_curve25519:
 * the first half of SHA-512(seed), clamped. Its public key is x25519PublicFromEd25519 of the
 * Ed25519 public key, so anyone can seal to a did:key and only its holder can open.
 */
export function x25519FromEd25519Seed (seed32: Uint8Array): X25519KeyPair {
  assertBytes(seed32, X25519_KEY_BYTES, 'seed32')
  const h = Uint8Array.from(createHash('sha512').update(seed32).digest())
  const scalar = h.slice(0, 32)
  scalar[0]! &= 248
  scalar[31]! &= 127
  scalar[31]! |= 64
  try {
    return x25519FromSeed(scalar)
  } finally {
    wipe(h, scalar)
  }
}

// edwards25519 (RFC 8032 section 5.1): p = 2^255 - 19, d = -121665/121666
const P = 2n ** 255n - 19n
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n
const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n
const mod = (a: bigint): bigint => ((a % P) + P) % P
function pow (base: bigint, exp: bigint): bigint {
  let result = 1n
  let b = mod(base)
  for (let e = exp; e > 0n; e >>= 1n) {
    if ((e & 1n) === 1n) result = (result * b) % P
    b = (b * b) % P
  }
  return result
}
const inv = (a: bigint): bigint => pow(a, P - 2n)
const leBytesToBigint = (bytes: Uint8Array): bigint => BigInt('0x' + (Buffer.from(bytes).reverse().toString('hex') || '0'))
function bigintToLeBytes (n: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse())
}

/**
 * The X25519 public key (Montgomery u) of an Ed25519 public key: u = (1 + y) / (1 - y) mod p,
 * the birational map of RFC 7748 section 4.1 that libsodium's crypto_sign_ed25519_pk_to_curve25519
 * computes. The key must be a canonical encoding of a curve point (RFC 8032 section 5.1.3
 * decoding); the identity is refused. Other small-order points are refused later by X25519
 * itself (an all-zero shared secret makes seal fail).
 */
export function x25519PublicFromEd25519 (publicKey: Uint8Array): Uint8Array {
  assertBytes(publicKey, X25519_KEY_BYTES, 'publicKey')
  const bytes = Uint8Array.from(publicKey)
  const xOdd = (bytes[31]! & 0x80) !== 0
  bytes[31]! &= 0x7f
  const y = leBytesToBigint(bytes)
  if (y >= P) throw invalidArgument('publicKey', 'not a canonical Ed25519 point (y >= p)')
  // RFC 8032 5.1.3: x^2 = (y^2 - 1) / (d y^2 + 1) must have a root
  const y2 = (y * y) % P
  const u = mod(y2 - 1n)
  const v = mod(D * y2 + 1n)
  const v3 = (v * v % P) * v % P
  let x = (u * v3 % P) * pow(u * (v3 * v3 % P) % P * v % P, (P - 5n) / 8n) % P
  const vx2 = v * (x * x % P) % P
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) throw invalidArgument('publicKey', 'not an Ed25519 point')
    x = x * SQRT_M1 % P
  }
  if (x === 0n && xOdd) throw invalidArgument('publicKey', 'not a canonical Ed25519 point')
  if (y === 1n) throw invalidArgument('publicKey', 'the identity point has no X25519 key')
  return bigintToLeBytes(mod((1n + y) * inv(mod(1n - y))))
}

/** base64url of a 32-byte X25519 public key, as in Intent.replyKey. */
export const encodeX25519PublicKey = (publicKey: Uint8Array): string => toBase64url(assertBytes(publicKey, X25519_KEY_BYTES, 'publicKey'))

/** The 32 bytes of a replyKey; INVALID_ARGUMENT for anything else (a verified intent's replyKey always decodes). */
export function decodeX25519PublicKey (text: string): Uint8Array {
  const bytes = typeof text === 'string' ? fromBase64url(text) : undefined
  if (bytes === undefined || bytes.length !== X25519_KEY_BYTES) throw invalidArgument('replyKey', 'must be a 32-byte X25519 public key in canonical base64url')
  return bytes
}

function checkContext (context: string): void {
  if (typeof context !== 'string' || !CONTEXT_PATTERN.test(context)) throw invalidArgument('context', 'must be 1..64 characters [a-z0-9-], e.g. offer or inbox')
}

const publicKeyObject = (publicKey: Uint8Array): KeyObject =>
  createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' })

function keyAndNonce (shared: Uint8Array, ephPub: Uint8Array, recipientPub: Uint8Array, context: string): { key: Uint8Array, nonce: Uint8Array } {
  const okm = new Uint8Array(hkdfSync('sha256', shared, concatBytes(ephPub, recipientPub), utf8(SEAL_INFO_PREFIX + context), AEAD_KEY_BYTES + NONCE_BYTES))
  return { key: okm.subarray(0, AEAD_KEY_BYTES), nonce: okm.subarray(AEAD_KEY_BYTES) }
}

/** Seal `plaintext` (at most MAX_INTENTCAST_MESSAGE_BYTES) so that only the holder of the recipient's private key can open it. */
export function seal (recipientPublicKey: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array {
  const { privateKey } = generateKeyPairSync('x25519')
  return sealWithEphemeral(keyPairOf(privateKey), recipientPublicKey, plaintext, context)
}

/**
 * seal() with a given ephemeral key. Not for production use (a reused ephemeral key reuses the
 * nonce): the vectors generator and tests need a fixed one.
 */
export function sealWithEphemeral (ephemeral: X25519KeyPair, recipientPublicKey: Uint8Array, plaintext: Uint8Array, context: string): Uint8Array {
  assertBytes(recipientPublicKey, X25519_KEY_BYTES, 'recipientPublicKey')
  if (!(plaintext instanceof Uint8Array)) throw invalidArgument('plaintext', 'must be a Uint8Array')
  if (plaintext.length > MAX_INTENTCAST_MESSAGE_BYTES) throw invalidArgument('plaintext', `must be at most ${MAX_INTENTCAST_MESSAGE_BYTES} bytes`)
  checkContext(context)
  let shared: Uint8Array
  try {
    shared = Uint8Array.from(diffieHellman({ privateKey: ephemeral.privateKey, publicKey: publicKeyObject(recipientPublicKey) }))
  } catch {
    // OpenSSL refuses an all-zero shared secret: the recipient key is a small-order point
    throw invalidArgument('recipientPublicKey', 'is not a usable X25519 public key')
  }
  const { key, nonce } = keyAndNonce(shared, ephemeral.publicKey, recipientPublicKey, context)
  const header = concatBytes(Uint8Array.of(SEAL_VERSION), ephemeral.publicKey)
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(header, { plaintextLength: plaintext.length })
  const body = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag())
  wipe(shared, key)
  return concatBytes(header, body)
}

/**
 * Open a box sealed to `recipient`. INVALID_MESSAGE with wire TOO_LARGE (over MAX_SEALED_BYTES),
 * MALFORMED (too short, unknown version) or UNSEALABLE (not for this key or context, or altered).
 */
export function openSealed (recipient: X25519KeyPair, sealed: Uint8Array, context: string): Uint8Array {
  checkContext(context)
  if (!(sealed instanceof Uint8Array)) throw intentcastInvalid('MALFORMED', 'a sealed box is bytes')
  if (sealed.length > MAX_SEALED_BYTES) throw intentcastInvalid('TOO_LARGE', `a sealed box is at most ${MAX_SEALED_BYTES} bytes`)
  if (sealed.length < SEAL_OVERHEAD) throw intentcastInvalid('MALFORMED', `a sealed box is at least ${SEAL_OVERHEAD} bytes`)
  if (sealed[0] !== SEAL_VERSION) throw intentcastInvalid('MALFORMED', `sealed box version ${sealed[0]!} is not ${SEAL_VERSION}`)
  const ephPub = sealed.subarray(1, 1 + X25519_KEY_BYTES)
  let shared: Uint8Array
  try {
    shared = Uint8Array.from(diffieHellman({ privateKey: recipient.privateKey, publicKey: publicKeyObject(ephPub) }))
  } catch {
    throw intentcastInvalid('UNSEALABLE', 'the ephemeral key is not usable')
  }
  const { key, nonce } = keyAndNonce(shared, ephPub, recipient.publicKey, context)
  const end = sealed.length - TAG_BYTES
  try {
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(sealed.subarray(0, 1 + X25519_KEY_BYTES), { plaintextLength: end - 1 - X25519_KEY_BYTES })
    decipher.setAuthTag(sealed.subarray(end))
    return concatBytes(decipher.update(sealed.subarray(1 + X25519_KEY_BYTES, end)), decipher.final())
  } catch {
    throw intentcastInvalid('UNSEALABLE', 'not sealed to this key and context, or altered')
  } finally {
    wipe(shared, key)
  }
}
