import { describe, it, expect } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { startTestNode, waitPublished, waitFor } from '../fixtures/node.ts'
import { AGREEMENT_PROTOCOL, request, utf8, fromUtf8 } from '../../src/agreements/protocol.ts'
import type { HearthNode } from '../../src/node.ts'
import type { StoredMessage } from '../../src/agreements/model.ts'

/**
 * Issue 3, "offline delivery": the vendor is stopped; the person proposes and changes her
 * email; the vendor restarts; everything arrives exactly once, in order.
 */

const state = async (node: HearthNode, id: string): Promise<string | undefined> => (await node.agreements.get(id))?.state
const until = async (node: HearthNode, id: string, want: string): Promise<void> => {
  await waitFor(`${node.did.slice(-6)} to see agreement ${id} ${want}`, async () => await state(node, id) === want, 15_000)
}
const payloadOf = (m: StoredMessage): any => JSON.parse(Buffer.from(m.jwt!.split('.')[1]!, 'base64url').toString())
/** ledger entries of one direction (and thread), Acks left out (they travel on the sender's stream, not through the outbox) */
const ledgerIds = async (node: HearthNode, direction: 'sent' | 'received', thread?: string): Promise<string[]> =>
  (await node.ledger.entries(thread !== undefined ? { thread } : {})).filter(e => e.direction === direction && e.kind !== 'vrm.Ack').map(e => e.messageId)

/** a hub, a person and a vendor that auto-accepts SD-BASE, all with their DID records out */
async function personAndVendor (): Promise<{ bootstrap: string[], person: HearthNode, vendor: HearthNode }> {
  const hub = await startTestNode()
  const bootstrap = [hub.network.addresses()[0]!]
  const person = await startTestNode({ bootstrap })
  const vendor = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })
  await Promise.all([person, vendor].map(waitPublished))
  return { bootstrap, person, vendor }
}

describe('offline delivery', () => {
  it('the vendor is stopped; she proposes and changes her email twice; the vendor restarts; everything arrives exactly once, in order', async () => {
    const { person, vendor: v0 } = await personAndVendor()
    let vendor = v0

    // A1: active, sharing her email
    await person.agreements.setProfile({ email: 'v1@example.org' })
    const a1 = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await until(vendor, a1.id, 'active')
    await until(person, a1.id, 'active')
    await waitFor('the vendor to hold her first email', async () => (await vendor.agreements.held(a1.id))?.fields.email === 'v1@example.org')
    await waitFor('everything of A1 acknowledged', async () => (await person.agreements.get(a1.id))?.pending.length === 0)

    // the vendor goes offline
    const vendorRepo = vendor.repo
    const vendorDid = vendor.did
    await vendor.stop()
    await waitFor('her node to see the vendor gone', () => person.network.libp2p.getConnections(peerIdFromString(vendor.peerId)).length === 0)

    // while it is down: a new proposal and two email changes, in this order
    const a2 = await person.agreements.propose({ to: vendorDid, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    const second = await person.agreements.setProfile({ email: 'v2@example.org' })
    const third = await person.agreements.setProfile({ email: 'v3@example.org' })
    expect(second.pushes).toEqual([{ agreementId: a1.id, counterparty: vendorDid, fields: ['email'] }])
    expect(third.pushes).toEqual([{ agreementId: a1.id, counterparty: vendorDid, fields: ['email'] }])
    // her outbox tries, fails and backs off: nothing is lost, nothing is acknowledged
    await waitFor('a failed delivery attempt', async () => ((await person.agreements.get(a2.id))?.outbox[0]?.attempts ?? 0) > 0, 15_000)
    expect((await person.agreements.get(a2.id))).toMatchObject({ state: 'proposed', pending: [{ kind: 'vrm.AgreementProposal' }] })
    const queued = (await person.agreements.get(a1.id))!.outbox
    expect(queued.map(q => q.kind)).toEqual(['vrm.AgreementEvent', 'vrm.AgreementEvent'])
    expect((await person.agreements.get(a1.id))?.sharedVersion).toBe(1)

    // the vendor comes back on the same repo (same memory address, from its config)
    vendor = await startTestNode({ repo: vendorRepo, autoAccept: ['SD-BASE'] })
    expect(vendor.did).toBe(vendorDid)

    await until(vendor, a2.id, 'active')
    await until(person, a2.id, 'active')
    await waitFor('the vendor to hold her latest email', async () => (await vendor.agreements.held(a1.id))?.fields.email === 'v3@example.org')
    await waitFor('her outbox to drain', async () => (await person.agreements.get(a1.id))?.outbox.length === 0 && (await person.agreements.get(a2.id))?.outbox.length === 0)
    await waitFor('the vendor outbox to drain', async () => (await vendor.agreements.get(a2.id))?.outbox.length === 0)

    // her side: every message acknowledged, the last version shared
    for (const id of [a1.id, a2.id]) expect(await person.agreements.get(id)).toMatchObject({ pending: [], outbox: [] })
    expect((await person.agreements.get(a1.id))?.sharedVersion).toBe(3)
    expect((await vendor.agreements.held(a1.id))).toMatchObject({ profileVersion: 3, fields: { email: 'v3@example.org' } })
    expect((await vendor.agreements.held(a2.id))).toMatchObject({ profileVersion: 3, fields: { email: 'v3@example.org' } })

    // exactly once, in order, per thread: the data events of A1 as the vendor stored them
    const events = (await vendor.agreements.thread(a1.id)).filter(m => m.direction === 'received' && m.kind === 'vrm.AgreementEvent')
    expect(events.map(e => payloadOf(e).body.profileVersion)).toEqual([1, 2, 3])
    expect(events.map(e => payloadOf(e).body.changes)).toEqual([{ email: 'v1@example.org' }, { email: 'v2@example.org' }, { email: 'v3@example.org' }])
    for (const id of [a1.id, a2.id]) {
      const rec = (await vendor.agreements.get(id))!
      expect(new Set(rec.messages).size).toBe(rec.messages.length)
      const thread = await vendor.agreements.thread(id)
      expect(thread.map(m => m.id)).toEqual(rec.messages) // every id it names is stored
      // every message she sent in this thread is there once, with the vendor's Ack for it
      const sent = (await person.agreements.thread(id)).filter(m => m.direction === 'sent' && m.kind !== 'vrm.Ack')
      for (const m of sent) {
        const there = thread.filter(t => t.id === m.id)
        expect(there).toHaveLength(1)
        expect(there[0]).toMatchObject({ direction: 'received', jwt: m.jwt, ackId: m.ackId })
      }
      // and her messages have increasing seq in the order the vendor stored them
      const seqs = thread.filter(m => m.direction === 'received' && m.kind !== 'vrm.Ack').map(m => payloadOf(m).seq)
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
      expect(new Set(seqs).size).toBe(seqs.length)
    }

    // the vendor's ledger: each of her messages once, and within each agreement in the order she
    // queued them (src/agreements/outbox.ts: one lane per agreement, in order; lanes run side by side)
    const sentOrder = await ledgerIds(person, 'sent')
    const receivedOrder = await ledgerIds(vendor, 'received')
    expect(new Set(receivedOrder).size).toBe(receivedOrder.length)
    expect([...receivedOrder].sort()).toEqual([...sentOrder].sort())
    for (const id of [a1.id, a2.id]) {
      expect(await ledgerIds(vendor, 'received', id)).toEqual(await ledgerIds(person, 'sent', id))
    }
    const v2 = events[1]!.id
    const v3 = events[2]!.id
    expect(receivedOrder.indexOf(v2)).toBeLessThan(receivedOrder.indexOf(v3))

    for (const node of [person, vendor]) expect(await node.ledger.verify()).toMatchObject({ ok: true })

    // a lost last Ack means a re-delivery: the vendor answers with the same Ack and stores nothing twice
    const last = (await person.agreements.thread(a1.id)).find(m => m.id === v3)!
    const ledgerBefore = (await vendor.ledger.entries()).length
    const conn = person.network.libp2p.getConnections(peerIdFromString(vendor.peerId)).find(c => c.status === 'open')!
    const answer = fromUtf8(await request(conn, AGREEMENT_PROTOCOL, utf8(last.jwt!)))
    const storedAck = (await vendor.agreements.thread(a1.id)).find(m => m.id === last.ackId)!
    expect(answer).toBe(storedAck.jwt)
    expect((await vendor.ledger.entries()).length).toBe(ledgerBefore)
    expect((await vendor.agreements.held(a1.id))?.profileVersion).toBe(3)
    expect(await vendor.ledger.verify()).toMatchObject({ ok: true })
  })

  it('the last Ack is lost: her node re-sends the last change after a restart, and the vendor answers with the same Ack and applies nothing twice', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    let person = await startTestNode({ bootstrap })
    const vendor = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })
    await Promise.all([person, vendor].map(waitPublished))
    await person.agreements.setProfile({ email: 'v1@example.org' })
    const a = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await until(person, a.id, 'active')
    await waitFor('everything acknowledged', async () => (await person.agreements.get(a.id))?.pending.length === 0)

    // the vendor stores her next change and, before its Ack reaches her, her node goes down: the
    // vendor emits the event after its synced write and before it answers, and stopping her node
    // aborts her outbox's request at once
    const personRepo = person.repo
    const seen: string[] = []
    let personStopped: Promise<void> | undefined
    vendor.onEvent(e => {
      if (e.type !== 'agreement:message' || e.data.kind !== 'vrm.AgreementEvent' || e.data.direction !== 'received') return
      seen.push(String(e.data.messageId))
      if (personStopped === undefined) personStopped = person.stop()
    })
    await person.agreements.setProfile({ email: 'v2@example.org' })
    await waitFor('the vendor to store her change', () => personStopped !== undefined)
    await personStopped
    expect((await vendor.agreements.held(a.id))?.fields.email).toBe('v2@example.org')

    // her store still has it unacknowledged; after the restart her outbox sends it again
    person = await startTestNode({ repo: personRepo, start: false })
    expect((await person.agreements.get(a.id))?.outbox.map(o => o.messageId)).toEqual(seen)
    expect((await person.agreements.thread(a.id)).find(m => m.id === seen[0])?.ackId).toBeUndefined()
    await person.start()
    await waitFor('her outbox to drain', async () => (await person.agreements.get(a.id))?.outbox.length === 0)
    const mine = (await person.agreements.get(a.id))!
    expect(mine).toMatchObject({ state: 'active', pending: [], sharedVersion: 2 })
    expect(mine.lastError).toBeUndefined()

    // the vendor applied it once: one stored copy, one ledger entry, one event, the same Ack she now holds
    expect(seen).toHaveLength(1) // the re-delivery was answered from the store, not applied
    const events = (await vendor.agreements.thread(a.id)).filter(m => m.kind === 'vrm.AgreementEvent')
    expect(events.map(e => payloadOf(e).body.profileVersion)).toEqual([1, 2])
    const last = (await person.agreements.thread(a.id)).find(m => m.id === seen[0])!
    expect(last.ackId).toBe(events[1]!.ackId)
    const ids = (await vendor.ledger.entries()).map(e => e.messageId)
    expect(ids.filter(id => id === seen[0])).toHaveLength(1)
    expect(new Set(ids).size).toBe(ids.length)
    for (const node of [person, vendor]) expect(await node.ledger.verify()).toMatchObject({ ok: true })
  })

  // Her termination leaves the state 'active' until the vendor acknowledges it (state changes
  // only on acknowledgement); a profile change made in between (here: the vendor is offline)
  // must not queue her new email behind the termination, to a vendor she has left.
  it('a profile change made after she terminated, while the vendor is offline, is not pushed to that vendor', async () => {
    const { person, vendor: v0 } = await personAndVendor()
    let vendor = v0
    await person.agreements.setProfile({ email: 'v1@example.org' })
    const a = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await until(vendor, a.id, 'active')
    await until(person, a.id, 'active')
    await waitFor('everything acknowledged', async () => (await person.agreements.get(a.id))?.pending.length === 0)

    const vendorRepo = vendor.repo
    await vendor.stop()
    await person.agreements.terminate(a.id, 'leaving')
    const { pushes } = await person.agreements.setProfile({ email: 'after-leaving@example.org' })

    vendor = await startTestNode({ repo: vendorRepo, autoAccept: ['SD-BASE'] })
    const refused: unknown[] = []
    vendor.onEvent(e => { if (e.type === 'agreement:refused') refused.push(e.data) })
    await until(person, a.id, 'terminated')
    await until(vendor, a.id, 'terminated')
    await waitFor('her outbox to drain', async () => (await person.agreements.get(a.id))?.outbox.length === 0)

    const mine = await person.agreements.thread(a.id)
    const termination = mine.findIndex(m => m.kind === 'vrm.AgreementTermination')
    const afterTermination = mine.slice(termination).filter(m => m.direction === 'sent').map(m => m.kind)
    expect({ pushes, afterTermination, refused, lastError: (await person.agreements.get(a.id))?.lastError })
      .toEqual({ pushes: [], afterTermination: ['vrm.AgreementTermination', 'vrm.Ack'], refused: [], lastError: undefined })
    expect(await vendor.agreements.held(a.id)).toBeUndefined()
  })
})
