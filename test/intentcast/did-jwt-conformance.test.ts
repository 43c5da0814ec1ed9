/**
 * Conformance (DESIGN section 5): did-jwt's own verifyJWT, with a local did:key resolver and no
 * network, accepts every kind of token signIntentcast makes, addressed or not.
 */
import { describe, expect, it } from 'vitest'
import { verifyJWT } from 'did-jwt'
import { didKeyResolver } from '../fixtures/did-key-resolver.ts'
import { INTENTCAST_KINDS, signIntentcast } from '../../src/intentcast/wire.ts'
import type { IntentcastKind } from '../../src/intentcast/wire.ts'
import { intentBody, person, SAMPLE_BODIES, vendor } from './helpers.ts'

const now = Date.now()
const exp = Math.floor(now / 1000) + 3600
const iso = new Date(exp * 1000).toISOString()

function sign (kind: IntentcastKind): { jwt: string, aud?: string, iss: string, payload: unknown } {
  if (kind === 'vrm.Offer') {
    const s = signIntentcast(vendor, { kind, body: { ...SAMPLE_BODIES[kind], validUntil: iso }, aud: person.did, exp, now })
    return { jwt: s.jwt, aud: person.did, iss: vendor.did, payload: s.payload }
  }
  if (kind === 'vrm.OfferResponse') {
    const s = signIntentcast(person, { kind, body: SAMPLE_BODIES[kind], aud: vendor.did, exp, now })
    return { jwt: s.jwt, aud: vendor.did, iss: person.did, payload: s.payload }
  }
  const body = kind === 'vrm.IntentWithdrawal' ? SAMPLE_BODIES[kind] : { ...intentBody(kind === 'vrm.Intent' ? 1 : 2), expiresAt: iso }
  const s = signIntentcast(person, { kind, body, exp, now })
  return { jwt: s.jwt, iss: person.did, payload: s.payload }
}

describe('did-jwt conformance', () => {
  it.each(INTENTCAST_KINDS.map(k => [k]))('did-jwt verifyJWT accepts our %s', async (kind) => {
    const t = sign(kind)
    const v = await verifyJWT(t.jwt, { resolver: didKeyResolver, proofPurpose: 'assertionMethod', ...(t.aud === undefined ? {} : { audience: t.aud }) })
    expect(v.verified).toBe(true)
    expect(v.issuer).toBe(t.iss)
    expect(v.signer.id).toBe(`${t.iss}#${t.iss.slice('did:key:'.length)}`)
    expect(v.payload).toEqual(t.payload)
  })
})
