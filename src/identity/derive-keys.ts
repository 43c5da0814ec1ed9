/**
 * Every key comes from the one master seed through HKDF-SHA256 (RFC 5869), each with its own
 * `info` label (RFC 5869 section 3.2: info binds the output to its purpose), so the recovery
 * phrase restores all of them and no two purposes can ever share a key. The exact labels are
 * part of the key format: keys/README.md documents them and keys/vectors.json pins them.
 */
import { hkdfSync, randomBytes } from 'node:crypto'
import { invalidArgument } from '../errors.ts'
import { assertBytes, concatBytes, utf8, wipe } from './bytes.ts'
import { ED25519_SEED_LENGTH, ed25519FromSeed } from './ed25519.ts'
import type { Ed25519Key } from './index.ts'
import { MASTER_SEED_LENGTH } from './mnemonic.ts'

export const DEVICE_NONCE_LENGTH = 16
export const MAX_PAIRWISE_LABEL_BYTES = 256

/**
 * RFC 5869 section 3.1: a salt is optional when the input is already uniformly random, as our
 * seed is; a fixed, versioned one still separates Hearth's derivations from anyone else's.
 */
export const HKDF_SALT = 'hearth/key-derivation/v1'
export const IDENTITY_INFO = 'hearth/identity/ed25519/v1'
/** followed by the 16 raw nonce bytes */
export const DEVICE_INFO_PREFIX = 'hearth/device/ed25519/v1:'
/** followed by the label's UTF-8 bytes */
export const PAIRWISE_INFO_PREFIX = 'hearth/pairwise/ed25519/v1:'
// The three labels differ before any variable part, so no nonce or label can make one
// derivation's info equal another's.

function deriveKey (masterSeed: Uint8Array, info: Uint8Array): Ed25519Key {
  assertBytes(masterSeed, MASTER_SEED_LENGTH, 'masterSeed')
  const seed = new Uint8Array(hkdfSync('sha256', masterSeed, utf8(HKDF_SALT), info, ED25519_SEED_LENGTH))
  try {
    return ed25519FromSeed(seed)
  } finally {
    wipe(seed)
  }
}

/** The person's identity key; its did:key is her DID. */
export function deriveIdentityKey (masterSeed: Uint8Array): Ed25519Key {
  return deriveKey(masterSeed, utf8(IDENTITY_INFO))
}

/**
 * This device's key, which is its libp2p PeerId. The random nonce (kept in the keystore, not in
 * the phrase) gives every device and every restore a fresh PeerId, so a device key is never
 * shared between two machines that might both be online.
 */
export function deriveDeviceKey (masterSeed: Uint8Array, deviceNonce: Uint8Array): Ed25519Key {
  assertBytes(deviceNonce, DEVICE_NONCE_LENGTH, 'deviceNonce')
  return deriveKey(masterSeed, concatBytes(utf8(DEVICE_INFO_PREFIX), deviceNonce))
}

/**
 * A key for one intent or relationship, so vendors cannot link two of them to one person.
 * The label is used byte for byte (no Unicode normalisation): it is chosen by software, not typed.
 */
export function derivePairwiseKey (masterSeed: Uint8Array, label: string): Ed25519Key {
  if (typeof label !== 'string' || label === '') throw invalidArgument('label', 'must be a non-empty string')
  // UTF-8 encoding turns each lone surrogate into U+FFFD: two different labels, one key
  if (!label.isWellFormed()) throw invalidArgument('label', 'must be well-formed Unicode')
  const labelBytes = utf8(label)
  if (labelBytes.length > MAX_PAIRWISE_LABEL_BYTES) {
    throw invalidArgument('label', `must be at most ${MAX_PAIRWISE_LABEL_BYTES} UTF-8 bytes`)
  }
  return deriveKey(masterSeed, concatBytes(utf8(PAIRWISE_INFO_PREFIX), labelBytes))
}

/** 16 bytes from the OS CSPRNG, drawn once per device (and per restore). */
export function newDeviceNonce (): Uint8Array {
  return Uint8Array.from(randomBytes(DEVICE_NONCE_LENGTH))
}
