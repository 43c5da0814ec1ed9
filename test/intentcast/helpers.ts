import { expect } from 'vitest'
import type { IntentcastWireCode } from '../../src/intentcast/wire.ts'

export {
  AGREEMENT_ID, IAT, INTENT_EXP, INTENT_HASH, INTENT_ID, INTENT_JWT, OFFER_EXP, OFFER_ID, PDC_INTENT, SAMPLE_BODIES, VECTOR_NOW as NOW,
  claims, fixedId, identity, intentBody, intentKeys, mallory, person, token, vendor
} from '../../protocols/intentcast/vectors/generate.ts'

/** The error every refusal of src/intentcast must be. */
export const wireError = (wire: IntentcastWireCode): unknown =>
  expect.objectContaining({ code: 'INVALID_MESSAGE', details: expect.objectContaining({ wire }) })

/** The wire code a call refuses with, or 'accepted'. */
export function wireOf (fn: () => unknown): string {
  try {
    fn()
    return 'accepted'
  } catch (err) {
    const e = err as { code?: string, details?: { wire?: string } }
    return e.code === 'INVALID_MESSAGE' ? String(e.details?.wire) : `${String(e.code)}: ${(err as Error).message}`
  }
}
