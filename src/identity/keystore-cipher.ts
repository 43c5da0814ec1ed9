/**
 * Passphrase -> key with scrypt (RFC 7914), then AES-256-GCM (NIST SP 800-38D) over the
 * secrets, with the header as additional data. Both come from node:crypto (OpenSSL), natively.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto'
import { invalidArgument, wrongPassphrase } from '../errors.ts'
import { wipe } from './bytes.ts'
import type { KeystoreSecrets } from './index.ts'
import { IV_LENGTH, MAX_SCRYPT_LOG_N, MIN_SCRYPT_LOG_N, SALT_LENGTH, SCRYPT_P, SCRYPT_R, TAG_LENGTH, keystoreAad } from './keystore-format.ts'
import type { SealedKeystore } from './keystore-format.ts'
import { decodeSecrets, encodeSecrets, passphraseBytes } from './keystore-secrets.ts'

const KEY_LENGTH = 32

/** Salt and IV are parameters only so that keys/vectors.json can pin a file; callers omit them. */
export interface SealParams {
  logN: number
  salt?: Uint8Array
  iv?: Uint8Array
}

function deriveKey (passphrase: string, salt: Uint8Array, logN: number): Promise<Uint8Array> {
  const N = 2 ** logN
  // OpenSSL needs 128 * r * (N + p + 2) bytes (EVP_PBE_scrypt); Node's default maxmem is 32 MiB,
  // below the 128 MiB our default needs. The header check caps logN, so this stays bounded.
  const maxmem = 128 * SCRYPT_R * (N + SCRYPT_P + 2) + 1024 * 1024
  const password = passphraseBytes(passphrase)
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r: SCRYPT_R, p: SCRYPT_P, maxmem }, (err, key) => {
      wipe(password)
      if (err !== null) reject(err)
      else resolve(key)
    })
  })
}

export async function sealKeystore (secrets: KeystoreSecrets, passphrase: string, params: SealParams): Promise<SealedKeystore> {
  const salt = params.salt ?? Uint8Array.from(randomBytes(SALT_LENGTH))
  const iv = params.iv ?? Uint8Array.from(randomBytes(IV_LENGTH))
  const header = { logN: params.logN, salt, iv }
  const key = await deriveKey(passphrase, salt, params.logN)
  const plaintext = encodeSecrets(secrets)
  try {
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LENGTH })
    cipher.setAAD(keystoreAad(header))
    const ciphertext = Uint8Array.from(Buffer.concat([cipher.update(plaintext), cipher.final()]))
    return { ...header, ciphertext, tag: Uint8Array.from(cipher.getAuthTag()) }
  } finally {
    wipe(key, plaintext)
  }
}

/**
 * GCM cannot tell a wrong passphrase from a damaged file: both fail the tag. We say "wrong
 * passphrase" (the likely cause) and never return unauthenticated plaintext.
 */
export async function unsealKeystore (sealed: SealedKeystore, passphrase: string): Promise<KeystoreSecrets> {
  const key = await deriveKey(passphrase, sealed.salt, sealed.logN)
  let plaintext: Uint8Array
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_LENGTH })
    decipher.setAAD(keystoreAad(sealed))
    decipher.setAuthTag(sealed.tag)
    plaintext = Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()])
  } catch {
    throw wrongPassphrase()
  } finally {
    wipe(key)
  }
  try {
    return decodeSecrets(plaintext)
  } finally {
    wipe(plaintext)
  }
}

/** What sealWithPassphrase needs besides the plaintext: the caller's random salt and IV, and its header as AAD. */
export interface PassphraseSealParams {
  logN: number
  salt: Uint8Array
  iv: Uint8Array
  /** authenticated, not encrypted: the caller's file header, exactly as stored */
  aad: Uint8Array
}

function checkSealParams (p: PassphraseSealParams): void {
  // the same bounds as the keystore header: never let a file make scrypt allocate without limit
  if (!Number.isSafeInteger(p.logN) || p.logN < MIN_SCRYPT_LOG_N || p.logN > MAX_SCRYPT_LOG_N) {
    throw invalidArgument('scryptLogN', `must be an integer in ${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N}`)
  }
  if (p.salt.length !== SALT_LENGTH) throw invalidArgument('salt', `must be ${SALT_LENGTH} bytes`)
  if (p.iv.length !== IV_LENGTH) throw invalidArgument('iv', `must be ${IV_LENGTH} bytes`)
}

/**
 * The keystore's scrypt + AES-256-GCM for another passphrase-sealed file (the backup bundle,
 * src/backup), so that Hearth has one KDF and one cipher construction, not two.
 */
export async function sealWithPassphrase (plaintext: Uint8Array | Uint8Array[], passphrase: string, p: PassphraseSealParams): Promise<{ ciphertext: Uint8Array[], tag: Uint8Array }> {
  checkSealParams(p)
  const key = await deriveKey(passphrase, p.salt, p.logN)
  try {
    const cipher = createCipheriv('aes-256-gcm', key, p.iv, { authTagLength: TAG_LENGTH })
    cipher.setAAD(p.aad)
    // parts in, parts out: a large plaintext (a backup) is not copied into one buffer first
    const ciphertext = (Array.isArray(plaintext) ? plaintext : [plaintext]).map(part => cipher.update(part))
    ciphertext.push(cipher.final())
    return { ciphertext, tag: Uint8Array.from(cipher.getAuthTag()) }
  } finally {
    wipe(key)
  }
}

/** Returns the plaintext only once the tag verified; a wrong passphrase or any edit is WRONG_PASSPHRASE. */
export async function unsealWithPassphrase (ciphertext: Uint8Array, tag: Uint8Array, passphrase: string, p: PassphraseSealParams): Promise<Uint8Array> {
  checkSealParams(p)
  if (tag.length !== TAG_LENGTH) throw wrongPassphrase()
  const key = await deriveKey(passphrase, p.salt, p.logN)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, p.iv, { authTagLength: TAG_LENGTH })
    decipher.setAAD(p.aad)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    throw wrongPassphrase()
  } finally {
    wipe(key)
  }
}
