import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { messageId } from '../../src/messages/index.ts'

/** the definition: CID v1, raw codec, sha2-256 of the UTF-8 bytes, base32 */
const byTheCidClass = (jwt: string): string =>
  CID.createV1(raw.code, Digest.create(sha256.code, createHash('sha256').update(jwt, 'utf8').digest())).toString()

describe('messageId', () => {
  it('is the CID v1 (raw, sha2-256) of the token, in base32, as multiformats writes it', () => {
    for (const jwt of ['', 'a', 'eyJhbGciOiJFZERTQSJ9.e30.c2ln', randomBytes(1300).toString('base64url'), 'é ünïcode 🜂']) {
      expect(messageId(jwt)).toBe(byTheCidClass(jwt))
    }
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), jwt => messageId(jwt) === byTheCidClass(jwt)), { numRuns: 500 })
  })

  it('parses back as that CID', () => {
    const id = messageId('some token')
    const cid = CID.parse(id)
    expect(cid.version).toBe(1)
    expect(cid.code).toBe(raw.code)
    expect(cid.multihash.code).toBe(sha256.code)
    expect(id).toMatch(/^bafkrei[a-z2-7]{52}$/)
  })

  it('refuses what is not a string (INVALID_ARGUMENT)', () => {
    expect(() => messageId(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
