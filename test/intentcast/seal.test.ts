import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { isHearthError } from '../../src/errors.ts'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import {
  decodeX25519PublicKey, encodeX25519PublicKey, MAX_SEALED_BYTES, openSealed, seal, SEAL_OVERHEAD, x25519FromEd25519Seed, x25519FromSeed,
  x25519PublicFromEd25519
} from '../../src/intentcast/seal.ts'
import { MAX_INTENTCAST_MESSAGE_BYTES } from '../../src/intentcast/wire.ts'
import { wireOf } from './helpers.ts'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const alice = x25519FromSeed(new Uint8Array(32).fill(9))
const bob = x25519FromSeed(new Uint8Array(32).fill(10))
const message = text('eyJhbGciOiJFZERTQSJ9.an-offer.signature')

describe('seal / openSealed', () => {
  it('opens what was sealed to the key, in the same context', () => {
    const box = seal(alice.publicKey, message, 'offer')
    expect(box.length).toBe(message.length + SEAL_OVERHEAD)
    expect(box[0]).toBe(1)
    expect(openSealed(alice, box, 'offer')).toEqual(message)
  })

  it('an empty message and the largest one both work; one byte more is refused when sealing', () => {
    expect(openSealed(alice, seal(alice.publicKey, new Uint8Array(0), 'inbox'), 'inbox')).toEqual(new Uint8Array(0))
    const max = new Uint8Array(MAX_INTENTCAST_MESSAGE_BYTES).fill(0x61)
    const box = seal(alice.publicKey, max, 'inbox')
    expect(box.length).toBe(MAX_SEALED_BYTES)
    expect(openSealed(alice, box, 'inbox')).toEqual(max)
    expect(wireOf(() => seal(alice.publicKey, new Uint8Array(MAX_INTENTCAST_MESSAGE_BYTES + 1), 'inbox'))).toMatch(/^INVALID_ARGUMENT/)
  })

  it('sealed to one key cannot be opened by another', () => {
    const box = seal(alice.publicKey, message, 'offer')
    expect(wireOf(() => openSealed(bob, box, 'offer'))).toBe('UNSEALABLE')
    for (let i = 0; i < 20; i++) {
      expect(wireOf(() => openSealed(x25519FromSeed(Uint8Array.from(randomBytes(32))), box, 'offer'))).toBe('UNSEALABLE')
    }
  })

  it('an offer box is not an inbox box: the context is bound', () => {
    expect(wireOf(() => openSealed(alice, seal(alice.publicKey, message, 'offer'), 'inbox'))).toBe('UNSEALABLE')
  })

  it('any flipped bit anywhere fails (every byte position, exhaustively)', () => {
    const box = seal(alice.publicKey, message, 'offer')
    for (let i = 0; i < box.length; i++) {
      for (const bit of [0x01, 0x80]) {
        const bad = Uint8Array.from(box)
        bad[i]! ^= bit
        // byte 0 is the version: MALFORMED; everything else is authenticated: UNSEALABLE
        expect(wireOf(() => openSealed(alice, bad, 'offer'))).toBe(i === 0 ? 'MALFORMED' : 'UNSEALABLE')
      }
    }
  })

  it('truncated, extended, oversized and non-byte boxes are refused with their code', () => {
    const box = seal(alice.publicKey, message, 'offer')
    expect(wireOf(() => openSealed(alice, box.subarray(0, box.length - 1), 'offer'))).toBe('UNSEALABLE')
    expect(wireOf(() => openSealed(alice, Uint8Array.from([...box, 0]), 'offer'))).toBe('UNSEALABLE')
    expect(wireOf(() => openSealed(alice, box.subarray(0, SEAL_OVERHEAD - 1), 'offer'))).toBe('MALFORMED')
    expect(wireOf(() => openSealed(alice, new Uint8Array(0), 'offer'))).toBe('MALFORMED')
    expect(wireOf(() => openSealed(alice, new Uint8Array(MAX_SEALED_BYTES + 1).fill(1), 'offer'))).toBe('TOO_LARGE')
    expect(wireOf(() => openSealed(alice, 'a string' as unknown as Uint8Array, 'offer'))).toBe('MALFORMED')
  })

  it('a box whose ephemeral key is a small-order point is refused, not decrypted with a zero secret', () => {
    // u = 0 and u = 1 are small-order X25519 points: X25519 with them gives all zeros
    for (const u of [new Uint8Array(32), Uint8Array.of(1, ...new Uint8Array(31))]) {
      const box = Uint8Array.from([1, ...u, ...new Uint8Array(40)])
      expect(wireOf(() => openSealed(alice, box, 'offer'))).toBe('UNSEALABLE')
    }
    expect(wireOf(() => seal(new Uint8Array(32), message, 'offer'))).toMatch(/^INVALID_ARGUMENT/)
  })

  it('a fresh ephemeral key per box: sealing the same message twice shares no byte string', () => {
    const a = seal(alice.publicKey, message, 'offer')
    const b = seal(alice.publicKey, message, 'offer')
    expect(Buffer.from(a.subarray(1, 33)).equals(Buffer.from(b.subarray(1, 33)))).toBe(false)
    expect(Buffer.from(a.subarray(33)).equals(Buffer.from(b.subarray(33)))).toBe(false)
  })

  it('random garbage never opens and never throws anything but INVALID_MESSAGE', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      try {
        openSealed(alice, bytes, 'offer')
      } catch (err) {
        if (!isHearthError(err, 'INVALID_MESSAGE')) throw err
        return
      }
      throw new Error('opened random bytes')
    }), { numRuns: 500 })
  })

  it('bad contexts are the caller\'s bug', () => {
    expect(wireOf(() => seal(alice.publicKey, message, ''))).toMatch(/^INVALID_ARGUMENT/)
    expect(wireOf(() => openSealed(alice, seal(alice.publicKey, message, 'offer'), 'Offer'))).toMatch(/^INVALID_ARGUMENT/)
  })
})

describe('Ed25519 to X25519', () => {
  it('the converted public key equals the public key of the converted seed, for many random seeds', () => {
    for (let i = 0; i < 300; i++) {
      const seed = Uint8Array.from(randomBytes(32))
      expect(Buffer.from(x25519PublicFromEd25519(ed25519FromSeed(seed).publicKey)).toString('hex'))
        .toBe(Buffer.from(x25519FromEd25519Seed(seed).publicKey).toString('hex'))
    }
  })

  it('anyone can seal to a did:key; only the holder of its seed opens', () => {
    const seed = Uint8Array.from(randomBytes(32))
    const vendor = ed25519FromSeed(seed)
    const box = seal(x25519PublicFromEd25519(vendor.publicKey), message, 'inbox')
    expect(openSealed(x25519FromEd25519Seed(seed), box, 'inbox')).toEqual(message)
    expect(wireOf(() => openSealed(x25519FromEd25519Seed(Uint8Array.from(randomBytes(32))), box, 'inbox'))).toBe('UNSEALABLE')
  })

  it.each([
    // RFC 8032 section 7.1 TEST 1, 2 and 3 public keys; the u-coordinates were computed with an
    // independent implementation (@noble/curves 2.4.0, ed25519.utils.toMontgomery), which also
    // agreed with ours on 2,000 random keys when this test was written
    ['d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'd85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e'],
    ['3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '25c704c594b88afc00a76b69d1ed2b984d7e22550f3ed0802d04fbcd07d38d47'],
    ['fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025', 'cbb22fc9f790bd3eba9b84680c157ca4950a9894362601701f89c3c4d9fda23a']
  ])('fixed value: Ed25519 %s', (ed, x) => {
    expect(Buffer.from(x25519PublicFromEd25519(Uint8Array.from(Buffer.from(ed, 'hex')))).toString('hex')).toBe(x)
  })

  it('refuses what is not a canonical curve point', () => {
    // y = p (non-canonical encoding of 0), y = 2 (x^2 has no root), the identity (y = 1)
    const p = Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')
    const two = Buffer.from('02' + '00'.repeat(31), 'hex')
    const identity = Buffer.from('01' + '00'.repeat(31), 'hex')
    for (const bad of [p, two, identity]) expect(wireOf(() => x25519PublicFromEd25519(Uint8Array.from(bad)))).toMatch(/^INVALID_ARGUMENT/)
    expect(wireOf(() => x25519PublicFromEd25519(new Uint8Array(31)))).toMatch(/^INVALID_ARGUMENT/)
  })

  it('replyKey encoding round-trips and refuses non-canonical text', () => {
    const text = encodeX25519PublicKey(alice.publicKey)
    expect(text).toHaveLength(43)
    expect(decodeX25519PublicKey(text)).toEqual(alice.publicKey)
    expect(wireOf(() => decodeX25519PublicKey(text.slice(0, 42) + 'B'))).toMatch(/^INVALID_ARGUMENT/)
    expect(wireOf(() => decodeX25519PublicKey(text + 'A'))).toMatch(/^INVALID_ARGUMENT/)
  })
})
