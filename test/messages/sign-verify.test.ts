import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { KINDS, messageId, signMessage, verifyMessage, DEFAULT_MAX_LIFETIME_SECONDS } from '../../src/messages/index.ts'
import type { Kind } from '../../src/messages/index.ts'
import { AGREEMENT_ID, NOW, SAMPLE_BODIES, SOME_ID, recipient, segments, signer, wireError } from './helpers.ts'

const sign = (kind: Kind, over: Partial<Parameters<typeof signMessage>[1]> = {}) =>
  signMessage(signer, { kind, aud: recipient.did, thread: AGREEMENT_ID, prev: null, seq: 1, body: SAMPLE_BODIES[kind], now: NOW, ...over })
const json = (segment: string): unknown => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))

describe('signMessage and verifyMessage', () => {
  it.each(KINDS.map(k => [k]))('round-trips a %s', (kind) => {
    const signed = sign(kind, { prev: SOME_ID, seq: 7, ttlSeconds: 600 })
    const v = verifyMessage(signed.jwt, { kinds: [kind], audience: recipient.did, now: NOW })
    expect(v).toEqual({ header: { alg: 'EdDSA', typ: kind, kid: `${signer.did}#${signer.did.slice(8)}` }, payload: signed.payload, id: signed.id, jwt: signed.jwt })
    expect(v.payload).toMatchObject({ iss: signer.did, aud: recipient.did, iat: NOW / 1000, exp: NOW / 1000 + 600, thread: AGREEMENT_ID, prev: SOME_ID, seq: 7, body: SAMPLE_BODIES[kind] })
  })

  it('writes exactly the header and claims of the spec, in order', () => {
    const [h, p, s] = segments(sign('vrm.AgreementProposal').jwt)
    expect(Object.keys(json(h) as object)).toEqual(['alg', 'typ', 'kid'])
    expect(Object.keys(json(p) as object)).toEqual(['iss', 'aud', 'iat', 'exp', 'jti', 'thread', 'prev', 'seq', 'body'])
    expect((json(p) as { jti: string }).jti).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(Buffer.from(s, 'base64url')).toHaveLength(64)
  })

  it('gives each message a fresh jti, and the default lifetime verifies under the default policy', () => {
    const a = sign('vrm.Ack')
    const b = sign('vrm.Ack')
    expect(a.payload.jti).not.toBe(b.payload.jti)
    expect(a.id).not.toBe(b.id)
    expect(a.payload.exp - a.payload.iat).toBe(DEFAULT_MAX_LIFETIME_SECONDS)
    expect(verifyMessage(a.jwt, { kinds: ['vrm.Ack'], audience: recipient.did, now: NOW }).id).toBe(a.id)
  })

  it('names a message by the CID v1 (raw, sha2-256) of its exact bytes, in base32', async () => {
    const { jwt, id } = sign('vrm.AgreementConfirmation')
    const expected = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(jwt))).toString()
    expect(id).toBe(expected)
    expect(messageId(jwt)).toBe(expected)
    expect(id).toMatch(/^bafkrei[a-z2-7]{52}$/)
  })

  it('accepts a clock up to the skew apart, and refuses beyond it', () => {
    const { jwt } = sign('vrm.Ack', { ttlSeconds: 60 })
    const at = (now: number) => () => verifyMessage(jwt, { kinds: ['vrm.Ack'], audience: recipient.did, now })
    expect(at(NOW - 120_000)).not.toThrow()
    expect(at(NOW - 121_000)).toThrow(wireError('NOT_YET_VALID'))
    expect(at(NOW + 179_999)).not.toThrow()
    expect(at(NOW + 180_000)).toThrow(wireError('EXPIRED'))
    expect(() => verifyMessage(jwt, { kinds: ['vrm.Ack'], audience: recipient.did, now: NOW, maxLifetimeSeconds: 59 })).toThrow(wireError('LIFETIME_TOO_LONG'))
  })

  it('refuses to sign what a receiver would refuse', () => {
    expect(() => sign('vrm.Ack', { body: { ackOf: SOME_ID, status: 'maybe' } })).toThrow(wireError('SCHEMA_INVALID'))
    expect(() => sign('vrm.Ack', { kind: 'vrm.Nope' as Kind })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => sign('vrm.Ack', { thread: 'short' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => sign('vrm.Ack', { prev: 'x' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => sign('vrm.Ack', { seq: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => sign('vrm.Ack', { aud: 'did:web:example.org' })).toThrow(expect.objectContaining({ code: 'INVALID_DID' }))
  })

  it('refuses a policy that lists no kinds or no audience, before reading the token', () => {
    const { jwt } = sign('vrm.Ack')
    expect(() => verifyMessage(jwt, { kinds: [], audience: recipient.did })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    expect(() => verifyMessage(jwt, { kinds: ['vrm.Ack'], audience: undefined as unknown as string })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('names the bad field of a body that fails its schema', () => {
    const { jwt } = sign('vrm.AgreementProposal')
    expect(() => verifyMessage(jwt, { kinds: ['vrm.AgreementProposal'], audience: recipient.did, now: NOW })).not.toThrow()
    const bad = { ...SAMPLE_BODIES['vrm.AgreementProposal'], terms: { ...SAMPLE_BODIES['vrm.AgreementProposal'].terms, purposes: [] } }
    expect(() => sign('vrm.AgreementProposal', { body: bad }))
      .toThrow(expect.objectContaining({ message: expect.stringContaining('body.terms.purposes'), details: expect.objectContaining({ wire: 'SCHEMA_INVALID', field: 'body.terms.purposes' }) }))
  })
})
