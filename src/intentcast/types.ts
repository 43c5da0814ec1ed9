/**
 * Body types of the intentcast messages, written by hand from protocols/intentcast/schemas/
 * (the source of truth: a body that type-checks may still fail the schema, e.g. on a length
 * or pattern). protocols/intentcast/vectors/generate.ts types its sample bodies with these, and
 * test/intentcast/vectors.test.ts verifies them against the schemas.
 */
export type FulfilmentMethod = 'delivery' | 'pickup' | 'service-on-site'
export type ProfileField = 'email' | 'name' | 'postalAddress' | 'phone' | 'birthDate'

/** A decimal string, e.g. "300" or "299.99" (defs.schema.json#/$defs/decimal). */
export type Decimal = string

export interface Money {
  amount: Decimal
  /** ISO 4217, e.g. "EUR" */
  currency: string
}

/** PDC-INTENT pinned by the SHA-256 of its roster text. */
export interface IntentTerms {
  termId: 'PDC-INTENT'
  /** 'sha256:' + 64 hex */
  termHash: string
}

export interface IntentItem {
  name: string
  /** 1..10000 */
  quantity?: number
  /** <= 16 entries, keys 1..40 chars, values <= 200 chars */
  attributes?: Record<string, string>
  condition?: 'new' | 'used' | 'any'
}

export interface IntentBody {
  /** 16 random bytes, base64url (22 characters) */
  intentId: string
  /** 1 in an Intent, >= 2 in an IntentUpdate */
  seq: number
  /** 10..500 characters */
  what: string
  /** an id of protocols/intentcast/categories.json */
  category: string
  /** <= 16, each [a-z0-9-]{1,32} */
  tags?: string[]
  /** 1..20 */
  items?: IntentItem[]
  where?: {
    /** ISO 3166-1 alpha-2 */
    country: string
    /** ISO 3166-2 of that country, e.g. "FR-69" */
    region?: string
    /** <= 5 characters [A-Z0-9] */
    postalPrefix?: string
    /** 1..1000 */
    radiusKm?: number
  }
  /** RFC 3339 date-times; at least one */
  when?: { from?: string, until?: string }
  budget?: { min?: Decimal, max: Decimal, currency: string }
  fulfilment?: FulfilmentMethod[]
  terms: IntentTerms
  disclosureOnAccept?: ProfileField[]
  /** base64url of the 32-byte X25519 public key offers are sealed to */
  replyKey: string
  /** RFC 3339; equal to the exp claim */
  expiresAt: string
}

export type IntentUpdateBody = IntentBody

export interface IntentWithdrawalBody {
  intentId: string
  /** <= 200 characters */
  reason?: string
}

export interface OfferItem {
  name: string
  quantity: number
  /** of one unit */
  price: Money
  attributes?: Record<string, string>
}

export interface ProposedAgreement {
  /** a roster id, e.g. "SD-BASE" */
  termId: string
  share: ProfileField[]
  /** DPV purposes, e.g. "dpv:ServiceProvision" */
  purposes: string[]
  /** <= 5 years */
  validForSeconds: number
}

export interface OfferBody {
  offerId: string
  intentId: string
  /** message id (CID) of the exact Intent or IntentUpdate answered */
  intentHash: string
  /** did must equal iss */
  vendor: { did: string, name?: string }
  /** 1..20 */
  items: OfferItem[]
  total: Money
  fulfilment: { method: FulfilmentMethod, estimatedDelivery?: string, cost?: Money }
  /** each <= 2000 characters; at least one when present */
  conditions?: { termsAndConditions?: string, refundPolicy?: string, warranty?: string }
  acceptsTerms: IntentTerms
  proposedAgreement?: ProposedAgreement
  /** RFC 3339; equal to the exp claim */
  validUntil: string
}

export type DeclineCode = 'price' | 'fulfilment' | 'timing' | 'terms' | 'other'

export interface OfferResponseBody {
  offerId: string
  intentId: string
  decision: 'accept' | 'decline'
  /** decline only */
  code?: DeclineCode
  /** <= 500 characters */
  reason?: string
  /** her long-term did:key (accept only) */
  did?: string
  /** the agreement she proposed to the vendor (accept only) */
  agreementId?: string
}

/** The body type of each message kind. */
export interface IntentcastBodyOf {
  'vrm.Intent': IntentBody
  'vrm.IntentUpdate': IntentUpdateBody
  'vrm.IntentWithdrawal': IntentWithdrawalBody
  'vrm.Offer': OfferBody
  'vrm.OfferResponse': OfferResponseBody
}
