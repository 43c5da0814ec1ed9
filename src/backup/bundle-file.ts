/**
 * The backup bundle on disk, version 1 (docs/backup.md documents it field by field):
 *
 *   "HEARTHBK"                 8 bytes, magic
 *   header length              u32 big-endian, at most MAX_HEADER_BYTES
 *   header                     UTF-8 JSON: { format, version, kdf, cipher, created, did, ciphertextBytes }
 *   ciphertext                 AES-256-GCM of the plaintext (./bundle-plaintext.ts)
 *   tag                        16 bytes
 *
 * Everything before the ciphertext is the AEAD's additional data, byte for byte, so an edited
 * header fails decryption. Parsing is strict and bounded, and runs before scrypt: a bundle is
 * attacker-controlled input until its tag verifies.
 */
import { randomBytes } from 'node:crypto'
import { HearthError } from '../errors.ts'
import { fromBase64url, toBase64url, utf8 } from '../identity/bytes.ts'
import { sealWithPassphrase, unsealWithPassphrase } from '../identity/keystore-cipher.ts'
import { IV_LENGTH, MAX_SCRYPT_LOG_N, MIN_SCRYPT_LOG_N, SALT_LENGTH, SCRYPT_P, SCRYPT_R, TAG_LENGTH } from '../identity/keystore-format.ts'

export const BUNDLE_MAGIC = utf8('HEARTHBK')
export const BUNDLE_FORMAT = 'hearth-backup'
export const BUNDLE_VERSION = 1
const MAX_HEADER_BYTES = 4096
/**
 * The whole bundle is decrypted and checked in memory before anything is written, so it is
 * capped. Measured: export and restore each peak at about 3x the bundle plus scrypt's 128 MiB,
 * so 128 MiB keeps a worst case near 0.5 GB, within a 1 GB Pi; a personal store is a few MB.
 */
export const MAX_BUNDLE_BYTES = 128 * 1024 * 1024

export interface BundleHeader {
  logN: number
  salt: Uint8Array
  iv: Uint8Array
  /** ISO 8601, when the bundle was made */
  created: string
  /** the DID whose node this is (readable without the passphrase, to tell bundles apart) */
  did: string
  ciphertextBytes: number
}

/** A damaged, truncated or foreign file; typed so that callers can tell it from a wrong passphrase. */
export const damagedBundle = (why: string): HearthError =>
  new HearthError('UNSUPPORTED_FORMAT', `not a readable Hearth backup bundle: ${why}; nothing was written`, { details: { reason: why } })

function headerJson (h: BundleHeader): Record<string, unknown> {
  return {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    kdf: { name: 'scrypt', logN: h.logN, r: SCRYPT_R, p: SCRYPT_P, salt: toBase64url(h.salt) },
    cipher: { name: 'aes-256-gcm', iv: toBase64url(h.iv) },
    created: h.created,
    did: h.did,
    ciphertextBytes: h.ciphertextBytes
  }
}

/** Magic, length and header: the bytes the tag authenticates. */
function prefix (h: BundleHeader): Uint8Array {
  const header = utf8(JSON.stringify(headerJson(h)))
  const out = Buffer.alloc(BUNDLE_MAGIC.length + 4 + header.length)
  out.set(BUNDLE_MAGIC, 0)
  out.writeUInt32BE(header.length, BUNDLE_MAGIC.length)
  out.set(header, BUNDLE_MAGIC.length + 4)
  return out
}

export async function sealBundle (plaintext: Uint8Array[], passphrase: string, o: { logN: number, did: string, created: string }): Promise<Uint8Array> {
  // AES-GCM output is as long as its input, so the length can go in the authenticated header
  const header: BundleHeader = {
    logN: o.logN,
    salt: Uint8Array.from(randomBytes(SALT_LENGTH)),
    iv: Uint8Array.from(randomBytes(IV_LENGTH)),
    created: o.created,
    did: o.did,
    ciphertextBytes: plaintext.reduce((n, part) => n + part.length, 0)
  }
  const aad = prefix(header)
  const { ciphertext, tag } = await sealWithPassphrase(plaintext, passphrase, { logN: header.logN, salt: header.salt, iv: header.iv, aad })
  const total = aad.length + header.ciphertextBytes + tag.length
  if (total > MAX_BUNDLE_BYTES) {
    throw new HearthError('INVALID_STATE', `the bundle would be ${total} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit a restore accepts; nothing was written`)
  }
  return Buffer.concat([aad, ...ciphertext, tag], total)
}

type Json = Record<string, unknown>

function object (value: unknown, name: string, keys: string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damagedBundle(`header ${name} is not an object`)
  const extra = Object.keys(value).filter(k => !keys.includes(k))
  if (extra.length > 0) throw damagedBundle(`header ${name} has unknown field ${JSON.stringify(extra[0]?.slice(0, 40))}`)
  return value as Json
}

function int (obj: Json, key: string, name: string): number {
  const v = obj[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw damagedBundle(`header ${name} is not a non-negative integer`)
  return v
}

function b64 (obj: Json, key: string, name: string, length: number): Uint8Array {
  const v = obj[key]
  const bytes = typeof v === 'string' && v.length <= 64 ? fromBase64url(v) : undefined
  if (bytes?.length !== length) throw damagedBundle(`header ${name} is not ${length} bytes of base64url`)
  return bytes
}

function text (obj: Json, key: string, name: string, max: number): string {
  const v = obj[key]
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw damagedBundle(`header ${name} is not a string of at most ${max} characters`)
  return v
}

/** Everything checked before scrypt runs: magic, version, parameters within the caps, exact length. */
export function parseBundle (file: Uint8Array): { header: BundleHeader, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array } {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.length)
  if (buf.length > MAX_BUNDLE_BYTES) throw damagedBundle(`larger than ${MAX_BUNDLE_BYTES} bytes`)
  if (buf.length < BUNDLE_MAGIC.length + 4 || !buf.subarray(0, BUNDLE_MAGIC.length).equals(BUNDLE_MAGIC)) throw damagedBundle('it does not start with the bundle magic "HEARTHBK"')
  const headerLength = buf.readUInt32BE(BUNDLE_MAGIC.length)
  const start = BUNDLE_MAGIC.length + 4
  if (headerLength > MAX_HEADER_BYTES) throw damagedBundle(`header length ${headerLength} is over ${MAX_HEADER_BYTES}`)
  if (buf.length < start + headerLength) throw damagedBundle('truncated inside the header')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(start, start + headerLength)))
  } catch {
    throw damagedBundle('the header is not UTF-8 JSON')
  }
  if (typeof json !== 'object' || json === null || (json as Json).format !== BUNDLE_FORMAT) throw damagedBundle(`the header has no "format": "${BUNDLE_FORMAT}"`)
  const version = (json as Json).version
  if (version !== BUNDLE_VERSION) throw damagedBundle(`format version ${JSON.stringify(version)} (this Hearth reads version ${BUNDLE_VERSION})`)
  const h = object(json, '(root)', ['format', 'version', 'kdf', 'cipher', 'created', 'did', 'ciphertextBytes'])
  const kdf = object(h.kdf, 'kdf', ['name', 'logN', 'r', 'p', 'salt'])
  if (kdf.name !== 'scrypt') throw damagedBundle('kdf.name is not "scrypt"')
  const logN = int(kdf, 'logN', 'kdf.logN')
  // refused before scrypt would allocate 128 * r * 2^logN bytes for a hostile header (age's cap)
  if (logN < MIN_SCRYPT_LOG_N || logN > MAX_SCRYPT_LOG_N) throw damagedBundle(`scrypt logN ${logN} is outside ${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N}`)
  if (int(kdf, 'r', 'kdf.r') !== SCRYPT_R || int(kdf, 'p', 'kdf.p') !== SCRYPT_P) throw damagedBundle(`scrypt r and p must be ${SCRYPT_R} and ${SCRYPT_P}`)
  const cipher = object(h.cipher, 'cipher', ['name', 'iv'])
  if (cipher.name !== 'aes-256-gcm') throw damagedBundle('cipher.name is not "aes-256-gcm"')
  const created = text(h, 'created', 'created', 32)
  if (Number.isNaN(Date.parse(created))) throw damagedBundle('header created is not a date')
  const header: BundleHeader = {
    logN,
    salt: b64(kdf, 'salt', 'kdf.salt', SALT_LENGTH),
    iv: b64(cipher, 'iv', 'cipher.iv', IV_LENGTH),
    created,
    did: text(h, 'did', 'did', 200),
    ciphertextBytes: int(h, 'ciphertextBytes', 'ciphertextBytes')
  }
  const end = start + headerLength + header.ciphertextBytes
  if (buf.length < end + TAG_LENGTH) throw damagedBundle(`truncated: ${buf.length} bytes where the header announces ${end + TAG_LENGTH}`)
  if (buf.length > end + TAG_LENGTH) throw damagedBundle(`${buf.length - end - TAG_LENGTH} unexpected bytes after the end`)
  return {
    header,
    aad: buf.subarray(0, start + headerLength),
    ciphertext: buf.subarray(start + headerLength, end),
    tag: buf.subarray(end)
  }
}

/** GCM cannot tell a wrong passphrase from an edited byte: both fail the tag, and neither yields any plaintext. */
export async function openBundleFile (file: Uint8Array, passphrase: string): Promise<{ header: BundleHeader, plaintext: Uint8Array }> {
  const { header, aad, ciphertext, tag } = parseBundle(file)
  try {
    const plaintext = await unsealWithPassphrase(ciphertext, tag, passphrase, { logN: header.logN, salt: header.salt, iv: header.iv, aad })
    return { header, plaintext }
  } catch (err) {
    if (err instanceof HearthError && err.code === 'WRONG_PASSPHRASE') {
      throw new HearthError('WRONG_PASSPHRASE', 'the bundle could not be decrypted: wrong passphrase, or the file was altered or damaged; nothing was written')
    }
    throw err
  }
}
