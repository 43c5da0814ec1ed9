import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import { checkTerms, verifyMessage } from '../../src/messages/index.ts'
import type { AgreementTerms } from '../../src/agreements/types.generated.ts'
import { buildVectors, render, VECTOR_FILES } from '../../protocols/agreement/vectors/generate.ts'
import type { InvalidVector, ValidVector } from '../../protocols/agreement/vectors/generate.ts'
import { wireError } from './helpers.ts'

interface File<V> { signerSeedHex: string, recipientSeedHex: string, vectors: V[] }
const valid = JSON.parse(await readFile(VECTOR_FILES.valid, 'utf8')) as File<ValidVector>
const invalid = JSON.parse(await readFile(VECTOR_FILES.invalid, 'utf8')) as File<InvalidVector>

describe('protocols/agreement/vectors', () => {
  it('are exactly what generate.ts produces', async () => {
    const built = buildVectors()
    expect(render({ ...valid, vectors: built.valid })).toBe(await readFile(VECTOR_FILES.valid, 'utf8'))
    expect(render({ ...invalid, vectors: built.invalid })).toBe(await readFile(VECTOR_FILES.invalid, 'utf8'))
  })

  it('name the test keys they were made with', () => {
    const signer = ed25519FromSeed(Buffer.from(valid.signerSeedHex, 'hex'))
    const recipient = ed25519FromSeed(Buffer.from(valid.recipientSeedHex, 'hex'))
    for (const x of valid.vectors) expect(verifyMessage(x.jwt, x.policy).payload).toMatchObject({ iss: signer.did, aud: recipient.did })
  })

  it.each(valid.vectors.map(x => [x.name, x]))('valid: %s', (_name, x) => {
    const v = verifyMessage(x.jwt, x.policy)
    expect(v.id).toBe(x.id)
    expect(v.header.typ).toBe(x.policy.kinds[0])
  })

  it('cover every wire code of verifyMessage and checkTerms', () => {
    expect(new Set(invalid.vectors.map(x => x.wire))).toEqual(new Set([
      'TOO_LARGE', 'MALFORMED', 'BAD_HEADER', 'UNSUPPORTED_ALG', 'WRONG_KIND', 'BAD_CLAIM', 'BAD_ISSUER', 'BAD_KID', 'WRONG_AUDIENCE',
      'NOT_YET_VALID', 'EXPIRED', 'LIFETIME_TOO_LONG', 'BAD_SIGNATURE', 'SCHEMA_INVALID', 'THREAD_MISMATCH',
      'UNKNOWN_TERM', 'TERM_HASH_MISMATCH', 'TERMS_CONFLICT'
    ]))
  })

  it.each(invalid.vectors.map(x => [x.name, x]))('invalid: %s', (_name, x) => {
    if (x.stage === 'verify') {
      expect(() => verifyMessage(x.jwt, x.policy)).toThrow(wireError(x.wire as never))
    } else {
      const body = verifyMessage(x.jwt, x.policy).payload.body as { terms: AgreementTerms }
      expect(() => checkTerms(body.terms)).toThrow(wireError(x.wire as never))
    }
  })
})
