/**
 * The keystore file, version 1 (keys/README.md documents it field by field):
 *
 *   { "format": "hearth-keystore", "version": 1,
 *     "kdf": { "name": "scrypt", "logN": 17, "r": 8, "p": 1, "salt": b64url(16) },
 *     "cipher": { "name": "aes-256-gcm", "iv": b64url(12) },
 *     "ciphertext": b64url, "tag": b64url(16) }
 *
 * Parsing is strict and bounded: a file is attacker-controlled input until its tag verifies.
 */
import { HearthError } from '../errors.ts'
import { fromBase64url, toBase64url, utf8 } from './bytes.ts'

export const KEYSTORE_FORMAT = 'hearth-keystore'
export const KEYSTORE_FORMAT_VERSION = 1
/** A v1 file is under 1 KiB; anything near this is not ours and is not read into memory. */
export const MAX_KEYSTORE_BYTES = 64 * 1024
/** OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1 (128 MiB, ~0.3 s per unlock) */
export const DEFAULT_SCRYPT_LOG_N = 17
/** Fast enough for tests; use 15 or more for real keys. */
export const MIN_SCRYPT_LOG_N = 14
/** Read-side cap (age caps its work factor the same way): 2^20 with r=8 is 1 GiB of memory. */
export const MAX_SCRYPT_LOG_N = 20
export const SCRYPT_R = 8
export const SCRYPT_P = 1
export const SALT_LENGTH = 16
/** NIST SP 800-38D section 8.2: 96-bit random IVs; one key per file, so one IV per key. */
export const IV_LENGTH = 12
export const TAG_LENGTH = 16
const MAX_CIPHERTEXT_LENGTH = 4096

export interface KeystoreHeader {
  logN: number
  salt: Uint8Array
  iv: Uint8Array
}

export interface SealedKeystore extends KeystoreHeader {
  ciphertext: Uint8Array
  tag: Uint8Array
}

const corrupt = (why: string): HearthError => new HearthError('CORRUPT_KEYSTORE', `keystore is damaged or not a Hearth keystore: ${why}`)
const unsupported = (why: string): HearthError => new HearthError('UNSUPPORTED_FORMAT', `keystore not readable by this version of Hearth: ${why}`)

/**
 * The AEAD additional data: the header rebuilt from its values, in this key order, with no
 * whitespace. Binding it means an edited parameter fails decryption instead of being trusted.
 */
export function keystoreAad (header: KeystoreHeader): Uint8Array {
  return utf8(JSON.stringify(headerJson(header)))
}

function headerJson ({ logN, salt, iv }: KeystoreHeader): Record<string, unknown> {
  return {
    format: KEYSTORE_FORMAT,
    version: KEYSTORE_FORMAT_VERSION,
    kdf: { name: 'scrypt', logN, r: SCRYPT_R, p: SCRYPT_P, salt: toBase64url(salt) },
    cipher: { name: 'aes-256-gcm', iv: toBase64url(iv) }
  }
}

export function serializeKeystore (sealed: SealedKeystore): string {
  const file = { ...headerJson(sealed), ciphertext: toBase64url(sealed.ciphertext), tag: toBase64url(sealed.tag) }
  return JSON.stringify(file, null, 2) + '\n'
}

type Json = Record<string, unknown>

function object (value: unknown, name: string, keys: string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(`${name} is not an object`)
  const extra = Object.keys(value).filter(k => !keys.includes(k))
  // fields outside the AAD would be unauthenticated, so a v1 file has none
  if (extra.length > 0) throw corrupt(`${name} has unknown field ${JSON.stringify(extra[0]?.slice(0, 40))}`)
  return value as Json
}

function integer (obj: Json, key: string, name: string): number {
  const value = obj[key]
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw corrupt(`${name} is not an integer`)
  return value
}

function bytes (obj: Json, key: string, name: string, min: number, max: number): Uint8Array {
  const value = obj[key]
  if (typeof value !== 'string' || value.length > Math.ceil(max * 4 / 3)) throw corrupt(`${name} is not a base64url string of at most ${max} bytes`)
  const decoded = fromBase64url(value)
  if (decoded === undefined) throw corrupt(`${name} is not canonical base64url`)
  if (decoded.length < min || decoded.length > max) throw corrupt(`${name} must be ${min === max ? min : `${min}..${max}`} bytes`)
  return decoded
}

/** Validates everything needed to decide, before any expensive work, whether to run scrypt. */
export function parseKeystore (text: string): SealedKeystore {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw corrupt('not JSON')
  }
  if (typeof json !== 'object' || json === null || (json as Json).format !== KEYSTORE_FORMAT) {
    throw corrupt(`no "format": "${KEYSTORE_FORMAT}" field`)
  }
  const version = integer(json as Json, 'version', 'version')
  if (version !== KEYSTORE_FORMAT_VERSION) throw unsupported(`format version ${version} (this version reads ${KEYSTORE_FORMAT_VERSION})`)
  const file = object(json, 'keystore', ['format', 'version', 'kdf', 'cipher', 'ciphertext', 'tag'])

  const kdf = object(file.kdf, 'kdf', ['name', 'logN', 'r', 'p', 'salt'])
  if (kdf.name !== 'scrypt') throw corrupt('kdf.name is not "scrypt"')
  const logN = integer(kdf, 'logN', 'kdf.logN')
  const r = integer(kdf, 'r', 'kdf.r')
  const p = integer(kdf, 'p', 'kdf.p')
  // refused here, before scrypt allocates 128 * r * 2^logN bytes for a hostile header
  if (logN < MIN_SCRYPT_LOG_N || logN > MAX_SCRYPT_LOG_N) throw unsupported(`scrypt logN ${logN} is outside ${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N}`)
  if (r !== SCRYPT_R || p !== SCRYPT_P) throw unsupported(`scrypt r=${r}, p=${p} (this version reads r=${SCRYPT_R}, p=${SCRYPT_P})`)
  const salt = bytes(kdf, 'salt', 'kdf.salt', SALT_LENGTH, SALT_LENGTH)

  const cipher = object(file.cipher, 'cipher', ['name', 'iv'])
  if (cipher.name !== 'aes-256-gcm') throw corrupt('cipher.name is not "aes-256-gcm"')
  const iv = bytes(cipher, 'iv', 'cipher.iv', IV_LENGTH, IV_LENGTH)

  const ciphertext = bytes(file, 'ciphertext', 'ciphertext', 1, MAX_CIPHERTEXT_LENGTH)
  const tag = bytes(file, 'tag', 'tag', TAG_LENGTH, TAG_LENGTH)
  return { logN, salt, iv, ciphertext, tag }
}
