import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ed25519FromSeed, verifyEd25519 } from '../../src/identity/index.ts'
import { fromHex, hex, utf8 } from './helpers.ts'

// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte, 0x72)
const rfc8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'
  }
]

describe('Ed25519 (RFC 8032 vectors)', () => {
  it.each(rfc8032)('$name: public key and signature match', (v) => {
    const key = ed25519FromSeed(fromHex(v.secret))
    expect(hex(key.publicKey)).toBe(v.public)
    expect(hex(key.sign(fromHex(v.message)))).toBe(v.signature)
    expect(verifyEd25519(key.publicKey, fromHex(v.message), fromHex(v.signature))).toBe(true)
  })
})

describe('ed25519FromSeed', () => {
  const seed = fromHex('11'.repeat(32))

  it('signs deterministically; the signature verifies only under its own key and message', () => {
    const key = ed25519FromSeed(seed)
    const other = ed25519FromSeed(fromHex('22'.repeat(32)))
    const sig = key.sign(utf8('hello'))
    expect(sig).toBeInstanceOf(Uint8Array)
    expect(sig).toHaveLength(64)
    expect(key.sign(utf8('hello'))).toEqual(sig)
    expect(verifyEd25519(key.publicKey, utf8('hello'), sig)).toBe(true)
    expect(verifyEd25519(other.publicKey, utf8('hello'), sig)).toBe(false)
    expect(verifyEd25519(key.publicKey, utf8('hellO'), sig)).toBe(false)
  })

  it('keeps its own copy of the seed', () => {
    const mine = Uint8Array.from(seed)
    const key = ed25519FromSeed(mine)
    mine.fill(0)
    expect(key.did).toBe(ed25519FromSeed(seed).did)
    expect(verifyEd25519(key.publicKey, utf8('x'), key.sign(utf8('x')))).toBe(true)
  })

  it('is the same key as its libp2p PrivateKey, in both directions', async () => {
    const key = ed25519FromSeed(seed)
    const libp2pKey = await key.toLibp2pPrivateKey()
    expect(libp2pKey.type).toBe('Ed25519')
    expect(libp2pKey.publicKey.raw).toEqual(key.publicKey)
    const data = utf8('signed by libp2p')
    expect(verifyEd25519(key.publicKey, data, await libp2pKey.sign(data))).toBe(true)
    expect(await libp2pKey.publicKey.verify(data, key.sign(data))).toBe(true)
  })

  it('refuses a seed that is not 32 bytes, or data that is not bytes', () => {
    expect(() => ed25519FromSeed(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => ed25519FromSeed(new Uint8Array(64))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => ed25519FromSeed('00'.repeat(32) as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => ed25519FromSeed(seed).sign('text' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('verifyEd25519', () => {
  const key = ed25519FromSeed(fromHex('33'.repeat(32)))
  const data = utf8('an agreement')
  const sig = key.sign(data)

  it('returns false, never throws, on malformed input', () => {
    const cases: Array<[unknown, unknown, unknown]> = [
      [key.publicKey.subarray(1), data, sig],
      [new Uint8Array(33), data, sig],
      [key.publicKey, data, sig.subarray(1)],
      [key.publicKey, data, new Uint8Array(65)],
      [new Uint8Array(32), data, sig], // the all-zero point (small order)
      [new Uint8Array(32).fill(0xff), data, sig], // not a point encoding
      [key.publicKey, data, new Uint8Array(64).fill(0xff)], // S >= L
      [hex(key.publicKey), data, sig],
      [key.publicKey, 'an agreement', sig],
      [key.publicKey, data, null],
      [undefined, undefined, undefined],
      [[...key.publicKey], data, [...sig]]
    ]
    for (const [pk, msg, s] of cases) {
      expect(verifyEd25519(pk as Uint8Array, msg as Uint8Array, s as Uint8Array)).toBe(false)
    }
    expect(verifyEd25519(key.publicKey, data, sig)).toBe(true)
  })

  it('stays correct after more distinct keys than its cache holds', () => {
    const keys = Array.from({ length: 1100 }, (_, i) => {
      const s = new Uint8Array(32)
      new DataView(s.buffer).setUint32(0, i + 1)
      return ed25519FromSeed(s)
    })
    for (const k of keys) expect(verifyEd25519(k.publicKey, data, k.sign(data))).toBe(true)
    expect(verifyEd25519(keys[0]!.publicKey, data, keys[0]!.sign(data))).toBe(true)
    expect(verifyEd25519(keys[0]!.publicKey, data, keys[1]!.sign(data))).toBe(false)
  })

  // property (STYLE.md 16): any single-byte mutation of a signed message or its signature fails
  const mutation = fc.record({
    seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    message: fc.uint8Array({ minLength: 1, maxLength: 256 }),
    at: fc.nat(),
    xor: fc.integer({ min: 1, max: 255 })
  })

  it('rejects any one-byte change to the signature', () => {
    fc.assert(fc.property(mutation, ({ seed, message, at, xor }) => {
      const k = ed25519FromSeed(seed)
      const signature = k.sign(message)
      expect(verifyEd25519(k.publicKey, message, signature)).toBe(true)
      const bad = Uint8Array.from(signature)
      bad[at % bad.length]! ^= xor
      expect(verifyEd25519(k.publicKey, message, bad)).toBe(false)
    }), { numRuns: 300 })
  })

  it('rejects any one-byte change to the message', () => {
    fc.assert(fc.property(mutation, ({ seed, message, at, xor }) => {
      const k = ed25519FromSeed(seed)
      const signature = k.sign(message)
      const bad = Uint8Array.from(message)
      bad[at % bad.length]! ^= xor
      expect(verifyEd25519(k.publicKey, bad, signature)).toBe(false)
    }), { numRuns: 300 })
  })
})
