import { describe, expect, it } from 'vitest'
import { readSchemas } from '../../src/messages/schemas.ts'
import { BODY_SCHEMA_FILES, KINDS } from '../../src/messages/kinds.ts'
import { validateBody, validateTerms } from '../../src/messages/index.ts'
import { AGREEMENT_ID, SAMPLE_BODIES, SOME_ID, sampleTerms, wireError } from './helpers.ts'

const schemas = readSchemas()

/** Every node of a schema, with its JSON pointer. */
function * nodes (node: unknown, path = '#'): Generator<[string, Record<string, unknown>]> {
  if (typeof node !== 'object' || node === null) return
  if (Array.isArray(node)) { for (const [i, x] of node.entries()) yield * nodes(x, `${path}/${i}`); return }
  yield [path, node as Record<string, unknown>]
  for (const [k, v] of Object.entries(node)) yield * nodes(v, `${path}/${k}`)
}

describe('protocols/agreement/schemas', () => {
  it('has one body schema per kind, plus terms and defs, all JSON Schema 2020-12 with a urn:hearth id', () => {
    expect([...schemas.keys()].sort()).toEqual([...KINDS.map(k => BODY_SCHEMA_FILES[k]), 'defs.schema.json', 'terms.schema.json'].sort())
    for (const [file, s] of schemas) {
      expect(s.$schema, file).toBe('https://json-schema.org/draft/2020-12/schema')
      expect(s.$id, file).toBe(`urn:hearth:protocol:agreement:v1:${file.replace('.schema.json', '')}`)
    }
  })

  it('closes every object and bounds every string, array, number and map', () => {
    for (const [file, s] of schemas) {
      for (const [path, n] of nodes(s)) {
        const where = `${file} ${path}`
        if (typeof n.$ref === 'string' || path.endsWith('/properties') || path.endsWith('/$defs')) continue
        const types = ([] as unknown[]).concat(n.type ?? [])
        if (types.includes('object') && n.properties !== undefined) expect(n.additionalProperties, where).toBe(false)
        if (types.includes('string') && n.enum === undefined && n.const === undefined) expect(n.maxLength, where).toBeTypeOf('number')
        if (types.includes('array')) expect(n.maxItems, where).toBeTypeOf('number')
        if (types.includes('integer')) expect(n.maximum, where).toBeTypeOf('number')
      }
    }
  })

  it('accepts every sample body', () => {
    for (const kind of KINDS) expect(() => validateBody(kind, SAMPLE_BODIES[kind]), kind).not.toThrow()
  })

  const proposal = SAMPLE_BODIES['vrm.AgreementProposal']
  const terms = (over: Record<string, unknown>): unknown => ({ ...sampleTerms(), ...over })
  it.each([
    ['validFrom without a zone', terms({ validFrom: '2026-01-01T00:00:00' }), 'terms.validFrom'],
    ['validFrom with a lower-case t', terms({ validFrom: '2026-01-01t00:00:00Z' }), 'terms.validFrom'],
    ['validUntil in month 13', terms({ validUntil: '2026-13-01T00:00:00Z' }), 'terms.validUntil'],
    ['a duration in months', terms({ onTermination: { action: 'delete', within: 'P1M', receiptRequired: true } }), 'terms.onTermination.within'],
    ['an empty duration', terms({ onTermination: { action: 'delete', within: 'PT', receiptRequired: true } }), 'terms.onTermination.within'],
    ['no receipt required', terms({ onTermination: { action: 'delete', within: 'PT24H', receiptRequired: false } }), 'terms.onTermination.receiptRequired'],
    ['return instead of delete', terms({ onTermination: { action: 'return', within: 'PT24H', receiptRequired: true } }), 'terms.onTermination.action'],
    ['a purpose without dpv:', terms({ purposes: ['ServiceProvision'] }), 'terms.purposes.0'],
    ['17 purposes', terms({ purposes: Array.from({ length: 17 }, (_, i) => `dpv:P${i}`) }), 'terms.purposes'],
    ['a repeated share field', terms({ share: ['email', 'email'] }), 'terms.share'],
    ['an upper-case hash', terms({ termHash: `sha256:${'A'.repeat(64)}` }), 'terms.termHash'],
    ['onwardSharing as a string', terms({ onwardSharing: 'false' }), 'terms.onwardSharing'],
    ['retention for ever', terms({ retention: { until: 'forever' } }), 'terms.retention.until'],
    ['a missing validUntil', (({ validUntil: _, ...t }) => t)(sampleTerms()), 'terms']
  ])('terms: refuses %s', (_name, t, field) => {
    expect(() => validateTerms(t)).toThrow(expect.objectContaining({ details: expect.objectContaining({ wire: 'SCHEMA_INVALID', field }) }))
    expect(() => validateBody('vrm.AgreementProposal', { ...proposal, terms: t })).toThrow(wireError('SCHEMA_INVALID'))
  })

  it.each([
    ['vrm.AgreementProposal', { ...proposal, agreementId: `${AGREEMENT_ID.slice(0, 21)}B` }, 'body.agreementId'],
    ['vrm.AgreementCounterOffer', { ...SAMPLE_BODIES['vrm.AgreementCounterOffer'], proposalId: SOME_ID.toUpperCase() }, 'body.proposalId'],
    ['vrm.AgreementRejection', { ...SAMPLE_BODIES['vrm.AgreementRejection'], code: 'nope' }, 'body.code'],
    ['vrm.AgreementRejection', { ...SAMPLE_BODIES['vrm.AgreementRejection'], reason: 'x'.repeat(501) }, 'body.reason'],
    ['vrm.AgreementEvent', { ...SAMPLE_BODIES['vrm.AgreementEvent'], changes: {} }, 'body.changes'],
    ['vrm.AgreementEvent', { ...SAMPLE_BODIES['vrm.AgreementEvent'], changes: { ssn: '1' } }, 'body.changes'],
    ['vrm.AgreementEvent', { ...SAMPLE_BODIES['vrm.AgreementEvent'], changes: { email: 'x'.repeat(1001) } }, 'body.changes.email'],
    ['vrm.AgreementEvent', { ...SAMPLE_BODIES['vrm.AgreementEvent'], profileVersion: 0 }, 'body.profileVersion'],
    ['vrm.AgreementEvent', { ...SAMPLE_BODIES['vrm.AgreementEvent'], profileVersion: 1.5 }, 'body.profileVersion'],
    ['vrm.DeletionReceipt', { ...SAMPLE_BODIES['vrm.DeletionReceipt'], action: 'kept' }, 'body.action'],
    ['vrm.Ack', { ackOf: SOME_ID, status: 'processed', error: { code: 'X_Y' } }, 'body.error'],
    ['vrm.Ack', { ackOf: SOME_ID, status: 'rejected' }, 'body'],
    ['vrm.TermsAdvert', { accepts: [], autoAccept: [] }, 'body.accepts'],
    ['vrm.TermsAdvert', { accepts: Array.from({ length: 33 }, (_, i) => `T${i}`), autoAccept: [] }, 'body.accepts'],
    ['vrm.TermsAdvert', { accepts: ['sd-base'], autoAccept: [] }, 'body.accepts.0']
  ] as const)('%s: refuses a body with a bad %s', (kind, body, field) => {
    expect(() => validateBody(kind, body)).toThrow(expect.objectContaining({ details: expect.objectContaining({ wire: 'SCHEMA_INVALID', field }) }))
  })

  it.each([[null], [[]], ['x'], [1], [{ __proto__: { agreementId: AGREEMENT_ID } }], [JSON.parse('{"__proto__":{"x":1}}')]])('refuses the non-body %j', (body) => {
    expect(() => validateBody('vrm.AgreementConfirmation', body)).toThrow(wireError('SCHEMA_INVALID'))
  })
})
