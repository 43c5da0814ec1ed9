import { decodeJwtPayload } from './entry.ts'
import type { LedgerEntry } from './entry.ts'

/**
 * An agreement thread as an ISO/IEC TS 27560-style consent record, shaped after the DPV
 * guide's mapping of 27560 (four sections: header, processing, parties, events), with the
 * latest state as an explicit pointer next to the full history (DPV issues #114, #243).
 */
export const CONSENT_RECORD_SCHEMA = 'hearth-consent-record/1'

export interface ConsentRecordContext {
  /** this node's DID: the party that holds and exports the record */
  self?: string
  /** the data subject (27560 PII principal); default: whoever proposed the agreement */
  subject?: string
  /** ms since the epoch; for generatedAt and expiry; default Date.now() */
  now?: number
  /** used when the terms name none */
  language?: string
  jurisdiction?: string
}

export type AgreementState = 'requested' | 'counter-offered' | 'accepted' | 'confirmed' | 'refused' | 'terminated' | 'deletion-confirmed' | 'expired'

export interface ConsentEvent {
  /** the ledger entry */
  index: number
  time: string
  /** the message kind */
  type: string
  direction: 'sent' | 'received'
  /** who signed the message (JWT iss) */
  issuer?: string
  messageId: string
  /** the agreement's state after this message; absent for messages that change no state */
  state?: AgreementState
  contractStatus?: string
  consentStatus?: string
  entryHash: string
}

export interface ConsentParty {
  id: string
  role: 'dpv:DataSubject' | 'dpv:DataController'
  proposer: boolean
  /** this node */
  holder: boolean
}

export interface ConsentRecord {
  header: {
    schemaVersion: typeof CONSENT_RECORD_SCHEMA
    conformsTo: 'ISO/IEC TS 27560:2023'
    /** the agreement id */
    recordId: string
    piiPrincipalId?: string
    createdAt: string
    updatedAt: string
    generatedAt: string
    generatedBy?: string
    language?: string
    jurisdiction?: string
  }
  processing: {
    /** the message whose terms are recorded: the accepted one, else the latest offered */
    termsFrom?: string
    termId?: string
    termHash?: string
    notice?: unknown
    purposes: string[]
    personalData: Array<{ category: string, fields?: string[], necessity?: string }>
    retention?: unknown
    recipients?: unknown
    onwardSharing?: unknown
    onTermination?: unknown
    validFrom?: string
    validUntil?: string
    withdrawalMethod: string
    /** the terms exactly as signed */
    terms?: Record<string, unknown>
  }
  parties: ConsentParty[]
  events: ConsentEvent[]
  latestState: {
    state: AgreementState | 'unknown'
    contractStatus?: string
    consentStatus?: string
    since: string
    /** index of the event (ledger entry) that set it */
    event: number
  }
}

interface StateOf { state: AgreementState, contractStatus: string, consentStatus?: string }

/** Message kinds (with or without the 'vrm.' prefix) to DPV / IEEE 7012 states (research 8.2). */
const STATES: Record<string, StateOf> = {
  AgreementProposal: { state: 'requested', contractStatus: 'dpv:ContractOffered', consentStatus: 'dpv:ConsentRequested' },
  AgreementCounterOffer: { state: 'counter-offered', contractStatus: 'ieee7012:AgreementNegotiationCounterOfferMade', consentStatus: 'dpv:ConsentRequested' },
  AgreementAcceptance: { state: 'accepted', contractStatus: 'dpv:ContractFullySigned', consentStatus: 'dpv:ConsentGiven' },
  AgreementConfirmation: { state: 'confirmed', contractStatus: 'dpv:ContractActive', consentStatus: 'dpv:ConsentGiven' },
  AgreementRejection: { state: 'refused', contractStatus: 'ieee7012:AgreementRefused', consentStatus: 'dpv:ConsentRefused' },
  // consent status filled in below: withdrawn by the subject, revoked by the other side
  AgreementTermination: { state: 'terminated', contractStatus: 'dpv:ContractTerminated' },
  DeletionReceipt: { state: 'deletion-confirmed', contractStatus: 'dpv:ContractTerminated' }
}
const TERMS_KINDS = new Set(['AgreementProposal', 'AgreementCounterOffer'])
const shortKind = (kind: string): string => kind.slice(kind.lastIndexOf('.') + 1)

export const WITHDRAWAL_METHOD = 'a signed AgreementTermination over /vrm/agreement/1.0.0 (hearth agree terminate), answered by a signed DeletionReceipt'

/** Builds the record from a thread's entries in chain order (at least one). Pure. */
export function consentRecord (thread: string, entries: LedgerEntry[], context: ConsentRecordContext = {}): ConsentRecord {
  const now = context.now ?? Date.now()
  const decoded = entries.map(e => ({ e, payload: decodeJwtPayload(e.jwt) ?? {}, kind: shortKind(e.kind) }))
  const opening = decoded.find(d => d.kind === 'AgreementProposal') ?? decoded[0]!
  const proposer = str(opening.payload.iss)
  const aud = opening.payload.aud
  const other = (Array.isArray(aud) ? aud.map(str) : [str(aud)]).find(d => d !== undefined && d !== proposer)
  const subject = context.subject ?? proposer

  // the terms in force: those of the message the acceptance names, else the latest offered
  const offers = decoded.filter(d => TERMS_KINDS.has(d.kind) && isObject(body(d.payload).terms))
  const acceptance = decoded.findLast(d => d.kind === 'AgreementAcceptance')
  const acceptedId = acceptance === undefined ? undefined : str(body(acceptance.payload).acceptedId) ?? str(body(acceptance.payload).proposalId)
  const source = offers.find(d => d.e.messageId === acceptedId) ?? offers.at(-1)
  const terms = source === undefined ? undefined : body(source.payload).terms as Record<string, unknown>

  const events: ConsentEvent[] = decoded.map(({ e, payload, kind }) => {
    const issuer = str(payload.iss)
    const s = STATES[kind]
    const consentStatus = kind === 'AgreementTermination'
      ? (issuer !== undefined && issuer === subject ? 'dpv:ConsentWithdrawn' : 'dpv:ConsentRevoked')
      : s?.consentStatus
    return {
      index: e.index,
      time: iso(e.at),
      type: e.kind,
      direction: e.direction,
      ...(issuer !== undefined ? { issuer } : {}),
      messageId: e.messageId,
      ...(s !== undefined ? { state: s.state, contractStatus: s.contractStatus } : {}),
      ...(consentStatus !== undefined ? { consentStatus } : {}),
      entryHash: e.hash
    }
  })

  const parties: ConsentParty[] = []
  for (const id of [proposer, other]) {
    if (id === undefined) continue
    parties.push({ id, role: id === subject ? 'dpv:DataSubject' : 'dpv:DataController', proposer: id === proposer, holder: id === context.self })
  }

  const validUntil = str(terms?.validUntil)
  return {
    header: {
      schemaVersion: CONSENT_RECORD_SCHEMA,
      conformsTo: 'ISO/IEC TS 27560:2023',
      recordId: thread,
      ...(subject !== undefined ? { piiPrincipalId: subject } : {}),
      createdAt: iso(entries[0]!.at),
      updatedAt: iso(entries.at(-1)!.at),
      generatedAt: iso(now),
      ...(context.self !== undefined ? { generatedBy: context.self } : {}),
      ...optional('language', str(terms?.language) ?? context.language),
      ...optional('jurisdiction', str(terms?.jurisdiction) ?? context.jurisdiction)
    },
    processing: {
      ...(source !== undefined ? { termsFrom: source.e.messageId } : {}),
      ...optional('termId', str(terms?.termId)),
      ...optional('termHash', str(terms?.termHash)),
      ...optional('notice', terms?.humanReadable),
      purposes: Array.isArray(terms?.purposes) ? terms.purposes.filter((p): p is string => typeof p === 'string') : [],
      personalData: personalData(terms),
      ...optional('retention', terms?.retention),
      ...optional('recipients', terms?.recipients),
      ...optional('onwardSharing', terms?.onwardSharing),
      ...optional('onTermination', terms?.onTermination),
      ...optional('validFrom', str(terms?.validFrom)),
      ...optional('validUntil', validUntil),
      withdrawalMethod: WITHDRAWAL_METHOD,
      ...(terms !== undefined ? { terms } : {})
    },
    parties,
    events,
    latestState: latest(events, validUntil, now)
  }
}

function latest (events: ConsentEvent[], validUntil: string | undefined, now: number): ConsentRecord['latestState'] {
  const last = events.findLast(e => e.state !== undefined)
  if (last === undefined) return { state: 'unknown', since: events.at(-1)!.time, event: events.at(-1)!.index }
  const consentStatus = events.findLast(e => e.consentStatus !== undefined)?.consentStatus
  const until = validUntil === undefined ? NaN : Date.parse(validUntil)
  // expiry is enforced by each node on its own store, so it may have no message of its own
  if ((last.state === 'accepted' || last.state === 'confirmed') && until <= now) {
    return { state: 'expired', contractStatus: 'dpv:ContractExpired', consentStatus: 'dpv:ConsentExpired', since: new Date(until).toISOString(), event: last.index }
  }
  return { state: last.state!, contractStatus: last.contractStatus!, ...(consentStatus !== undefined ? { consentStatus } : {}), since: last.time, event: last.index }
}

/** Profile fields (terms.share) to DPV personal-data categories. */
const PD_CATEGORIES: Record<string, string> = {
  email: 'pd:EmailAddress',
  name: 'pd:Name',
  postalAddress: 'pd:PhysicalAddress',
  phone: 'pd:TelephoneNumber',
  birthDate: 'pd:BirthDate'
}

/** From terms.share (profile fields, protocols/agreement terms schema) or a research-style terms.personalData. */
function personalData (terms: Record<string, unknown> | undefined): ConsentRecord['processing']['personalData'] {
  const out: ConsentRecord['processing']['personalData'] = []
  if (Array.isArray(terms?.share)) {
    for (const f of terms.share) if (typeof f === 'string') out.push({ category: PD_CATEGORIES[f] ?? 'dpv:PersonalData', fields: [f] })
  }
  const value = terms?.personalData
  if (!Array.isArray(value)) return out
  for (const item of value) {
    if (typeof item === 'string') out.push({ category: item })
    else if (isObject(item) && typeof item.category === 'string') {
      const fields = Array.isArray(item.fields) ? item.fields.filter((f): f is string => typeof f === 'string') : undefined
      out.push({ category: item.category, ...(fields !== undefined ? { fields } : {}), ...optional('necessity', str(item.necessity)) })
    }
  }
  return out
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const body = (payload: Record<string, unknown>): Record<string, unknown> => isObject(payload.body) ? payload.body : {}
const str = (v: unknown): string | undefined => typeof v === 'string' ? v : undefined
const iso = (ms: number): string => new Date(ms).toISOString()
function optional<K extends string, V> (key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
