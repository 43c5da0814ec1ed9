import { HearthError } from '../errors.ts'
import type { AgreementRecord, Role, Terms } from './model.ts'

/**
 * The agreement state machine, pure (no I/O). IEEE 7012: the person proposes, the other side
 * accepts, counters once or rejects; an acceptance is confirmed by the side whose offer was
 * accepted; data flows only while active; either side may terminate and the side holding the
 * data answers with a deletion receipt. protocols/agreement/README.md has the diagram.
 */
export interface ThreadMessage {
  kind: string
  id: string
  body: any
  /** who sent it, seen from this node */
  from: 'us' | 'them'
  at: number
}

export interface Parties { self: string, counterparty: string }

const other = (r: Role): Role => r === 'proposer' ? 'responder' : 'proposer'
const invalid = (why: string): HearthError => new HearthError('INVALID_STATE', why, { details: { wire: 'INVALID_STATE' } })

/** Apply one message to an agreement (undefined before its proposal). Throws INVALID_STATE. */
export function applyMessage (rec: AgreementRecord | undefined, m: ThreadMessage, parties?: Parties): AgreementRecord {
  if (m.kind === 'vrm.AgreementProposal') {
    if (rec !== undefined) throw invalid(`agreement ${m.body.agreementId} already exists`)
    if (parties === undefined) throw invalid('a proposal needs its parties')
    const role: Role = m.from === 'us' ? 'proposer' : 'responder'
    return {
      id: m.body.agreementId,
      role,
      self: parties.self,
      counterparty: parties.counterparty,
      state: 'proposed',
      awaiting: m.from === 'us' ? 'them' : 'us',
      terms: m.body.terms as Terms,
      proposalId: m.id,
      messages: [m.id],
      pending: [],
      seq: 0,
      lastId: null,
      createdAt: m.at,
      updatedAt: m.at
    }
  }
  if (rec === undefined) throw invalid(`no agreement ${String(m.body?.agreementId)}`)
  const sender: Role = m.from === 'us' ? rec.role : other(rec.role)
  const next: AgreementRecord = { ...rec, messages: [...rec.messages, m.id], updatedAt: m.at }
  const waitFor = (role: Role): 'us' | 'them' => role === rec.role ? 'us' : 'them'
  switch (m.kind) {
    case 'vrm.AgreementCounterOffer':
      if (rec.state !== 'proposed' || sender !== 'responder') throw invalid(`a counter-offer is not allowed in state ${rec.state}`)
      if (m.body.proposalId !== rec.proposalId) throw invalid('the counter-offer answers another proposal')
      return { ...next, state: 'countered', terms: m.body.terms as Terms, counterOfferId: m.id, awaiting: waitFor('proposer') }
    case 'vrm.AgreementAcceptance': {
      const offer = rec.state === 'proposed' && sender === 'responder'
        ? rec.proposalId
        : rec.state === 'countered' && sender === 'proposer' ? rec.counterOfferId : undefined
      if (offer === undefined) throw invalid(`an acceptance is not allowed in state ${rec.state}`)
      if (m.body.acceptedId !== offer) throw invalid('the acceptance names another offer')
      if (m.body.termId !== rec.terms.termId || m.body.termHash !== rec.terms.termHash) throw invalid('the acceptance names other terms than the offer')
      return { ...next, state: 'accepted', acceptanceId: m.id, awaiting: waitFor(other(sender)) }
    }
    case 'vrm.AgreementConfirmation':
      if (rec.state !== 'accepted' || m.body.acceptanceId !== rec.acceptanceId) throw invalid(`a confirmation is not allowed in state ${rec.state}`)
      if (sender === (rec.counterOfferId !== undefined ? 'proposer' : 'responder')) throw invalid('the side that accepted cannot confirm')
      return { ...next, state: 'active', confirmationId: m.id, awaiting: 'none' }
    case 'vrm.AgreementRejection': {
      const rejectable = (rec.state === 'proposed' && sender === 'responder') || (rec.state === 'countered' && sender === 'proposer')
      if (!rejectable) throw invalid(`a rejection is not allowed in state ${rec.state}`)
      return { ...next, state: 'rejected', awaiting: 'none', rejection: { id: m.id, code: m.body.code, by: m.from, ...(m.body.reason !== undefined ? { reason: m.body.reason } : {}) } }
    }
    case 'vrm.AgreementEvent':
      if (rec.state !== 'active') throw invalid(`data may flow only under an active agreement (this one is ${rec.state})`)
      if (sender !== 'proposer') throw invalid('only the proposer shares data under its terms')
      for (const field of Object.keys(m.body.changes ?? {})) {
        if (!(rec.terms.share as string[]).includes(field)) throw invalid(`the agreement does not cover ${field}`)
      }
      return next
    case 'vrm.AgreementTermination':
      if (rec.state !== 'active') throw invalid(`only an active agreement can be terminated (this one is ${rec.state})`)
      return { ...next, state: 'terminating', terminationId: m.id, awaiting: waitFor('responder') }
    case 'vrm.DeletionReceipt':
      if (rec.state !== 'terminating' || sender !== 'responder' || m.body.terminationId !== rec.terminationId) throw invalid(`a deletion receipt is not allowed in state ${rec.state}`)
      return { ...next, state: 'terminated', awaiting: 'none', deletionReceipt: { id: m.id, fields: m.body.fields, completedAt: m.body.completedAt } }
    default:
      throw invalid(`unknown message kind ${m.kind}`)
  }
}

/** Agreements end at validUntil on each node's own clock, whatever state they reached. */
export function isExpired (rec: AgreementRecord, now: number): boolean {
  return !['rejected', 'terminated', 'expired'].includes(rec.state) && Date.parse(rec.terms.validUntil) <= now
}
