import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { randomBytes } from 'node:crypto'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import type { Ed25519Key } from '../../src/identity/index.ts'
import { createDidRecord, verifyDidRecord, selectRecord, recordKey, MAX_RECORD_BYTES } from '../../src/network/index.ts'
import { createRecordValidator } from '../../src/network/record-validator.ts'

const alice = ed25519FromSeed(new Uint8Array(32).fill(1))
const mallory = ed25519FromSeed(new Uint8Array(32).fill(2))
const device = { peerId: '12D3KooWAiguiqEzgDH1AUTCaVdTsUY7qJsvEJwqvJhKPDPRtSMZ', addrs: ['/ip4/127.0.0.1/tcp/4012'] }
const rec = (key: Ed25519Key, seq: number, exp = Date.now() + 3600_000) => createDidRecord(key, { seq, exp, devices: [device] })
/** Mallory signs a record that claims to be Alice's. */
const forged = (seq: number) => createDidRecord({ ...mallory, did: alice.did }, { seq, exp: Date.now() + 3600_000, devices: [device] })

describe('DID records', () => {
  it('verify when signed by the DID\'s own key, for that DID', () => {
    expect(verifyDidRecord(rec(alice, 7), alice.did)).toMatchObject({ did: alice.did, seq: 7, devices: [device] })
  })

  it.each([
    ['forged (signed by another key)', () => forged(9), /bad signature/],
    ['expired', () => rec(alice, 1, Date.now() - 1), /expired/],
    ['expiring too far ahead', () => rec(alice, 1, Date.now() + 72 * 3600_000), /too far/],
    ['for another DID than its key', () => rec(mallory, 1), /another DID/],
    ['oversized', () => oversized(), /limit/],
    ['garbage bytes', () => randomBytes(200), /length prefix|not UTF-8/],
    ['empty', () => new Uint8Array(0), /too short/]
  ])('are refused when %s', (_name, make, why) => {
    expect(() => verifyDidRecord(make(), alice.did)).toThrow(expect.objectContaining({ code: 'INVALID_RECORD', message: expect.stringMatching(why) }))
  })

  it('fail verification after any one-byte change', () => {
    const good = rec(alice, 3)
    fc.assert(fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (i, flip) => {
      const bad = Uint8Array.from(good)
      bad[i] = bad[i]! ^ flip
      expect(() => verifyDidRecord(bad, alice.did)).toThrow(expect.objectContaining({ code: 'INVALID_RECORD' }))
    }), { numRuns: 300 })
  })

  it('select the newest valid sequence number, ignoring invalid ones', () => {
    const key = recordKey(alice.did)
    expect(selectRecord(key, [rec(alice, 1), rec(alice, 5), forged(99), rec(alice, 3)])).toBe(1)
  })

  it('are refused by the DHT validator when older than one the node has seen (stale)', async () => {
    const v = createRecordValidator()
    const key = recordKey(alice.did)
    await v.validate(key, rec(alice, 10))
    await expect(v.validate(key, rec(alice, 9))).rejects.toMatchObject({ code: 'INVALID_RECORD', message: expect.stringMatching(/stale/) })
    await expect(v.validate(key, rec(alice, 10))).resolves.toBeUndefined()
    await expect(v.validate(key, forged(11))).rejects.toMatchObject({ code: 'INVALID_RECORD' })
    await expect(v.validate(new TextEncoder().encode('/other/x'), rec(alice, 11))).rejects.toMatchObject({ code: 'INVALID_RECORD' })
    expect(v.newestSeq(alice.did)).toBe(10)
  })
})

function oversized (): Uint8Array {
  const out = new Uint8Array(MAX_RECORD_BYTES + 1)
  out[0] = (MAX_RECORD_BYTES - 65) >> 8
  out[1] = (MAX_RECORD_BYTES - 65) & 0xff
  return out
}
