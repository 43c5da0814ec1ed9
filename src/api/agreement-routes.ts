import type { FastifyRequest } from 'fastify'
import { HearthError } from '../errors.ts'
import type { AgreementsApi } from './backend.ts'
import type { ApiRoute } from './routes.ts'
import * as a from './agreement-schemas.ts'

const id = (request: FastifyRequest): string => (request.params as { id: string }).id
const body = <T>(request: FastifyRequest): T => request.body as T
const found = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new HearthError('NOT_FOUND', `no ${what}`)
  return value
}

/** Agreements, profile, ledger and terms (issue 3). Changes are POSTs with JSON bodies. */
export function agreementRoutes (api: AgreementsApi): ApiRoute[] {
  const post = (url: string, summary: string, schema: object, handler: ApiRoute['handler'], operationId: string): ApiRoute =>
    ({ method: 'POST', url, summary, body: schema, status: 200, response: a.agreementSchema, handler, operationId })
  return [
    { method: 'GET', url: '/v1/agreements', operationId: 'listAgreements', summary: 'Every agreement this node is party to', status: 200, response: a.agreementListSchema, handler: async () => ({ agreements: await api.list() }) },
    {
      method: 'POST',
      url: '/v1/agreements',
      operationId: 'proposeAgreement',
      summary: 'Propose an agreement under a roster term to a DID',
      body: a.proposeBodySchema,
      status: 200,
      response: a.agreementSchema,
      handler: async (request) => {
        const b = body<{ to: string, termId: string, share?: string[], purposes?: string[], validForSeconds: number, acceptable?: string[] }>(request)
        return await api.propose({ to: b.to, termId: b.termId, share: b.share ?? [], purposes: b.purposes ?? [], validForMs: b.validForSeconds * 1000, ...(b.acceptable !== undefined ? { acceptable: b.acceptable } : {}) })
      }
    },
    { method: 'GET', url: '/v1/agreements/:id', operationId: 'getAgreement', params: a.idParams, summary: 'One agreement: state, terms, queued messages, data held under it', status: 200, response: a.agreementSchema, handler: async (request) => found(await api.get(id(request)), `agreement ${id(request)}`) },
    { method: 'GET', url: '/v1/agreements/:id/thread', operationId: 'getAgreementThread', params: a.idParams, summary: 'The exact signed messages (JWTs) of one agreement', status: 200, response: a.threadSchema, handler: async (request) => ({ messages: await api.thread(id(request)) }) },
    { method: 'GET', url: '/v1/agreements/:id/record', operationId: 'getConsentRecord', params: a.idParams, summary: 'One agreement as an ISO/IEC TS 27560-style consent record', status: 200, response: a.anyObjectSchema, handler: async (request) => await api.record(id(request)) },
    post('/v1/agreements/:id/accept', 'Accept the proposal or counter-offer waiting for us', a.reasonBodySchema, async (request) => await api.accept(id(request)), 'acceptAgreement'),
    post('/v1/agreements/:id/counter', 'Answer a proposal with our one counter-offer', a.counterBodySchema, async (request) => {
      const b = body<{ termId: string, share?: string[], purposes?: string[], validForSeconds?: number }>(request)
      return await api.counter(id(request), { termId: b.termId, ...(b.share !== undefined ? { share: b.share } : {}), ...(b.purposes !== undefined ? { purposes: b.purposes } : {}), ...(b.validForSeconds !== undefined ? { validForMs: b.validForSeconds * 1000 } : {}) })
    }, 'counterAgreement'),
    post('/v1/agreements/:id/reject', 'Reject the proposal or counter-offer waiting for us', a.reasonBodySchema, async (request) => await api.reject(id(request), body<{ reason?: string }>(request).reason), 'rejectAgreement'),
    post('/v1/agreements/:id/terminate', 'End an active agreement: the other side deletes the data and sends a signed receipt', a.reasonBodySchema, async (request) => await api.terminate(id(request), body<{ reason?: string }>(request).reason), 'terminateAgreement'),
    { method: 'GET', url: '/v1/profile', operationId: 'getProfile', summary: 'Her profile fields, and which counterparty holds which field under which agreement', status: 200, response: a.anyObjectSchema, handler: async () => await api.profile() },
    { method: 'POST', url: '/v1/profile', operationId: 'setProfile', summary: 'Change profile fields; each change goes to every counterparty whose active agreement covers it', body: a.profileBodySchema, status: 200, response: a.anyObjectSchema, handler: async (request) => await api.setProfile(body<{ set: Record<string, string | null> }>(request).set) },
    { method: 'GET', url: '/v1/ledger/verify', operationId: 'verifyLedger', summary: 'Recompute the hash chain over every agreement message', status: 200, response: a.anyObjectSchema, handler: async () => await api.verifyLedger() },
    { method: 'GET', url: '/v1/terms', operationId: 'listTerms', summary: 'The terms roster, and which terms this node accepts (its r-button)', status: 200, response: a.anyObjectSchema, handler: () => api.terms() },
    { method: 'GET', url: '/v1/terms/:did', operationId: 'getRemoteTerms', params: a.didParams, summary: "Another node's r-button: the terms it accepts, signed by its DID", status: 200, response: a.anyObjectSchema, handler: async (request) => await api.remoteTerms((request.params as { did: string }).did, { signal: AbortSignal.timeout(30_000) }) }
  ]
}
