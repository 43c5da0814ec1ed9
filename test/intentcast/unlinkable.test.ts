import { describe, expect, it } from 'vitest'
import { deriveDeviceKey, deriveIdentityKey, ed25519FromSeed, peerIdFromDidKey } from '../../src/identity/index.ts'
import { lookupTerm } from '../../src/messages/terms.ts'
import { deriveIntentKeys, newIntentLabel } from '../../src/intentcast/keys.ts'
import { encodeX25519PublicKey, openSealed, seal, x25519FromEd25519Seed, x25519PublicFromEd25519 } from '../../src/intentcast/seal.ts'
import { replyTopic } from '../../src/intentcast/topics.ts'
import { signIntentcast, verifyIntentcast } from '../../src/intentcast/wire.ts'
import { newRandomId } from '../../src/messages/sign.ts'

/**
 * Privacy level 1 (README section 7) at the message level: two intents of one person, with the
 * same words, sent both on a category topic and sealed to a vendor's inbox, share no identifier
 * a vendor could link them by, and none names her DID or her device's PeerId. (The runtime's
 * network-level counterpart, with real nodes, is the lead's privacy test.)
 */
const master = new Uint8Array(32).fill(0x77)
const herDid = deriveIdentityKey(master).did
const herPeerId = peerIdFromDidKey(deriveDeviceKey(master, new Uint8Array(16).fill(1)).did).toString()
const vendorSeed = new Uint8Array(32).fill(0x21)
const vendor = ed25519FromSeed(vendorSeed)
const NOW = Date.now()
const exp = Math.floor(NOW / 1000) + 3 * 86_400

function castIntent (): { seen: { jwt: string, box: Uint8Array, topic: string }, identifiers: string[] } {
  const label = newIntentLabel()
  const { signing, reply } = deriveIntentKeys(master, label)
  const intentId = newRandomId()
  const body = {
    intentId,
    seq: 1,
    what: 'A city bicycle for commuting, 56 cm frame',
    category: 'bicycles',
    budget: { max: '300', currency: 'EUR' },
    terms: { termId: 'PDC-INTENT', termHash: lookupTerm('PDC-INTENT')!.hash },
    replyKey: encodeX25519PublicKey(reply.publicKey),
    expiresAt: new Date(exp * 1000).toISOString()
  }
  const signed = signIntentcast(signing, { kind: 'vrm.Intent', body, exp, now: NOW })
  const box = seal(x25519PublicFromEd25519(vendor.publicKey), Buffer.from(signed.jwt), 'inbox')
  const [h, , s] = signed.jwt.split('.') as [string, string, string]
  return {
    seen: { jwt: signed.jwt, box, topic: replyTopic(intentId) },
    identifiers: [
      signing.did, signed.payload.jti, intentId, body.replyKey, signed.id, h, s,
      Buffer.from(box.subarray(1, 33)).toString('hex'), label
    ]
  }
}

describe('two intents of one master seed', () => {
  const a = castIntent()
  const b = castIntent()

  it('share no identifier: pairwise DID (and so kid), jti, intentId, replyKey, message id, signature, seal ephemeral key', () => {
    const names = ['did', 'jti', 'intentId', 'replyKey', 'message id', 'header', 'signature', 'seal ephemeral key', 'label']
    a.identifiers.forEach((x, i) => {
      expect(b.identifiers[i], names[i]).not.toBe(x)
      // nor anywhere else in what the vendor got from the other intent
      expect(b.seen.jwt.includes(x), names[i]).toBe(false)
      expect(Buffer.from(b.seen.box).toString('hex').includes(x), names[i]).toBe(false)
    })
  })

  it('everything a vendor decodes from one intent names neither her DID nor her PeerId', () => {
    for (const { seen } of [a, b]) {
      const opened = Buffer.from(openSealed(x25519FromEd25519Seed(vendorSeed), seen.box, 'inbox')).toString('utf8')
      expect(opened).toBe(seen.jwt)
      const v = verifyIntentcast(opened, { kinds: ['vrm.Intent'] })
      const decoded = JSON.stringify(v) + seen.jwt.split('.').slice(0, 2).map(p => Buffer.from(p, 'base64url').toString('utf8')).join('')
      for (const secret of [herDid, herDid.slice('did:key:'.length), herPeerId]) expect(decoded).not.toContain(secret)
      expect(v.payload.iss).not.toBe(herDid)
    }
  })
})
