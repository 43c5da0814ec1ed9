import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { base58btc } from 'multiformats/bases/base58'
import { didKeyFromPublicKey, publicKeyFromDidKey } from '../../src/identity/index.ts'
import { PARSED_DIDS_MAX } from '../../src/identity/did-key.ts'

const freshKey = (): Uint8Array => Uint8Array.from(randomBytes(32))

describe('publicKeyFromDidKey remembers the DIDs it parsed', () => {
  it('gives the same key every time, and each caller its own copy', () => {
    const key = freshKey()
    const did = didKeyFromPublicKey(key)
    const first = publicKeyFromDidKey(did)
    expect(first).toEqual(key)
    first.fill(0)
    const second = publicKeyFromDidKey(did)
    expect(second).toEqual(key)
    expect(second).not.toBe(first)
  })

  it('still refuses a bad DID, every time, next to good ones', () => {
    const did = didKeyFromPublicKey(freshKey())
    publicKeyFromDidKey(did)
    // the same key with a byte missing
    const bad = 'did:key:' + base58btc.encode(Uint8Array.from([0xed, 0x01, ...publicKeyFromDidKey(did).subarray(1)]))
    for (let i = 0; i < 2; i++) {
      expect(() => publicKeyFromDidKey(`${did}#key-1`)).toThrow(expect.objectContaining({ code: 'INVALID_DID' }))
      expect(() => publicKeyFromDidKey(bad)).toThrow(expect.objectContaining({ code: 'INVALID_DID' }))
      expect(() => publicKeyFromDidKey(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_DID' }))
    }
  })

  it('answers correctly for more DIDs than it remembers', () => {
    const keys = Array.from({ length: PARSED_DIDS_MAX + 100 }, freshKey)
    const dids = keys.map(didKeyFromPublicKey)
    for (let round = 0; round < 2; round++) {
      dids.forEach((did, i) => { expect(publicKeyFromDidKey(did)).toEqual(keys[i]) })
    }
  })
})
