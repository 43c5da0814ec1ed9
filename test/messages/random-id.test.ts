import { describe, it, expect } from 'vitest'
import { newRandomId } from '../../src/messages/sign.ts'
import { RANDOM_ID_PATTERN } from '../../src/messages/kinds.ts'

describe('random ids (agreement, intent and offer ids, jti)', () => {
  it('are 16 random bytes in base64url and never start with "-", which the CLI would read as an option', () => {
    const ids = Array.from({ length: 20_000 }, newRandomId)
    for (const id of ids) expect(id).toMatch(RANDOM_ID_PATTERN)
    expect(ids.filter(id => id.startsWith('-'))).toEqual([])
    // about 1 in 64 would without the rule: 20,000 draws without one is not luck
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.filter(id => id.startsWith('_')).length).toBeGreaterThan(100)
  })
})
