/**
 * did:key for Ed25519 (W3C CCG did:key method, https://w3c-ccg.github.io/did-method-key/):
 * 'did:key:' + multibase base58btc ('z') of varint(0xed, the multicodec ed25519-pub) || 32-byte key.
 * An Ed25519 libp2p PeerId embeds the same key, so DID <-> PeerId is pure computation.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PeerId } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { varint } from 'multiformats'
import { base58btc } from 'multiformats/bases/base58'
import { HearthError, invalidDid } from '../errors.ts'
import { assertBytes, concatBytes } from './bytes.ts'

const PREFIX = 'did:key:'
const ED25519_PUB_MULTICODEC = 0xed
// varint(0xed) = 0xed 0x01 (unsigned LEB128), which is why Ed25519 did:keys start 'z6Mk'
const ED25519_PUB_PREFIX = Uint8Array.from([0xed, 0x01])
const KEY_LENGTH = 32
/**
 * An Ed25519 did:key is always 56 characters. We check length before base58-decoding because
 * base58 decoding is quadratic in the input length and DIDs arrive from the network.
 */
export const MAX_DID_KEY_LENGTH = 64
// 'z' then the base58btc alphabet (no 0, O, I, l). Excludes '#', '?', '/', ';', '%' and so any
// DID URL part (fragment, query, path, parameters): callers must pass the bare DID.
const DID_KEY_SYNTAX = /^did:key:z[1-9A-HJ-NP-Za-km-z]+$/

export function didKeyFromPublicKey (publicKey: Uint8Array): string {
  assertBytes(publicKey, KEY_LENGTH, 'publicKey')
  // base58btc.encode adds the multibase prefix 'z'
  return PREFIX + base58btc.encode(concatBytes(ED25519_PUB_PREFIX, publicKey))
}

/**
 * DIDs already parsed, and their keys. A node talks to few DIDs and checks the same ones in
 * every message (issuer, audience, the agreement's parties): base58-decoding and re-encoding
 * each time was about 3 % of an agreement's CPU (docs/performance.md). Only DIDs that parsed
 * are remembered, and the map is emptied when full, so a peer sending many distinct DIDs costs
 * at most PARSED_DIDS_MAX entries (about 150 KiB) and a re-parse, never more memory.
 */
export const PARSED_DIDS_MAX = 1024
const parsedDids = new Map<string, Uint8Array>()

/** The 32-byte Ed25519 public key in a did:key. Throws INVALID_DID for anything else. */
export function publicKeyFromDidKey (did: string): Uint8Array {
  const known = parsedDids.get(did)
  // a copy: the caller owns what it gets and may change it without changing the next answer
  if (known !== undefined) return known.slice()
  const key = parseDidKey(did)
  if (parsedDids.size >= PARSED_DIDS_MAX) parsedDids.clear()
  parsedDids.set(did, key)
  return key.slice()
}

function parseDidKey (did: string): Uint8Array {
  if (typeof did !== 'string') throw new HearthError('INVALID_DID', 'a DID must be a string')
  if (did.length > MAX_DID_KEY_LENGTH) throw invalidDid(did, `longer than ${MAX_DID_KEY_LENGTH} characters`)
  if (!did.startsWith(PREFIX)) throw invalidDid(did, "not a did:key (expected 'did:key:z…')")
  if (!DID_KEY_SYNTAX.test(did)) {
    throw invalidDid(did, 'a did:key is base58btc after \'did:key:z\', with no fragment, query or path')
  }
  let bytes: Uint8Array
  try {
    bytes = base58btc.decode(did.slice(PREFIX.length))
  } catch {
    throw invalidDid(did, 'not valid base58btc')
  }
  let codec: number
  try {
    codec = varint.decode(bytes)[0]
  } catch {
    throw invalidDid(did, 'no multicodec prefix')
  }
  if (codec !== ED25519_PUB_MULTICODEC || bytes[0] !== 0xed || bytes[1] !== 0x01) {
    throw invalidDid(did, `multicodec 0x${codec.toString(16)} is not ed25519-pub (0xed)`)
  }
  if (bytes.length !== ED25519_PUB_PREFIX.length + KEY_LENGTH) {
    throw invalidDid(did, `an Ed25519 key is ${KEY_LENGTH} bytes, this one is ${bytes.length - ED25519_PUB_PREFIX.length}`)
  }
  const key = bytes.slice(ED25519_PUB_PREFIX.length)
  // one key, one spelling: a DID is an identifier and is compared as a string elsewhere
  if (didKeyFromPublicKey(key) !== did) throw invalidDid(did, 'not the canonical encoding of its key')
  return key
}

/** The libp2p PeerId (12D3KooW…) that holds the same Ed25519 key as `did`. */
export function peerIdFromDidKey (did: string): Ed25519PeerId {
  const key = publicKeyFromRaw(publicKeyFromDidKey(did))
  // publicKeyFromRaw picks the key type from the length; 32 bytes is Ed25519
  if (key.type !== 'Ed25519') throw invalidDid(did, 'not an Ed25519 key')
  return peerIdFromPublicKey(key)
}
