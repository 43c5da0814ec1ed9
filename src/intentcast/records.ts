/**
 * What the intentcast runtime keeps in the store (layout: src/store/layout.ts), and the views
 * the admin API, the CLI and the webhook show. Every record keeps the exact JWTs it came from,
 * so anything shown can be checked again against its signature.
 */

import type { IntentBody, Money, OfferBody, ProposedAgreement } from './types.ts'

export type IntentStatus = 'open' | 'withdrawn' | 'expired' | 'accepted'
export type OfferStatus = 'open' | 'accepted' | 'declined' | 'expired' | 'withdrawn'

/** intents!<intentId>: one of her intents. */
export interface OwnIntent {
  id: string
  /** the label its pairwise signing key and reply key derive from (src/intentcast/keys.ts) */
  label: string
  /** the pairwise DID that signs it: never her DID */
  pairwiseDid: string
  /** the exact JWT of each version, first one first; the last one is current */
  versions: Array<{ jwt: string, id: string }>
  status: IntentStatus
  /** vendors it was also sent to directly (sealed, over their inbox topic) */
  to: string[]
  /** whether it went to its category topic */
  published: boolean
  createdAt: number
  updatedAt: number
  /** the offer she accepted, and the agreement it opened */
  accepted?: { offerId: string, agreementId: string, vendor: string }
}

/** offers!<intentId>!<offerId>: an offer she received. */
export interface ReceivedOffer {
  id: string
  intentId: string
  jwt: string
  /** messageId(jwt) */
  messageId: string
  vendor: string
  status: OfferStatus
  receivedAt: number
  agreementId?: string
  decline?: { code?: string, reason?: string }
}

/** market!<intentId>: (vendor) an intent received; deleted at its expiry or withdrawal. */
export interface MarketIntent {
  id: string
  /** the intent's pairwise DID: only it may update or withdraw it, and offers are addressed to it */
  pairwiseDid: string
  jwt: string
  messageId: string
  seq: number
  category: string
  expiresAt: number
  receivedAt: number
  via: 'topic' | 'direct'
}

/** marketOffers!<offerId>: (vendor) an offer this node made. */
export interface SentOffer {
  id: string
  intentId: string
  /** the intent's pairwise DID, kept so an acceptance can be checked after the intent is gone */
  pairwiseDid: string
  jwt: string
  messageId: string
  status: OfferStatus
  createdAt: number
  validUntil: number
  /** set when she accepted: her DID (revealed now) and the agreement she proposed */
  acceptedBy?: { did: string, agreementId: string, at: number }
  decline?: { code?: string, reason?: string }
  auto: boolean
}

/** What an intent says, as both sides' views show it (optional fields as null or []). */
export interface IntentFields {
  what: string
  category: string
  tags: string[]
  items: NonNullable<IntentBody['items']>
  budget: NonNullable<IntentBody['budget']> | null
  where: NonNullable<IntentBody['where']> | null
  when: NonNullable<IntentBody['when']> | null
  fulfilment: string[]
  disclosureOnAccept: string[]
  expiresAt: string
  /** 1 for the intent as first sent, then each update */
  version: number
}

function intentFields (b: IntentBody): IntentFields {
  return {
    what: b.what,
    category: b.category,
    tags: b.tags ?? [],
    items: b.items ?? [],
    budget: b.budget ?? null,
    where: b.where ?? null,
    when: b.when ?? null,
    fulfilment: b.fulfilment ?? [],
    disclosureOnAccept: b.disclosureOnAccept ?? [],
    expiresAt: b.expiresAt,
    version: b.seq
  }
}

/** What the API shows of one of her intents. */
export interface IntentView extends IntentFields {
  id: string
  status: IntentStatus
  pairwiseDid: string
  to: string[]
  published: boolean
  createdAt: string
  offers: number
  accepted: NonNullable<OwnIntent['accepted']> | null
}

/** What the API shows of an offer, received (person) or sent (vendor). */
export interface OfferView {
  id: string
  intentId: string
  vendor: { did: string, name?: string }
  items: OfferBody['items']
  total: Money
  fulfilment: OfferBody['fulfilment']
  conditions: NonNullable<OfferBody['conditions']> | null
  proposedAgreement: ProposedAgreement | null
  validUntil: string
  status: OfferStatus
  agreementId: string | null
  receivedAt: string
}

/** What a vendor's API shows of an intent it received (the person stays anonymous). */
export interface MarketIntentView extends IntentFields {
  id: string
  pairwiseDid: string
  terms: IntentBody['terms']
  via: 'topic' | 'direct'
  receivedAt: string
}

export function payloadOf (jwt: string): { iss: string, aud?: string, iat: number, exp: number, jti: string, body: unknown } {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))
}

export const bodyOf = <T>(jwt: string): T => payloadOf(jwt).body as T

export function intentView (rec: OwnIntent, offers: number): IntentView {
  const b = bodyOf<IntentBody>(rec.versions.at(-1)!.jwt)
  return {
    id: rec.id,
    ...intentFields(b),
    status: rec.status,
    pairwiseDid: rec.pairwiseDid,
    to: rec.to,
    published: rec.published,
    createdAt: new Date(rec.createdAt).toISOString(),
    offers,
    accepted: rec.accepted ?? null
  }
}

export function offerView (rec: ReceivedOffer | SentOffer): OfferView {
  const b = bodyOf<OfferBody>(rec.jwt)
  return {
    id: rec.id,
    intentId: rec.intentId,
    vendor: b.vendor,
    items: b.items,
    total: b.total,
    fulfilment: b.fulfilment,
    conditions: b.conditions ?? null,
    proposedAgreement: b.proposedAgreement ?? null,
    validUntil: b.validUntil,
    status: rec.status,
    agreementId: 'acceptedBy' in rec ? rec.acceptedBy?.agreementId ?? null : (rec as ReceivedOffer).agreementId ?? null,
    receivedAt: new Date('receivedAt' in rec ? rec.receivedAt : rec.createdAt).toISOString()
  }
}

export function marketIntentView (rec: MarketIntent): MarketIntentView {
  const b = bodyOf<IntentBody>(rec.jwt)
  return {
    id: rec.id,
    pairwiseDid: rec.pairwiseDid,
    ...intentFields(b),
    terms: b.terms,
    via: rec.via,
    receivedAt: new Date(rec.receivedAt).toISOString()
  }
}
