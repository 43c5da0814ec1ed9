import { hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  deriveDeviceKey, deriveIdentityKey, derivePairwiseKey, ed25519FromSeed, generateMasterSeed,
  mnemonicToSeed, newDeviceNonce, peerIdFromDidKey, seedToMnemonic
} from '../../src/identity/index.ts'
import { utf8 } from './helpers.ts'

const master = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i)

describe('key derivation', () => {
  it('follows the labels documented in keys/README.md (HKDF-SHA256, RFC 5869)', () => {
    const nonce = Uint8Array.from({ length: 16 }, (_, i) => i)
    const hkdf = (info: Uint8Array): Uint8Array =>
      new Uint8Array(hkdfSync('sha256', master, utf8('hearth/key-derivation/v1'), info, 32))
    expect(deriveIdentityKey(master).did).toBe(ed25519FromSeed(hkdf(utf8('hearth/identity/ed25519/v1'))).did)
    expect(deriveDeviceKey(master, nonce).did)
      .toBe(ed25519FromSeed(hkdf(Buffer.concat([utf8('hearth/device/ed25519/v1:'), nonce]))).did)
    expect(derivePairwiseKey(master, 'vendor:example.org').did)
      .toBe(ed25519FromSeed(hkdf(utf8('hearth/pairwise/ed25519/v1:vendor:example.org'))).did)
  })

  it('gives every purpose, device and label its own key', () => {
    const nonceA = newDeviceNonce()
    const nonceB = newDeviceNonce()
    expect(nonceA).toHaveLength(16)
    expect(nonceA).not.toEqual(nonceB)
    const dids = [
      deriveIdentityKey(master).did,
      deriveDeviceKey(master, nonceA).did,
      deriveDeviceKey(master, nonceB).did,
      derivePairwiseKey(master, 'intent:1').did,
      derivePairwiseKey(master, 'intent:2').did,
      deriveIdentityKey(generateMasterSeed()).did
    ]
    expect(new Set(dids).size).toBe(dids.length)
  })

  it('is deterministic for the same inputs', () => {
    const nonce = newDeviceNonce()
    expect(deriveIdentityKey(master).publicKey).toEqual(deriveIdentityKey(Uint8Array.from(master)).publicKey)
    expect(deriveDeviceKey(master, nonce).did).toBe(deriveDeviceKey(master, Uint8Array.from(nonce)).did)
    expect(derivePairwiseKey(master, 'intent:1').did).toBe(derivePairwiseKey(master, 'intent:1').did)
  })

  it('uses a pairwise label byte for byte (no Unicode normalisation)', () => {
    expect(derivePairwiseKey(master, 'caf\u00e9').did).not.toBe(derivePairwiseKey(master, 'cafe\u0301').did)
  })

  it('restoring from the phrase gives the same DID and, with a new nonce, a new device PeerId', async () => {
    const original = generateMasterSeed()
    const oldNonce = newDeviceNonce()
    const phrase = seedToMnemonic(original)

    const restored = mnemonicToSeed(phrase)
    const newNonce = newDeviceNonce()
    expect(deriveIdentityKey(restored).did).toBe(deriveIdentityKey(original).did)

    const oldDevice = deriveDeviceKey(original, oldNonce)
    const newDevice = deriveDeviceKey(restored, newNonce)
    const oldPeer = peerIdFromPrivateKey(await oldDevice.toLibp2pPrivateKey())
    const newPeer = peerIdFromPrivateKey(await newDevice.toLibp2pPrivateKey())
    expect(newPeer.equals(oldPeer)).toBe(false)
    expect(newPeer.equals(peerIdFromDidKey(newDevice.did))).toBe(true)
  })

  it.each([
    ['a 31-byte master seed', () => deriveIdentityKey(new Uint8Array(31))],
    ['a 64-byte master seed', () => deriveDeviceKey(new Uint8Array(64), newDeviceNonce())],
    ['a 15-byte device nonce', () => deriveDeviceKey(master, new Uint8Array(15))],
    ['an empty label', () => derivePairwiseKey(master, '')],
    ['a label with a lone surrogate', () => derivePairwiseKey(master, 'intent:\ud800')],
    ['a 257-byte label', () => derivePairwiseKey(master, 'x'.repeat(257))],
    ['a non-string label', () => derivePairwiseKey(master, 7 as never)]
  ])('rejects %s with INVALID_ARGUMENT', (_name, derive) => {
    expect(derive).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('accepts a 256-byte label', () => {
    expect(derivePairwiseKey(master, 'é'.repeat(128)).did).toMatch(/^did:key:z6Mk/)
  })
})
