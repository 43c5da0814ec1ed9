/**
 * Message kinds (the JWT header `typ`) and the envelope's limits. Each limit is a line of
 * protocols/agreement/README.md, section "Limits".
 */
export const KINDS = [
  'vrm.AgreementProposal',
  'vrm.AgreementCounterOffer',
  'vrm.AgreementAcceptance',
  'vrm.AgreementConfirmation',
  'vrm.AgreementRejection',
  'vrm.AgreementEvent',
  'vrm.AgreementTermination',
  'vrm.DeletionReceipt',
  'vrm.Ack',
  'vrm.TermsAdvert'
] as const
export type Kind = typeof KINDS[number]

/** Kind -> its body schema in protocols/agreement/schemas/. */
export const BODY_SCHEMA_FILES: Readonly<Record<Kind, string>> = {
  'vrm.AgreementProposal': 'agreement-proposal.schema.json',
  'vrm.AgreementCounterOffer': 'agreement-counter-offer.schema.json',
  'vrm.AgreementAcceptance': 'agreement-acceptance.schema.json',
  'vrm.AgreementConfirmation': 'agreement-confirmation.schema.json',
  'vrm.AgreementRejection': 'agreement-rejection.schema.json',
  'vrm.AgreementEvent': 'agreement-event.schema.json',
  'vrm.AgreementTermination': 'agreement-termination.schema.json',
  'vrm.DeletionReceipt': 'deletion-receipt.schema.json',
  'vrm.Ack': 'ack.schema.json',
  'vrm.TermsAdvert': 'terms-advert.schema.json'
}

export const isKind = (value: unknown): value is Kind => typeof value === 'string' && (KINDS as readonly string[]).includes(value)

/** README "Limits": a whole JWT, and so a frame of /vrm/agreement/1.0.0. */
export const MAX_MESSAGE_BYTES = 64 * 1024
/** README "Limits": clock skew tolerated on iat and exp (RFC 8725 asks for a small one). */
export const DEFAULT_SKEW_SECONDS = 120
/** README "Limits": exp - iat of an agreement message. */
export const DEFAULT_MAX_LIFETIME_SECONDS = 7 * 24 * 3600
/** exp - iat when the signer does not say; equal to the default maximum so it always verifies. */
export const DEFAULT_TTL_SECONDS = DEFAULT_MAX_LIFETIME_SECONDS
/** 16 random bytes: jti and agreement ids (RFC 7519 jti; security research 2.4: 128 bits). */
export const RANDOM_ID_BYTES = 16
export const RANDOM_ID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/
/** CID v1, raw (0x55), sha2-256, base32: 'bafkrei' + 52 characters. */
export const MESSAGE_ID_PATTERN = /^bafkrei[a-z2-7]{52}$/
