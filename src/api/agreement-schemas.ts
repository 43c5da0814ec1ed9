/**
 * Request and response schemas of the agreement routes. The message bodies' own schemas live
 * in protocols/agreement/schemas; these describe what the local API returns about them.
 */
const str = { type: 'string' } as const
const int = { type: 'integer' } as const
const strings = { type: 'array', items: str } as const
const object = (properties: Record<string, unknown>, required: string[], additional = false) =>
  ({ type: 'object', additionalProperties: additional, properties, required }) as const

const termId = { type: 'string', pattern: '^[A-Z0-9-]{2,40}$' } as const
const field = { type: 'string', enum: ['email', 'name', 'postalAddress', 'phone', 'birthDate'] } as const
const seconds = { type: 'integer', minimum: 1, maximum: 10 * 365 * 24 * 3600 } as const
const reason = { type: 'string', maxLength: 500 } as const

export const termsSchema = object({
  termId: str, termHash: str, purposes: strings, share: strings, recipients: str, onwardSharing: { type: 'boolean' },
  retention: object({ until: str }, ['until']),
  onTermination: object({ action: str, within: str, receiptRequired: { type: 'boolean' } }, ['action', 'within', 'receiptRequired']),
  validFrom: str, validUntil: str
}, ['termId', 'termHash', 'purposes', 'share', 'validFrom', 'validUntil'])

export const agreementSchema = object({
  id: str, role: str, self: str, counterparty: str, state: str, awaiting: str, terms: termsSchema,
  proposalId: str, counterOfferId: str, acceptanceId: str, confirmationId: str, terminationId: str,
  rejection: object({ id: str, code: str, reason: str, by: str }, ['id', 'code', 'by']),
  deletionReceipt: object({ id: str, fields: strings, completedAt: str }, ['id', 'fields', 'completedAt']),
  pending: { type: 'array', items: object({ id: str, kind: str }, ['id', 'kind']) },
  lastError: object({ messageId: str, code: str, reason: str }, ['messageId', 'code']),
  sharedVersion: int, sentVersion: int,
  messages: strings, seq: int, createdAt: int, updatedAt: int,
  outbox: { type: 'array', items: object({ messageId: str, kind: str, attempts: int, lastError: str }, ['messageId', 'kind', 'attempts']) },
  held: object({ profileVersion: int, fields: { type: 'object', additionalProperties: str }, updatedAt: int }, ['profileVersion', 'fields'])
}, ['id', 'role', 'counterparty', 'state', 'awaiting', 'terms'])

export const agreementListSchema = object({ agreements: { type: 'array', items: agreementSchema } }, ['agreements'])
export const threadSchema = object({
  messages: { type: 'array', items: object({ id: str, kind: str, direction: str, at: int, jwt: { type: ['string', 'null'] } }, ['id', 'kind', 'direction', 'at', 'jwt']) }
}, ['messages'])
export const anyObjectSchema = { type: 'object', additionalProperties: true } as const
export const idParams = object({ id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }, ['id'])
export const didParams = object({ did: { type: 'string', maxLength: 256 } }, ['did'])

export const proposeBodySchema = object({
  to: { type: 'string', maxLength: 256 },
  termId,
  share: { type: 'array', items: field, maxItems: 5, uniqueItems: true },
  purposes: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 16 },
  validForSeconds: seconds,
  acceptable: { type: 'array', items: termId, maxItems: 16 }
}, ['to', 'termId', 'validForSeconds'])
export const counterBodySchema = object({
  termId,
  share: { type: 'array', items: field, maxItems: 5, uniqueItems: true },
  purposes: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 16 },
  validForSeconds: seconds
}, ['termId'])
export const reasonBodySchema = object({ reason }, [])
export const profileBodySchema = object({
  set: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: Object.fromEntries(['email', 'name', 'postalAddress', 'phone', 'birthDate'].map(f => [f, { type: ['string', 'null'], maxLength: 1000 }]))
  }
}, ['set'])
