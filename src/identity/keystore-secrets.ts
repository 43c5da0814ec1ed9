/**
 * What the keystore encrypts, and the passphrase that guards it. The plaintext is JSON
 * ({"masterSeed": b64url(32), "deviceNonce": b64url(16), "createdAt": ISO 8601}) so a future
 * version can add fields without a new binary layout.
 */
import { HearthError, invalidArgument } from '../errors.ts'
import { assertBytes, fromBase64url, toBase64url, utf8 } from './bytes.ts'
import { DEVICE_NONCE_LENGTH } from './derive-keys.ts'
import type { KeystoreSecrets } from './index.ts'
import { MASTER_SEED_LENGTH } from './mnemonic.ts'

const MAX_PASSPHRASE_LENGTH = 1024

/**
 * The bytes scrypt sees. NFC so that the same passphrase typed on macOS (which may produce
 * decomposed accents) and on Linux unlocks the same file.
 */
export function passphraseBytes (passphrase: string): Uint8Array {
  if (typeof passphrase !== 'string' || passphrase === '') throw invalidArgument('passphrase', 'must not be empty')
  if (passphrase.length > MAX_PASSPHRASE_LENGTH) throw invalidArgument('passphrase', `must be at most ${MAX_PASSPHRASE_LENGTH} characters`)
  // UTF-8 turns every lone surrogate into U+FFFD, which would make distinct passphrases equal
  if (!passphrase.isWellFormed()) throw invalidArgument('passphrase', 'must be well-formed Unicode')
  return utf8(passphrase.normalize('NFC'))
}

function assertIsoDate (value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > 32) throw invalidArgument(field, 'must be an ISO 8601 date string')
  const date = new Date(value)
  // the form Date#toISOString writes, so that a round trip is byte-exact
  if (Number.isNaN(date.getTime()) || date.toISOString() !== value) {
    throw invalidArgument(field, 'must be an ISO 8601 date as written by Date#toISOString')
  }
  return value
}

export function assertSecrets (secrets: KeystoreSecrets): KeystoreSecrets {
  if (typeof secrets !== 'object' || secrets === null) throw invalidArgument('secrets', 'must be an object')
  return {
    masterSeed: assertBytes(secrets.masterSeed, MASTER_SEED_LENGTH, 'secrets.masterSeed'),
    deviceNonce: assertBytes(secrets.deviceNonce, DEVICE_NONCE_LENGTH, 'secrets.deviceNonce'),
    createdAt: assertIsoDate(secrets.createdAt, 'secrets.createdAt')
  }
}

export function encodeSecrets (secrets: KeystoreSecrets): Uint8Array {
  return utf8(JSON.stringify({
    masterSeed: toBase64url(secrets.masterSeed),
    deviceNonce: toBase64url(secrets.deviceNonce),
    createdAt: secrets.createdAt
  }))
}

/**
 * Runs only after the AEAD tag verified, so a failure here means a buggy writer, not an
 * attacker; it is still reported without echoing any of the plaintext.
 */
export function decodeSecrets (plaintext: Uint8Array): KeystoreSecrets {
  const corrupt = new HearthError('CORRUPT_KEYSTORE', 'keystore decrypted but its contents are not valid')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext))
  } catch {
    throw corrupt
  }
  if (typeof json !== 'object' || json === null) throw corrupt
  const { masterSeed, deviceNonce, createdAt } = json as Record<string, unknown>
  const seed = typeof masterSeed === 'string' ? fromBase64url(masterSeed) : undefined
  const nonce = typeof deviceNonce === 'string' ? fromBase64url(deviceNonce) : undefined
  if (seed === undefined || nonce === undefined) throw corrupt
  try {
    return assertSecrets({ masterSeed: seed, deviceNonce: nonce, createdAt: createdAt as string })
  } catch {
    throw corrupt
  }
}
