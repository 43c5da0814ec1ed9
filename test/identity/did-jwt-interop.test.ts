/**
 * Our did:key strings and node:crypto signatures must interoperate with did-jwt, which other
 * VRM software uses: a JWT we sign is accepted by did-jwt's own verifyJWT, and a JWT did-jwt
 * signs verifies with verifyEd25519.
 */
import { describe, expect, it } from 'vitest'
import { EdDSASigner, createJWT, decodeJWT, verifyJWT } from 'did-jwt'
import type { Signer } from 'did-jwt'
import { didKeyResolver } from '../fixtures/did-key-resolver.ts'
import { ed25519FromSeed, publicKeyFromDidKey, verifyEd25519 } from '../../src/identity/index.ts'
import type { Ed25519Key } from '../../src/identity/index.ts'
import { fromHex, utf8 } from './helpers.ts'

const resolver = didKeyResolver

const seed = fromHex('5a'.repeat(32))
const key = ed25519FromSeed(seed)
const signerFor = (k: Ed25519Key): Signer => async (data) =>
  Buffer.from(k.sign(typeof data === 'string' ? utf8(data) : data)).toString('base64url')
const exp = (): number => Math.floor(Date.now() / 1000) + 600

describe('did-jwt interop', () => {
  it('did-jwt verifyJWT accepts a JWT signed with Ed25519Key.sign', async () => {
    const jwt = await createJWT({ terms: 'no tracking', exp: exp() }, { issuer: key.did, signer: signerFor(key), alg: 'EdDSA' })
    expect(decodeJWT(jwt).header).toMatchObject({ alg: 'EdDSA' })
    const verified = await verifyJWT(jwt, { resolver, proofPurpose: 'assertionMethod' })
    expect(verified.verified).toBe(true)
    expect(verified.issuer).toBe(key.did)
    expect(verified.payload).toMatchObject({ terms: 'no tracking' })
    expect(verified.signer.id).toBe(`${key.did}#${key.did.slice('did:key:'.length)}`)
  })

  it('did-jwt rejects a tampered payload and a JWT signed by another key', async () => {
    const jwt = await createJWT({ terms: 'no tracking', exp: exp() }, { issuer: key.did, signer: signerFor(key), alg: 'EdDSA' })
    const [h, , s] = jwt.split('.')
    const forgedPayload = Buffer.from(JSON.stringify({ ...decodeJWT(jwt).payload, terms: 'sell my data' })).toString('base64url')
    await expect(verifyJWT(`${h}.${forgedPayload}.${s}`, { resolver })).rejects.toThrow(/invalid_signature/)

    const mallory = ed25519FromSeed(fromHex('66'.repeat(32)))
    const impostor = await createJWT({ exp: exp() }, { issuer: key.did, signer: signerFor(mallory), alg: 'EdDSA' })
    await expect(verifyJWT(impostor, { resolver })).rejects.toThrow(/invalid_signature/)
  })

  it('verifyEd25519 accepts what did-jwt EdDSASigner signs for the same seed', async () => {
    const jwt = await createJWT({ exp: exp() }, { issuer: key.did, signer: EdDSASigner(seed), alg: 'EdDSA' })
    const [h, p, s] = jwt.split('.') as [string, string, string]
    const signature = Uint8Array.from(Buffer.from(s, 'base64url'))
    expect(verifyEd25519(publicKeyFromDidKey(key.did), utf8(`${h}.${p}`), signature)).toBe(true)
    expect(signature).toEqual(key.sign(utf8(`${h}.${p}`)))
  })
})
