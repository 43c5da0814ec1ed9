import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { checkTerms, loadRoster, lookupTerm } from '../../src/messages/index.ts'
import { sampleTerms, wireError } from './helpers.ts'

const IDS = [
  'SD-BASE', 'SD-BASE-DP', 'SD-BASE-A', 'SD-BASE-A-DP', 'SD-BASE-AT', 'SD-BASE-AT-DP', 'SD-BASE-ATP', 'SD-BASE-ATP-DP',
  'SD-BASE-ATP-S3P', 'SD-BASE-ATP-S3P-DP', 'PDC', 'PDC-AI', 'PDC-GOOD', 'PDC-INTENT', 'TPR', 'TPR-IDENTITY-REF'
]

describe('terms roster', () => {
  it('holds the 16 agreement ids of the DPV extension for IEEE 7012, each pinned by the SHA-256 of its text', () => {
    const roster = loadRoster()
    expect(roster.map(t => t.id)).toEqual(IDS)
    for (const t of roster) {
      expect(t.hash).toBe(`sha256:${createHash('sha256').update(t.text, 'utf8').digest('hex')}`)
      expect(t.iri).toBe(`https://w3id.org/dpv/standards/ieee/7012#${t.id}`)
      expect(t.text.length).toBeGreaterThan(100)
      expect(t.flags.deletionAtEnd).toBe(true)
    }
    expect(new Set(roster.map(t => t.hash)).size).toBe(IDS.length)
    expect(loadRoster()).toBe(roster)
  })

  it('flags the SD family as the DPV table does: A, T, P, S3P permitted cumulatively, DP an obligation', () => {
    for (const id of IDS.filter(i => i.startsWith('SD-'))) {
      const f = lookupTerm(id)!.flags
      const code = id.replace(/^SD-BASE-?/, '')
      expect(f.serviceDelivery, id).toBe(true)
      expect(f.analytics, id).toBe(/^A/.test(code))
      expect(f.tracking, id).toBe(/^AT/.test(code))
      expect(f.profiling, id).toBe(/^ATP/.test(code))
      expect(f.shareAnonymisedThirdParty, id).toBe(code.includes('S3P'))
      expect(f.dataPortability, id).toBe(code.endsWith('DP'))
    }
    expect(lookupTerm('TPR-IDENTITY-REF')!.flags.identityVerification).toBe(true)
    expect(lookupTerm('PDC-INTENT')!.flags).toMatchObject({ analytics: false, tracking: false, profiling: false, shareAnonymisedThirdParty: false })
  })

  it('looks terms up by id', () => {
    expect(lookupTerm('SD-BASE')?.title).toBe('Service delivery only')
    expect(lookupTerm('SD-BASE-X')).toBeUndefined()
    expect(lookupTerm('sd-base')).toBeUndefined()
  })

  it('checkTerms: known id and hash pass and return the roster entry', () => {
    expect(checkTerms(sampleTerms('SD-BASE-DP'))).toBe(lookupTerm('SD-BASE-DP'))
    expect(checkTerms({ ...sampleTerms('SD-BASE-ATP-S3P'), recipients: 'anonymisedThirdParties', onwardSharing: true }).id).toBe('SD-BASE-ATP-S3P')
  })

  it('checkTerms: UNKNOWN_TERM, TERM_HASH_MISMATCH, TERMS_CONFLICT', () => {
    expect(() => checkTerms(sampleTerms('SD-BASE-Z'))).toThrow(wireError('UNKNOWN_TERM'))
    expect(() => checkTerms({ ...sampleTerms('SD-BASE'), termHash: lookupTerm('SD-BASE-DP')!.hash })).toThrow(wireError('TERM_HASH_MISMATCH'))
    expect(() => checkTerms({ ...sampleTerms('SD-BASE'), termHash: `sha256:${'0'.repeat(64)}` })).toThrow(wireError('TERM_HASH_MISMATCH'))
    expect(() => checkTerms({ ...sampleTerms('SD-BASE-ATP'), recipients: 'anonymisedThirdParties' })).toThrow(wireError('TERMS_CONFLICT'))
    expect(() => checkTerms({ ...sampleTerms('PDC-INTENT'), onwardSharing: true })).toThrow(wireError('TERMS_CONFLICT'))
    expect(() => checkTerms({ ...sampleTerms(), validUntil: sampleTerms().validFrom })).toThrow(wireError('TERMS_CONFLICT'))
    expect(() => checkTerms({ ...sampleTerms(), validUntil: '2026-02-29T00:00:00Z' })).toThrow(wireError('TERMS_CONFLICT'))
    expect(checkTerms({ ...sampleTerms(), validUntil: '2028-02-29T23:59:59+14:00' }).id).toBe('SD-BASE')
  })
})
