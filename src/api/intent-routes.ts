import type { FastifyRequest } from 'fastify'
import type { Intentcast } from '../intentcast/index.ts'
import type { AcceptOptions, IntentChanges, IntentInput, OfferInput } from '../intentcast/index.ts'
import type { DeclineCode } from '../intentcast/types.ts'
import type { ApiRoute } from './routes.ts'
import { anyObjectSchema, idParams } from './agreement-schemas.ts'

const id = (request: FastifyRequest): string => (request.params as { id: string }).id
const body = <T>(request: FastifyRequest): T => request.body as T

/**
 * Request bodies are checked here for shape and size only: the field rules live in the
 * intentcast JSON Schemas (protocols/intentcast/schemas), which the node applies to the message
 * it signs and reports by field name (400 INVALID_ARGUMENT).
 */
const open = (properties: Record<string, object>, required: string[] = []): object =>
  ({ type: 'object', additionalProperties: false, required, properties })
const text = (max: number): object => ({ type: 'string', maxLength: max })

const intentFields = {
  what: text(500),
  category: text(40),
  tags: { type: 'array', maxItems: 16, items: text(32) },
  items: { type: 'array', maxItems: 20, items: anyObjectSchema },
  where: anyObjectSchema,
  when: anyObjectSchema,
  budget: anyObjectSchema,
  fulfilment: { type: 'array', maxItems: 3, items: text(20) },
  disclosureOnAccept: { type: 'array', maxItems: 5, items: text(20) },
  expiresAt: text(40),
  expiresInSeconds: { type: 'integer' },
  to: { type: 'array', maxItems: 16, items: text(256) },
  publish: { type: 'boolean' }
}
const intentBody = open(intentFields, ['what', 'category'])
const { to: _to, publish: _publish, category: _category, ...changeFields } = intentFields
const updateBody = open(changeFields)
const offerBody = open({
  items: { type: 'array', maxItems: 20, items: anyObjectSchema },
  total: anyObjectSchema,
  fulfilment: anyObjectSchema,
  conditions: anyObjectSchema,
  proposedAgreement: anyObjectSchema,
  validForSeconds: { type: 'integer' }
}, ['items', 'total', 'fulfilment', 'validForSeconds'])
const acceptBody = open({
  termId: text(40),
  share: { type: 'array', maxItems: 5, items: text(20) },
  purposes: { type: 'array', maxItems: 16, items: text(68) },
  validForSeconds: { type: 'integer' }
})
const declineBody = open({ code: { enum: ['price', 'fulfilment', 'timing', 'terms', 'other'] }, reason: text(500) })
const withdrawBody = open({ reason: text(200) })

/** Intentcasting (issue 4): her intents and offers; the vendor's market. */
export function intentRoutes (ic: Intentcast): ApiRoute[] {
  const route = (method: 'GET' | 'POST', url: string, operationId: string, summary: string, handler: ApiRoute['handler'], extra: Partial<ApiRoute> = {}): ApiRoute =>
    ({ method, url, operationId, summary, status: 200, response: anyObjectSchema, handler, ...(url.includes(':id') ? { params: idParams } : {}), ...extra })
  return [
    route('GET', '/v1/categories', 'listCategories', 'The intent categories (each is a pub/sub topic); free tags are allowed too', () => ({ categories: ic.categories() })),
    route('GET', '/v1/intentcast', 'intentcastStatus', 'Vendor mode, router mode, open intents, refused messages by reason', async () => await ic.status()),
    route('GET', '/v1/intents', 'listIntents', 'Her intents, newest first', async () => ({ intents: await ic.person.list() })),
    route('POST', '/v1/intents', 'createIntent', 'Announce an intent, signed by a new pairwise DID (never hers), to its category topic and/or chosen vendors', async (request, reply) => {
      reply.code(201)
      return await ic.person.create(body<IntentInput>(request))
    }, { body: intentBody, status: 201 }),
    route('GET', '/v1/intents/:id', 'getIntent', 'One of her intents', async (request) => await ic.person.get(id(request))),
    route('POST', '/v1/intents/:id/update', 'updateIntent', 'Change an open intent (a new signed version, same pairwise DID)', async (request) => await ic.person.update(id(request), body<IntentChanges>(request)), { body: updateBody }),
    route('POST', '/v1/intents/:id/withdraw', 'withdrawIntent', 'Withdraw an intent: vendors must delete it; later offers are refused', async (request) => await ic.person.withdraw(id(request), body<{ reason?: string }>(request).reason), { body: withdrawBody }),
    route('GET', '/v1/offers', 'listOffers', 'Offers she received (optionally for one intent)', async (request) => ({ offers: await ic.person.offers((request.query as { intent?: string }).intent) })),
    route('POST', '/v1/offers/:id/accept', 'acceptOffer', 'Accept an offer: reveals her DID to that vendor only and proposes an agreement with it', async (request) => {
      const b = body<AcceptOptions>(request)
      return await ic.person.accept(id(request), { ...b, signal: AbortSignal.timeout(60_000) })
    }, { body: acceptBody }),
    route('POST', '/v1/offers/:id/decline', 'declineOffer', 'Decline an offer (sealed to the vendor; reveals nothing about her)', async (request) => await ic.person.decline(id(request), body<{ code?: DeclineCode, reason?: string }>(request)), { body: declineBody }),
    route('GET', '/v1/market/intents', 'listMarketIntents', '(vendor) Intents received and not yet expired or withdrawn', async () => ({ intents: await ic.vendor.intents() })),
    route('GET', '/v1/market/intents/:id', 'getMarketIntent', '(vendor) One intent received', async (request) => await ic.vendor.intent(id(request))),
    route('POST', '/v1/market/intents/:id/offers', 'makeOffer', '(vendor) Answer an intent with a signed offer, sealed to it', async (request, reply) => {
      reply.code(201)
      return await ic.vendor.offer(id(request), body<OfferInput>(request))
    }, { body: offerBody, status: 201 }),
    route('GET', '/v1/market/offers', 'listSentOffers', '(vendor) Offers this node made', async (request) => ({ offers: await ic.vendor.sent((request.query as { intent?: string }).intent) }))
  ]
}
