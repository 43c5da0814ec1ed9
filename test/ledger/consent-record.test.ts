import { describe, it, expect } from 'vitest'
import { CONSENT_RECORD_SCHEMA, cidOfJwt } from '../../src/ledger/index.ts'
import type { Ledger } from '../../src/ledger/index.ts'
import { openLedger, fakeJwt, ALICE, BOB } from './harness.ts'

const T0 = Date.parse('2026-03-01T10:00:00.000Z')
const DAY = 24 * 3600 * 1000
const THREAD = 'kq3J9xV2m1sT8bYp0aRfQw'

function terms (share: string[], purposes: string[]) {
  return {
    termId: 'SD-BASE',
    termHash: 'sha256:' + 'ab'.repeat(32),
    purposes,
    share,
    recipients: 'secondPartyOnly',
    onwardSharing: false,
    retention: { until: 'agreementEnd' },
    onTermination: { action: 'delete', within: 'PT24H', receiptRequired: true },
    validFrom: new Date(T0).toISOString(),
    validUntil: new Date(T0 + 30 * DAY).toISOString()
  }
}

/** Alice (the person, this node) and Bob (a vendor), seen from Alice's ledger. */
function thread () {
  let clock = T0
  const msgs: Array<{ kind: string, from: string, body: Record<string, unknown> }> = []
  const ids: string[] = []
  const appends: Array<{ direction: 'sent' | 'received', thread: string, kind: string, jwt: string, at: number }> = []
  const add = (kind: string, from: string, body: (ids: string[]) => Record<string, unknown>): void => {
    msgs.push({ kind, from, body: { agreementId: THREAD, ...body(ids) } })
    const to = from === ALICE ? BOB : ALICE
    const jwt = fakeJwt(kind, { iss: from, aud: to, thread: THREAD, seq: msgs.length, body: msgs.at(-1)!.body })
    ids.push(cidOfJwt(jwt))
    appends.push({ direction: from === ALICE ? 'sent' : 'received', thread: THREAD, kind, jwt, at: (clock += 60_000) })
  }
  return { add, appends, ids }
}

async function record (ledger: Ledger, t: ReturnType<typeof thread>, now = T0 + DAY) {
  for (const a of t.appends) await ledger.append(a)
  return await ledger.exportRecord(THREAD, { self: ALICE, now })
}

describe('the consent record export', () => {
  it('turns a counter-offered, accepted and confirmed thread into a 27560-style record with its latest state', async () => {
    const { ledger } = await openLedger()
    const t = thread()
    t.add('vrm.AgreementProposal', ALICE, () => ({ terms: terms(['email'], ['dpv:ServiceProvision']) }))
    t.add('vrm.Ack', BOB, ids => ({ ackOf: ids[0], status: 'processed' }))
    t.add('vrm.AgreementCounterOffer', BOB, ids => ({ proposalId: ids[0], terms: terms(['email', 'postalAddress'], ['dpv:ServiceProvision', 'dpv:DeliveryOfGoods']) }))
    t.add('vrm.AgreementAcceptance', ALICE, ids => ({ acceptedId: ids[2], termId: 'SD-BASE', termHash: 'sha256:' + 'ab'.repeat(32) }))
    t.add('vrm.AgreementConfirmation', BOB, ids => ({ acceptanceId: ids[3] }))
    const r = await record(ledger, t)

    expect(r.header).toEqual({
      schemaVersion: CONSENT_RECORD_SCHEMA,
      conformsTo: 'ISO/IEC TS 27560:2023',
      recordId: THREAD,
      piiPrincipalId: ALICE,
      createdAt: new Date(T0 + 60_000).toISOString(),
      updatedAt: new Date(T0 + 5 * 60_000).toISOString(),
      generatedAt: new Date(T0 + DAY).toISOString(),
      generatedBy: ALICE
    })
    // the terms in force are the counter-offer's: the acceptance names it
    expect(r.processing).toMatchObject({
      termsFrom: t.ids[2],
      termId: 'SD-BASE',
      purposes: ['dpv:ServiceProvision', 'dpv:DeliveryOfGoods'],
      personalData: [{ category: 'pd:EmailAddress', fields: ['email'] }, { category: 'pd:PhysicalAddress', fields: ['postalAddress'] }],
      retention: { until: 'agreementEnd' },
      recipients: 'secondPartyOnly',
      onwardSharing: false,
      onTermination: { action: 'delete', within: 'PT24H', receiptRequired: true },
      validUntil: new Date(T0 + 30 * DAY).toISOString(),
      withdrawalMethod: expect.stringContaining('AgreementTermination')
    })
    expect(r.parties).toEqual([
      { id: ALICE, role: 'dpv:DataSubject', proposer: true, holder: true },
      { id: BOB, role: 'dpv:DataController', proposer: false, holder: false }
    ])
    expect(r.events.map(e => [e.index, e.type, e.direction, e.issuer, e.state])).toEqual([
      [1, 'vrm.AgreementProposal', 'sent', ALICE, 'requested'],
      [2, 'vrm.Ack', 'received', BOB, undefined],
      [3, 'vrm.AgreementCounterOffer', 'received', BOB, 'counter-offered'],
      [4, 'vrm.AgreementAcceptance', 'sent', ALICE, 'accepted'],
      [5, 'vrm.AgreementConfirmation', 'received', BOB, 'confirmed']
    ])
    expect(r.events.map(e => e.messageId)).toEqual(t.ids)
    expect(r.events[3]).toMatchObject({ contractStatus: 'dpv:ContractFullySigned', consentStatus: 'dpv:ConsentGiven', time: new Date(T0 + 4 * 60_000).toISOString() })
    expect(r.latestState).toEqual({ state: 'confirmed', contractStatus: 'dpv:ContractActive', consentStatus: 'dpv:ConsentGiven', since: new Date(T0 + 5 * 60_000).toISOString(), event: 5 })
    // plain JSON, as exported
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })

  it('ends in deletion-confirmed after her termination and the vendor\'s receipt (consent withdrawn)', async () => {
    const { ledger } = await openLedger()
    const t = thread()
    t.add('vrm.AgreementProposal', ALICE, () => ({ terms: terms(['email'], ['dpv:ServiceProvision']) }))
    t.add('vrm.AgreementAcceptance', BOB, ids => ({ acceptedId: ids[0], termId: 'SD-BASE', termHash: 'sha256:' + 'ab'.repeat(32) }))
    t.add('vrm.AgreementConfirmation', ALICE, ids => ({ acceptanceId: ids[1] }))
    t.add('vrm.AgreementTermination', ALICE, () => ({ effectiveAt: new Date(T0).toISOString() }))
    t.add('vrm.DeletionReceipt', BOB, ids => ({ terminationId: ids[3], action: 'deleted', fields: ['email'] }))
    const r = await record(ledger, t)
    expect(r.events.slice(3).map(e => [e.state, e.consentStatus])).toEqual([['terminated', 'dpv:ConsentWithdrawn'], ['deletion-confirmed', undefined]])
    expect(r.latestState).toMatchObject({ state: 'deletion-confirmed', contractStatus: 'dpv:ContractTerminated', consentStatus: 'dpv:ConsentWithdrawn', event: 5 })
  })

  it('shows an active agreement past its validUntil as expired, and a rejection as refused', async () => {
    const { ledger } = await openLedger()
    const t = thread()
    t.add('vrm.AgreementProposal', ALICE, () => ({ terms: terms(['email'], ['dpv:ServiceProvision']) }))
    t.add('vrm.AgreementAcceptance', BOB, ids => ({ acceptedId: ids[0], termId: 'SD-BASE', termHash: 'sha256:' + 'ab'.repeat(32) }))
    expect((await record(ledger, t, T0 + 31 * DAY)).latestState).toEqual({
      state: 'expired', contractStatus: 'dpv:ContractExpired', consentStatus: 'dpv:ConsentExpired', since: new Date(T0 + 30 * DAY).toISOString(), event: 2
    })

    const other = await openLedger()
    const u = thread()
    u.add('vrm.AgreementProposal', ALICE, () => ({ terms: terms(['email'], ['dpv:ServiceProvision']) }))
    u.add('vrm.AgreementRejection', BOB, ids => ({ rejectedId: ids[0], code: 'refused' }))
    expect((await record(other.ledger, u)).latestState).toMatchObject({ state: 'refused', consentStatus: 'dpv:ConsentRefused', event: 2 })
  })
})
