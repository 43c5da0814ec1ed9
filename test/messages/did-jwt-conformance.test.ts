/**
 * Conformance (DESIGN section 5): did-jwt's own verifyJWT, with a local did:key resolver and
 * no network, accepts every kind of token signMessage makes, and names the same issuer and
 * verification method (the kid we write).
 */
import { describe, expect, it } from 'vitest'
import { verifyJWT } from 'did-jwt'
import { didKeyResolver } from '../fixtures/did-key-resolver.ts'
import { KINDS, signMessage } from '../../src/messages/index.ts'
import { AGREEMENT_ID, SAMPLE_BODIES, recipient, signer } from './helpers.ts'

const resolver = didKeyResolver

describe('did-jwt conformance', () => {
  it.each(KINDS.map(k => [k]))('did-jwt verifyJWT accepts our %s', async (kind) => {
    const { jwt, payload } = signMessage(signer, { kind, aud: recipient.did, thread: AGREEMENT_ID, prev: null, seq: 1, body: SAMPLE_BODIES[kind], ttlSeconds: 600 })
    const v = await verifyJWT(jwt, { resolver, audience: recipient.did, proofPurpose: 'assertionMethod' })
    expect(v.verified).toBe(true)
    expect(v.issuer).toBe(signer.did)
    expect(v.signer.id).toBe(`${signer.did}#${signer.did.slice('did:key:'.length)}`)
    expect(v.payload).toEqual(payload)
  })
})
