import { hkdfSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { derivePairwiseKey } from '../../src/identity/index.ts'
import { deriveIntentKeys, newIntentLabel } from '../../src/intentcast/keys.ts'
import { x25519FromSeed } from '../../src/intentcast/seal.ts'
import { wireOf } from './helpers.ts'

const master = new Uint8Array(32).fill(0x5a)

describe('per-intent keys', () => {
  it('are the documented derivations of the master seed and the label', () => {
    const label = newIntentLabel()
    const { signing, reply } = deriveIntentKeys(master, label)
    expect(signing.did).toBe(derivePairwiseKey(master, `intent:${label}`).did)
    const seed = new Uint8Array(hkdfSync('sha256', master, Buffer.from('hearth/key-derivation/v1'), Buffer.from(`hearth/intent-reply/x25519/v1:${label}`), 32))
    expect(reply.publicKey).toEqual(x25519FromSeed(seed).publicKey)
  })

  it('are restored from the seed and label alone (the recovery phrase brings them back)', () => {
    const label = newIntentLabel()
    const a = deriveIntentKeys(master, label)
    const b = deriveIntentKeys(Uint8Array.from(master), label)
    expect(b.signing.did).toBe(a.signing.did)
    expect(b.reply.publicKey).toEqual(a.reply.publicKey)
  })

  it('differ for every label and every seed', () => {
    const dids = new Set<string>()
    const replies = new Set<string>()
    for (let i = 0; i < 50; i++) {
      const k = deriveIntentKeys(i % 2 === 0 ? master : new Uint8Array(32).fill(i), newIntentLabel())
      dids.add(k.signing.did)
      replies.add(Buffer.from(k.reply.publicKey).toString('hex'))
    }
    expect(dids.size).toBe(50)
    expect(replies.size).toBe(50)
  })

  it('labels are 16 random bytes in base64url', () => {
    const labels = new Set(Array.from({ length: 100 }, newIntentLabel))
    expect(labels.size).toBe(100)
    for (const l of labels) expect(l).toMatch(/^[A-Za-z0-9_-]{21}[AQgw]$/)
  })

  it('refuses a bad seed or label', () => {
    expect(wireOf(() => deriveIntentKeys(new Uint8Array(31), newIntentLabel()))).toMatch(/^INVALID_ARGUMENT/)
    for (const label of ['', 'short', 'x'.repeat(22), `${newIntentLabel()}A`]) {
      expect(wireOf(() => deriveIntentKeys(master, label))).toMatch(/^INVALID_ARGUMENT/)
    }
  })
})
