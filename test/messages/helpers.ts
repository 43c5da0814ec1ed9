import { expect } from 'vitest'
import type { WireCode } from '../../src/messages/index.ts'

export {
  AGREEMENT_ID, SAMPLE_BODIES, SOME_ID, VECTOR_NOW as NOW, claims, fixedJti, mallory, recipient, sampleTerms, signer, token
} from '../../protocols/agreement/vectors/generate.ts'

/** The error every refusal in src/messages must be. */
export const wireError = (wire: WireCode): unknown =>
  expect.objectContaining({ code: 'INVALID_MESSAGE', details: expect.objectContaining({ wire }) })

export const segments = (jwt: string): [string, string, string] => jwt.split('.') as [string, string, string]
