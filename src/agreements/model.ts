import type { AgreementTerms } from './types.generated.ts'

/**
 * What a node keeps about one agreement (agreements!<agreementId>, src/store/layout.ts).
 * The signed messages themselves live in messages!<id>; this record is derived from them and
 * points at them, so it can always be rebuilt from the thread.
 */
export type AgreementState =
  | 'proposed' // a proposal is out; the responder decides
  | 'countered' // the responder made its one counter-offer; the proposer decides
  | 'accepted' // an acceptance is out; the other side confirms
  | 'active' // both signatures: data may flow
  | 'rejected'
  | 'terminating' // a termination is out; waiting for the deletion receipt
  | 'terminated'
  | 'expired'

export const FINAL_STATES: readonly AgreementState[] = ['rejected', 'terminated', 'expired']

export type Role = 'proposer' | 'responder'

/** The terms object of proposals and counter-offers, generated from protocols/agreement/schemas/terms.schema.json. */
export type Terms = AgreementTerms

export interface AgreementRecord {
  id: string
  /** proposer: the person whose data flows (first party); responder: the one who receives it */
  role: Role
  /** our DID and theirs */
  self: string
  counterparty: string
  state: AgreementState
  /** who must act next: 'us', 'them', or nobody */
  awaiting: 'us' | 'them' | 'none'
  terms: Terms
  /** ids of the messages that shaped it */
  proposalId: string
  counterOfferId?: string
  acceptanceId?: string
  confirmationId?: string
  rejection?: { id: string, code: string, reason?: string, by: 'us' | 'them' }
  terminationId?: string
  deletionReceipt?: { id: string, fields: string[], completedAt: string }
  /** every message id in the thread, in the order this node stored them (Acks included) */
  messages: string[]
  /** our messages sent but not yet acknowledged: state changes only on their Ack */
  pending: Array<{ id: string, kind: string }>
  /** the last Ack that refused one of our messages */
  lastError?: { messageId: string, code: string, reason?: string }
  /** profile version the counterparty has acknowledged (proposer side), and the last one sent */
  sharedVersion?: number
  sentVersion?: number
  /** our own sequence counter in this thread, and the id of our last message */
  seq: number
  lastId: string | null
  createdAt: number
  updatedAt: number
}

export interface StoredMessage {
  id: string
  /** the exact signed message; null once erased (a data event whose agreement ended) */
  jwt: string | null
  redacted?: true
  thread: string
  kind: string
  direction: 'sent' | 'received'
  at: number
  /** the Ack for it (our own for received messages, theirs for sent ones), once there is one */
  ackId?: string
}

/** Data a counterparty shared with us under an agreement (held!<agreementId>). */
export interface HeldData {
  agreementId: string
  from: string
  profileVersion: number
  fields: Record<string, string>
  updatedAt: number
}

export const PROFILE_FIELDS = ['email', 'name', 'postalAddress', 'phone', 'birthDate'] as const
export type ProfileField = typeof PROFILE_FIELDS[number]

/** profile!current: her own fields, and a version bumped by every change */
export interface Profile { version: number, fields: Partial<Record<ProfileField, string>> }
