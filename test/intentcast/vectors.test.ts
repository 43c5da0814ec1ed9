import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { deriveIdentityKey, ed25519FromSeed } from '../../src/identity/index.ts'
import { deriveIntentKeys } from '../../src/intentcast/keys.ts'
import { encodeX25519PublicKey, openSealed, x25519FromEd25519Seed, x25519FromSeed, x25519PublicFromEd25519 } from '../../src/intentcast/seal.ts'
import { categoryTopic, inboxTopic, replyTopic } from '../../src/intentcast/topics.ts'
import { verifyIntentcast } from '../../src/intentcast/wire.ts'
import { INTENTCAST_ONLY_WIRE_CODES } from '../../src/intentcast/wire.ts'
import { renderVectors, VECTOR_FILES } from '../../protocols/intentcast/vectors/generate.ts'
import type { BadSealVector, InvalidVector, SealVector, ValidVector } from '../../protocols/intentcast/vectors/generate.ts'
import { wireOf } from './helpers.ts'

interface ValidFile {
  now: number
  keys: Record<string, string>
  vectors: ValidVector[]
  seal: SealVector[]
  topics: { categories: Record<string, string>, reply: { intentId: string, topic: string }, inbox: { did: string, topic: string } }
}
interface InvalidFile { now: number, vectors: InvalidVector[], seal: BadSealVector[] }
const validText = await readFile(VECTOR_FILES.valid, 'utf8')
const invalidText = await readFile(VECTOR_FILES.invalid, 'utf8')
const valid = JSON.parse(validText) as ValidFile
const invalid = JSON.parse(invalidText) as InvalidFile
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))

describe('protocols/intentcast/vectors', () => {
  it('are exactly what generate.ts produces', () => {
    const built = renderVectors()
    expect(built.valid).toBe(validText)
    expect(built.invalid).toBe(invalidText)
  })

  it('keys: derived from the master seed and label the file names', () => {
    const k = valid.keys
    const master = bytes(k.masterSeedHex!)
    const { signing, reply } = deriveIntentKeys(master, k.intentLabel!)
    expect(signing.did).toBe(k.intentDid)
    expect(encodeX25519PublicKey(reply.publicKey)).toBe(k.replyPublicKey)
    expect(deriveIdentityKey(master).did).toBe(k.identityDid)
    const vendor = ed25519FromSeed(bytes(k.vendorSeedHex!))
    expect(vendor.did).toBe(k.vendorDid)
    expect(Buffer.from(x25519PublicFromEd25519(vendor.publicKey)).toString('hex')).toBe(k.vendorX25519PublicKeyHex)
    expect(Buffer.from(x25519FromEd25519Seed(bytes(k.vendorSeedHex!)).publicKey).toString('hex')).toBe(k.vendorX25519PublicKeyHex)
  })

  it('topics: every category, the reply bucket and the inbox bucket', () => {
    for (const [id, topic] of Object.entries(valid.topics.categories)) expect(categoryTopic(id)).toBe(topic)
    expect(replyTopic(valid.topics.reply.intentId)).toBe(valid.topics.reply.topic)
    expect(inboxTopic(valid.topics.inbox.did)).toBe(valid.topics.inbox.topic)
  })

  it.each(valid.vectors.map(x => [x.name, x]))('valid: %s', (_name, x) => {
    const v = verifyIntentcast(x.jwt, x.policy)
    expect(v.id).toBe(x.id)
    expect(v.kind).toBe(x.policy.kinds[0])
    // gossipsub hands over bytes
    expect(verifyIntentcast(Buffer.from(x.jwt, 'utf8'), x.policy).id).toBe(x.id)
  })

  it('cover every wire code verifyIntentcast and openSealed can give', () => {
    const codes = new Set([...invalid.vectors.map(x => x.wire), ...invalid.seal.map(x => x.wire)])
    expect(codes).toEqual(new Set([
      'TOO_LARGE', 'MALFORMED', 'BAD_HEADER', 'UNSUPPORTED_ALG', 'WRONG_KIND', 'BAD_CLAIM', 'BAD_ISSUER', 'BAD_KID', 'WRONG_AUDIENCE',
      'NOT_YET_VALID', 'EXPIRED', 'LIFETIME_TOO_LONG', 'BAD_SIGNATURE', 'SCHEMA_INVALID', 'UNKNOWN_TERM', 'TERM_HASH_MISMATCH',
      ...INTENTCAST_ONLY_WIRE_CODES
    ]))
  })

  it.each(invalid.vectors.map(x => [x.name, x]))('invalid: %s', (_name, x) => {
    expect(wireOf(() => verifyIntentcast(x.jwt, x.policy))).toBe(x.wire)
  })

  it.each(valid.seal.map(x => [x.name, x]))('seal: %s', (_name, x) => {
    const k = valid.keys
    const recipient = x.context === 'offer'
      ? deriveIntentKeys(bytes(k.masterSeedHex!), k.intentLabel!).reply
      : x25519FromEd25519Seed(bytes(k.vendorSeedHex!))
    expect(Buffer.from(recipient.publicKey).toString('hex')).toBe(x.recipientPublicKeyHex)
    const opened = openSealed(recipient, bytes(x.sealedHex), x.context)
    expect(Buffer.from(opened).toString('utf8')).toBe(x.plaintext)
    // the first 33 bytes: version 1 and the ephemeral public key of the fixed seed
    expect(x.sealedHex.slice(0, 66)).toBe('01' + Buffer.from(x25519FromSeed(bytes(x.ephemeralSeedHex)).publicKey).toString('hex'))
    // and the opened JWT verifies
    expect(verifyIntentcast(opened, { kinds: ['vrm.Offer', 'vrm.Intent'], now: valid.now }).jwt).toBe(x.plaintext)
  })

  it.each(invalid.seal.map(x => [x.name, x]))('bad seal: %s', (_name, x) => {
    const recipient = deriveIntentKeys(bytes(valid.keys.masterSeedHex!), valid.keys.intentLabel!).reply
    expect(wireOf(() => openSealed(recipient, bytes(x.sealedHex), x.context))).toBe(x.wire)
  })
})
