import { createHash } from 'node:crypto'
import { invalidArgument } from '../errors.ts'

/**
 * A message's id: CID v1 (raw codec, sha2-256) of the exact UTF-8 bytes of its JWT, in base32.
 * Hashing the received token itself, never a re-serialisation, is what lets both sides name
 * the same message the same way (security research 2.3, "canonical bytes matter").
 *
 * Written out by hand rather than through multiformats' CID class, which cost as much as the
 * hash (docs/performance.md): 'b' (multibase base32, RFC 4648 lower case, no padding) of
 * varint(1) (CID v1), varint(0x55) (raw), varint(0x12) (sha2-256), varint(32), digest.
 * test/messages/message-id.test.ts holds it to the CID class's answer.
 */
const CID_PREFIX = Uint8Array.from([0x01, 0x55, 0x12, 0x20])
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

export function messageId (jwt: string): string {
  if (typeof jwt !== 'string') throw invalidArgument('jwt', 'must be a string')
  const bytes = new Uint8Array(CID_PREFIX.length + 32)
  bytes.set(CID_PREFIX)
  bytes.set(createHash('sha256').update(jwt, 'utf8').digest(), CID_PREFIX.length)
  return 'b' + base32(bytes)
}

function base32 (bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let buffer = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += BASE32[(buffer >>> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31]
  return out
}
