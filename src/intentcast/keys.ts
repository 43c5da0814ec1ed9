import { hkdfSync, randomBytes } from 'node:crypto'
import { invalidArgument } from '../errors.ts'
import type { Ed25519Key } from '../identity/index.ts'
import { assertBytes, toBase64url, utf8, wipe } from '../identity/bytes.ts'
import { derivePairwiseKey, HKDF_SALT } from '../identity/derive-keys.ts'
import { x25519FromSeed } from './seal.ts'
import type { X25519KeyPair } from './seal.ts'

/**
 * Per-intent keys from the master seed (README section 5; keys/README.md for the other
 * labels): a pairwise Ed25519 key that signs the intent and everything she sends about it
 * (its did:key is the intent's only name for her), and an X25519 key that offers are sealed
 * to. Both come from a random label stored with the intent, so the recovery phrase restores
 * them, and two intents share nothing but the seed no vendor ever sees.
 * Vectors: protocols/intentcast/vectors/valid.json ("keys").
 */
export const INTENT_LABEL_BYTES = 16
/** the pairwise label is this prefix and the intent label */
export const INTENT_PAIRWISE_PREFIX = 'intent:'
/** followed by the intent label's UTF-8 bytes */
export const INTENT_REPLY_INFO_PREFIX = 'hearth/intent-reply/x25519/v1:'
const LABEL_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/

export function deriveIntentKeys (masterSeed: Uint8Array, label: string): { signing: Ed25519Key, reply: X25519KeyPair } {
  assertBytes(masterSeed, 32, 'masterSeed')
  if (typeof label !== 'string' || !LABEL_PATTERN.test(label)) throw invalidArgument('label', 'must be 16 bytes in base64url (newIntentLabel)')
  const signing = derivePairwiseKey(masterSeed, INTENT_PAIRWISE_PREFIX + label)
  const seed = new Uint8Array(hkdfSync('sha256', masterSeed, utf8(HKDF_SALT), utf8(INTENT_REPLY_INFO_PREFIX + label), 32))
  try {
    return { signing, reply: x25519FromSeed(seed) }
  } finally {
    wipe(seed)
  }
}

/** 16 random bytes, base64url: the runtime stores it with the intent. */
export const newIntentLabel = (): string => toBase64url(Uint8Array.from(randomBytes(INTENT_LABEL_BYTES)))
