import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { invalidArgument } from '../errors.ts'

/**
 * A message's id: CID v1 (raw codec, sha2-256) of the exact UTF-8 bytes of its JWT, in base32.
 * Hashing the received token itself, never a re-serialisation, is what lets both sides name
 * the same message the same way (security research 2.3, "canonical bytes matter").
 */
export function messageId (jwt: string): string {
  if (typeof jwt !== 'string') throw invalidArgument('jwt', 'must be a string')
  const digest = createHash('sha256').update(jwt, 'utf8').digest()
  return CID.createV1(raw.code, Digest.create(sha256.code, Uint8Array.from(digest))).toString()
}
