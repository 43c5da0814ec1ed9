import { describe, it, expect, onTestFinished } from 'vitest'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { initTestRepo, startTestNode, waitFor, waitPublished, TEST_PASSPHRASE, TEST_RETRY } from '../fixtures/node.ts'
import { AGREEMENT_PROTOCOL } from '../../src/agreements/protocol.ts'
import { RECORD_PROTOCOL } from '../../src/network/record-protocol.ts'
import { lpStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { createHearthNode } from '../../src/node.ts'
import type { HearthNode } from '../../src/node.ts'
import { messageId } from '../../src/messages/index.ts'
import type { AgreementRecord, StoredMessage } from '../../src/agreements/model.ts'
import type { OutboxItem } from '../../src/agreements/outbox.ts'
import type { LedgerEntry, VerifyResult } from '../../src/ledger/index.ts'

/**
 * Issue 3, "crash safety": a child-process node is killed with SIGKILL at random points while
 * agreements flow (a bounded loop); after each restart every acknowledged message is present,
 * none is half-written, and the ledger verifies.
 *
 * The child (test/fixtures/crash-node.ts) is a vendor that auto-accepts SD-BASE, on TCP at a
 * fixed 127.0.0.1 port. The person P runs in this process and keeps proposing, pushing profile
 * changes and terminating. After each kill, the child's repo is opened here (not started: its
 * store exactly as the crash left it) and checked against itself and against P, then the child is
 * restarted on the same repo and port.
 */

const CRASH_NODE = fileURLToPath(new URL('../fixtures/crash-node.ts', import.meta.url))
const ITERATIONS = 20
/** the kill loop stops here even if ITERATIONS are not done (an iteration takes 1.5-2 s) */
const LOOP_BUDGET_MS = 45_000
const KILL_MIN_MS = 50
const KILL_MAX_MS = 400

const until = async (node: HearthNode, id: string, want: string): Promise<void> => {
  await waitFor(`${node.did.slice(-6)} to see agreement ${id} ${want}`, async () => (await node.agreements.get(id))?.state === want, 10_000)
}
const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }
const payloadOf = (jwt: string): any => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>(resolve => server.close(() => { resolve() }))
  return port
}

interface Child {
  proc: ChildProcess
  ready: { did: string, peerId: string, addresses: string[], pid: number }
  exited: Promise<number | null>
  /** ask the running node for its state (agreements, outbox size, ledger verification) */
  state: () => Promise<{ agreements: Array<{ id: string, state: string, awaiting: string, pending: number, messages: string[], lastError?: { code: string, reason?: string } }>, outbox: number, verify: VerifyResult }>
}

async function startChild (repo: string, port: number): Promise<Child> {
  let lastErr = ''
  for (let attempt = 0; attempt < 5; attempt++) {
    const proc = spawn(process.execPath, [CRASH_NODE, repo, String(port)], {
      env: { ...process.env, NO_COLOR: '1', HEARTH_TEST_PASSPHRASE: TEST_PASSPHRASE, HEARTH_TEST_AUTO_ACCEPT: 'SD-BASE', HEARTH_TEST_RETRY: JSON.stringify(TEST_RETRY) },
      stdio: ['pipe', 'pipe', 'pipe']
    })
    let stderr = ''
    proc.stderr!.on('data', d => { stderr += d })
    const exited = new Promise<number | null>(resolve => proc.on('close', resolve))
    onTestFinished(async () => { if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGKILL'); await exited } })
    const waiting: Array<(line: any) => void> = []
    let onReady: ((v: any) => void) | undefined
    createInterface({ input: proc.stdout! }).on('line', line => {
      let msg: any
      try { msg = JSON.parse(line) } catch { return }
      if (msg.event === 'ready') onReady?.(msg)
      else waiting.shift()?.(msg)
    })
    const ready = await new Promise<any>(resolve => {
      onReady = resolve
      const timer = setTimeout(() => { resolve(undefined) }, 20_000)
      void exited.then(() => { clearTimeout(timer); resolve(undefined) })
    })
    if (ready === undefined) {
      lastErr = stderr
      if (proc.exitCode === null) { proc.kill('SIGKILL'); await exited }
      await sleep(100) // e.g. the port still held for a moment
      continue
    }
    const state = async (): Promise<any> => await new Promise((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error('the child did not answer "state"')) }, 10_000)
      waiting.push(msg => { clearTimeout(timer); if (msg.event === 'state') resolve(msg); else reject(new Error(msg.message)) })
      proc.stdin!.write('state\n')
    })
    return { proc, ready, exited, state }
  }
  throw new Error(`the crash node did not start: ${lastErr}`)
}

async function reconnect (person: HearthNode, child: Child): Promise<void> {
  await person.network.libp2p.hangUp(peerIdFromString(child.ready.peerId)).catch(() => {})
  await person.network.libp2p.dial(multiaddr(child.ready.addresses[0]!)).catch(() => {})
}

interface Snapshot {
  messages: Map<string, StoredMessage>
  agreements: AgreementRecord[]
  outbox: OutboxItem[]
  ledger: LedgerEntry[]
  verify: VerifyResult
}

/** The child's store exactly as it is on disk: its repo opened here, the node not started. */
async function snapshotRepo (repo: string): Promise<Snapshot> {
  const node = await createHearthNode({ repo, passphrase: TEST_PASSPHRASE, transport: 'tcp' })
  try {
    return await snapshot(node)
  } finally {
    await node.stop()
  }
}

async function snapshot (node: HearthNode): Promise<Snapshot> {
  return {
    verify: await node.ledger.verify(),
    ledger: await node.ledger.entries(),
    messages: new Map(await node.store.entries<StoredMessage>(node.store.messages)),
    agreements: await node.agreements.list(),
    outbox: (await node.store.entries<OutboxItem>(node.store.outbox)).map(([, v]) => v)
  }
}

/**
 * One store on its own: the ledger verifies; every stored message is whole (its id is the CID
 * of its JWT) and has exactly one ledger entry, and the other way round; every agreement names
 * exactly the messages stored in its thread; what waits in the outbox is exactly what the
 * agreements list as pending; every message received was acknowledged and that Ack is stored;
 * every Ack received is stored with the message it acknowledges.
 */
function checkStore (s: Snapshot, who: string): void {
  expect(s.verify, `${who}: ledger verify`).toMatchObject({ ok: true })
  const ledgerIds = s.ledger.map(e => e.messageId)
  expect(new Set(ledgerIds).size, `${who}: a message appended to the ledger twice`).toBe(ledgerIds.length)
  expect(new Set(ledgerIds), `${who}: ledger entries and stored messages differ`).toEqual(new Set(s.messages.keys()))
  for (const e of s.ledger) {
    const m = s.messages.get(e.messageId)!
    expect({ jwt: m.jwt, kind: m.kind, direction: m.direction, thread: m.thread }, `${who}: ledger entry ${e.index}`).toEqual({ jwt: e.jwt, kind: e.kind, direction: e.direction, thread: e.thread })
  }
  for (const [id, m] of s.messages) {
    expect(m.id, `${who}: message key`).toBe(id)
    if (m.jwt === null) {
      // only the content of a received data event may be erased, and only when its agreement ended
      expect(m, `${who}: erased message ${id}`).toMatchObject({ redacted: true, kind: 'vrm.AgreementEvent', direction: 'received' })
      const rec = s.agreements.find(a => a.id === m.thread)
      expect(['terminating', 'terminated', 'expired'], `${who}: erased under ${rec?.state}`).toContain(rec?.state)
    } else {
      expect(messageId(m.jwt), `${who}: half-written message ${id}`).toBe(id)
      expect(payloadOf(m.jwt).thread).toBe(m.thread)
    }
    if (m.kind !== 'vrm.Ack' && m.direction === 'received') {
      // we acknowledged it: our Ack is stored, for exactly this message
      expect(m.ackId, `${who}: received ${m.kind} ${id} without an Ack`).toBeDefined()
    }
    if (m.kind !== 'vrm.Ack' && m.ackId !== undefined) {
      const ack = s.messages.get(m.ackId)
      expect(ack, `${who}: the Ack of ${m.kind} ${id} is missing`).toBeDefined()
      expect(ack!.kind).toBe('vrm.Ack')
      expect(ack!.direction).toBe(m.direction === 'received' ? 'sent' : 'received')
      expect(payloadOf(ack!.jwt!).body.ackOf).toBe(id)
    }
    if (m.kind === 'vrm.Ack' && m.direction === 'received') {
      const of = s.messages.get(payloadOf(m.jwt!).body.ackOf)
      expect(of?.ackId, `${who}: received Ack ${id} stored without the message it acknowledges`).toBe(id)
    }
  }
  for (const rec of s.agreements) {
    expect(new Set(rec.messages).size, `${who}: agreement ${rec.id} names a message twice`).toBe(rec.messages.length)
    const inThread = [...s.messages.values()].filter(m => m.thread === rec.id).map(m => m.id)
    expect(new Set(rec.messages), `${who}: agreement ${rec.id} and the messages of its thread differ`).toEqual(new Set(inThread))
    const named = [rec.proposalId, rec.counterOfferId, rec.acceptanceId, rec.confirmationId, rec.terminationId, rec.rejection?.id, rec.deletionReceipt?.id, rec.lastId]
    for (const id of named) if (id !== undefined && id !== null) expect(s.messages.has(id), `${who}: agreement ${rec.id} names missing ${id}`).toBe(true)
    for (const p of rec.pending) {
      const m = s.messages.get(p.id)
      expect(m, `${who}: pending ${p.kind} ${p.id} of ${rec.id} is not stored`).toBeDefined()
      expect(m!.direction).toBe('sent')
      expect(m!.ackId, `${who}: pending ${p.id} is already acknowledged`).toBeUndefined()
    }
    const queued = s.outbox.filter(o => o.thread === rec.id).map(o => o.messageId)
    expect(new Set(queued), `${who}: outbox and pending of ${rec.id} differ`).toEqual(new Set(rec.pending.map(p => p.id)))
  }
  for (const o of s.outbox) {
    const m = s.messages.get(o.messageId)
    expect(m?.jwt, `${who}: outbox item ${o.n} is not the stored message`).toBe(o.jwt)
    expect(s.agreements.some(a => a.id === o.thread), `${who}: outbox item for an unknown agreement`).toBe(true)
  }
}

/**
 * A FIXED BUG, shown on its own by the test below; the loop fails if it ever comes back:
 * a lost Ack, then the peer's answer arriving before the re-delivery: 'a confirmation is not
 * allowed in state proposed' (her confirmation, the vendor's acceptance unacknowledged) or 'a
 * deletion receipt is not allowed in state active' (the vendor's receipt, her termination
 * unacknowledged). Such a refusal, and only it, is let through here, and its agreement (stuck)
 * is left out of the final comparison only to report it; the test then fails on their count.
 */
function isKnownBugRefusal (error: { code?: string, reason?: string } | undefined): boolean {
  return error?.code === 'INVALID_STATE' && /a (confirmation|deletion receipt) is not allowed in state (proposed|active)/.test(error.reason ?? '')
}
const hitByKnownBug = (rec: { lastError?: { code: string, reason?: string } }): boolean => isKnownBugRefusal(rec.lastError)

/**
 * Across the two stores: every message one side holds an Ack for is stored on the other side,
 * byte for byte (or, for a data event, erased because the agreement ended there), and so is
 * that Ack. `a` must be read after `b` can no longer acknowledge anything new to it, or be a
 * store that only grows: here `a` is the live person and `b` the killed child, or both settled.
 */
function checkAcknowledged (from: Snapshot, to: Snapshot, who: string, knownBug: Set<string>): void {
  for (const m of from.messages.values()) {
    if (m.kind === 'vrm.Ack' || m.direction !== 'sent' || m.ackId === undefined) continue
    const ack = from.messages.get(m.ackId)!
    const { status, error } = payloadOf(ack.jwt!).body
    if (status === 'rejected' && isKnownBugRefusal(error)) { knownBug.add(m.thread); continue }
    // nothing in this flow is refused: a refusal would mean a lost message or a broken replay guard
    expect({ status, error }, `${who}: ${m.kind} ${m.id} was refused`).toEqual({ status: 'processed', error: undefined })
    const there = to.messages.get(m.id)
    expect(there, `${who}: acknowledged ${m.kind} ${m.id} is missing on the other side`).toBeDefined()
    if (there!.jwt === null) expect(there).toMatchObject({ redacted: true, kind: 'vrm.AgreementEvent' })
    else expect(there!.jwt, `${who}: ${m.id} differs`).toBe(m.jwt)
    expect(there!.ackId, `${who}: ${m.id} stored without its Ack on the other side`).toBe(m.ackId)
    expect(to.messages.get(m.ackId)?.jwt, `${who}: the Ack ${m.ackId} differs`).toBe(ack.jwt)
  }
}

describe('crash safety', () => {
  it('a vendor node killed with SIGKILL at random points keeps every acknowledged message whole, and its ledger verifies', { timeout: 90_000 }, async () => {
    const t0 = Date.now()
    const { repo } = await initTestRepo({ transport: 'tcp' })
    const port = await freePort()
    let child = await startChild(repo, port)
    const childDid = child.ready.did
    const person = await startTestNode({ transport: 'tcp', bootstrap: [child.ready.addresses[0]!] })
    await person.network.connect(childDid) // she knows the vendor: its DID, devices and addresses
    await person.agreements.setProfile({ email: 'v1@example.org', phone: '+33 1 00 00 00 01' })

    // agreements flow the whole time: proposals, profile pushes, terminations
    let driving = true
    const stats = { proposed: 0, pushes: 0, terminated: 0, kills: 0, killsWithTraffic: 0 }
    const driverErrors: string[] = []
    const driver = (async () => {
      let tick = 0
      while (driving) {
        tick++
        try {
          const list = await person.agreements.list()
          // in flight: proposed, or waiting for an Ack (agreements stuck by the known bug are not)
          const open = list.filter(a => a.state === 'proposed' || a.pending.length > 0).length
          const idle = list.filter(a => a.state === 'active' && a.pending.length === 0)
          // no push while one of her terminations is unacknowledged: setProfile would still push
          // to that agreement (the bug shown in offline-delivery.test.ts), and the vendor refuses it
          const ending = list.some(a => a.pending.some(p => p.kind === 'vrm.AgreementTermination'))
          // once an agreement is active and quiet: a profile push and a termination, in turn
          if (idle.length > 0 && !ending && stats.pushes <= stats.terminated) {
            await person.agreements.setProfile(tick % 2 === 0 ? { email: `v${tick}@example.org` } : { phone: `+33 1 00 00 ${String(tick % 100).padStart(2, '0')} 00` })
            stats.pushes++
          } else if (idle.length > 0 && stats.pushes > stats.terminated) {
            await person.agreements.terminate(idle[0]!.id, 'crash test')
            stats.terminated++
          } else if (open < 8) {
            await person.agreements.propose({ to: childDid, termId: 'SD-BASE', share: tick % 2 === 0 ? ['email'] : ['email', 'phone'], purposes: [], validForMs: 3600_000 })
            stats.proposed++
          }
        } catch (err) { driverErrors.push(String(err)) }
        await sleep(60 + Math.random() * 90)
      }
    })()
    onTestFinished(() => { driving = false })

    // the kill loop
    /** agreements stuck by the known bug (isKnownBugRefusal) */
    const knownBug = new Set<string>()
    const written: number[] = []
    let ledgerBefore = 0
    const loopEnd = t0 + LOOP_BUDGET_MS
    for (let i = 0; i < ITERATIONS && Date.now() < loopEnd; i++) {
      // Her outbox retries at once when a connection to the child opens. The child may have
      // dialed her before its agreement handler was up (src/node.ts starts the network first),
      // so that first try can fail and back off: a fresh connection now makes it try again.
      await reconnect(person, child)
      await sleep(KILL_MIN_MS + Math.random() * (KILL_MAX_MS - KILL_MIN_MS))
      const inFlight = (await person.store.entries(person.store.outbox)).length
      child.proc.kill('SIGKILL')
      expect(await child.exited).toBe(null)
      stats.kills++

      const crashed = await snapshotRepo(repo)
      if (inFlight > 0 || crashed.outbox.length > 0) stats.killsWithTraffic++
      // what the child wrote during the run that was just cut short
      written.push(crashed.ledger.length - ledgerBefore)
      ledgerBefore = crashed.ledger.length
      checkStore(crashed, `child after kill ${i + 1}`)
      // read the person after the kill: nothing new can be acknowledged to her meanwhile
      const live = await snapshot(person)
      checkAcknowledged(live, crashed, `person -> child, kill ${i + 1}`, knownBug)
      checkAcknowledged(crashed, live, `child -> person, kill ${i + 1}`, knownBug)

      child = await startChild(repo, port)
      expect(child.ready.did).toBe(childDid)
    }
    driving = false
    await driver
    expect(driverErrors).toEqual([])
    const loopMs = Date.now() - t0

    // a last, clean run: everything settles in the same state on both sides, and both outboxes drain
    await reconnect(person, child)
    const settled = (s: string): boolean => s === 'active' || s === 'terminated'
    await waitFor('every agreement settled, the same on both sides', async () => {
      const mine = await person.agreements.list()
      if ((await person.store.entries(person.store.outbox)).length > 0) return false
      const theirs = await child.state()
      if (theirs.outbox > 0) return false
      for (const a of mine) {
        const t = theirs.agreements.find(x => x.id === a.id)
        if (a.pending.length > 0 || (t?.pending ?? 0) > 0) return false
        if (hitByKnownBug(a) || (t !== undefined && hitByKnownBug(t))) { knownBug.add(a.id); continue }
        if (t === undefined || t.state !== a.state || !settled(a.state)) return false
      }
      return theirs.agreements.every(t => mine.some(a => a.id === t.id))
    }, 25_000)
    child.proc.kill('SIGTERM')
    expect(await child.exited).toBe(0)

    const finalChild = await snapshotRepo(repo)
    const finalPerson = await snapshot(person)
    checkStore(finalChild, 'child at the end')
    checkStore(finalPerson, 'person at the end')
    checkAcknowledged(finalPerson, finalChild, 'person -> child at the end', knownBug)
    checkAcknowledged(finalChild, finalPerson, 'child -> person at the end', knownBug)
    expect(finalPerson.agreements.length).toBe(stats.proposed)
    for (const mine of finalPerson.agreements) {
      const theirs = finalChild.agreements.find(a => a.id === mine.id)!
      expect(theirs, `agreement ${mine.id} on the child`).toBeDefined()
      if (knownBug.has(mine.id)) {
        // stuck by the known bug (isKnownBugRefusal): the same state on both sides, each waiting for the other
        expect([['accepted', 'us', 'them'], ['terminating', 'them', 'us']]).toContainEqual([mine.state, mine.awaiting, theirs.awaiting])
        expect({ state: theirs.state, pending: theirs.pending }).toEqual({ state: mine.state, pending: [] })
        continue
      }
      expect({ state: theirs.state, awaiting: theirs.awaiting, pending: theirs.pending }).toEqual({ state: mine.state, awaiting: mine.awaiting, pending: [] })
      // the same thread on both sides: every message, every Ack
      expect(new Set(theirs.messages), `thread ${mine.id}`).toEqual(new Set(mine.messages))
      if (mine.state === 'active') expect((await person.agreements.get(mine.id))?.sharedVersion).toBe(mine.sentVersion)
    }
    expect(finalChild.outbox).toEqual([])
    expect(finalPerson.outbox).toEqual([])

    // the loop did what it claims: enough kills, most cutting a run in which the child was writing, and real traffic
    expect(stats.kills).toBeGreaterThanOrEqual(10)
    expect(written.filter(n => n > 0).length, 'kills that cut a run in which the child was writing').toBeGreaterThanOrEqual(Math.ceil(stats.kills / 4))
    expect(stats.terminated, 'terminations').toBeGreaterThan(0)
    expect(stats.pushes, 'profile pushes').toBeGreaterThan(0)
    expect(finalPerson.agreements.filter(a => a.state === 'active' || a.state === 'terminated').length).toBeGreaterThanOrEqual(10)
    // fixed (NOT_YET: a refusal only because our own message waits for its Ack is retried): none may be stuck
    expect(knownBug.size, 'agreements stuck by the lost-Ack bug').toBe(0)
    console.info(`crash safety: ${stats.kills} kills (${stats.killsWithTraffic} with messages in flight; ledger entries the child wrote in each cut-short run: ${written.join(' ')}) in ${loopMs} ms; ${stats.proposed} proposals, ${stats.pushes} profile pushes, ${stats.terminated} terminations; ${finalPerson.ledger.length} ledger entries on her side, ${finalChild.ledger.length} on the vendor's; ${knownBug.size} agreements stuck by the known lost-Ack bug; total ${Date.now() - t0} ms`)
  })

  // BUG (src/agreements/inbound.ts apply + src/agreements/acks.ts onAck): a node's state moves
  // only on the Ack of its own message, so when that Ack is lost (the node crashed, or the
  // connection dropped, after the peer stored the message) the peer is one step ahead. If the
  // peer's next message arrives before our re-delivery (nothing orders the two directions), we
  // refuse it for good: inbound.ts applyMessage throws INVALID_STATE ("a confirmation is not
  // allowed in state proposed") and answers 'rejected'; acks.ts onAck then dequeues it and only
  // records lastError. Nothing ever sends it again: her side stays 'accepted' with nothing
  // pending, the vendor's 'accepted' waiting for her, forever. The crash loop above hits this in
  // most runs (a few of its 30-90 agreements; see isKnownBugRefusal). (The mirror case: her Termination's Ack lost, the vendor's
  // DeletionReceipt refused by her, both stay 'terminating'.) Expected: a message refused only
  // because our own message in the thread is still unacknowledged stays queued and is retried.
  it('a lost Ack for the vendor\'s acceptance, then her confirmation arriving first: the agreement still becomes active', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    let person = await startTestNode({ bootstrap })
    let vendor = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })
    await Promise.all([person, vendor].map(waitPublished))
    await person.agreements.setProfile({ email: 'v1@example.org' })

    // her node stores the vendor's acceptance (and queues her confirmation); the vendor goes down
    // before her Ack reaches it (she emits after her synced write, before she answers; stopping
    // the vendor aborts its outbox's request at once)
    let vendorStopped: Promise<void> | undefined
    person.onEvent(e => {
      if (e.type === 'agreement:message' && e.data.kind === 'vrm.AgreementAcceptance' && e.data.direction === 'received') vendorStopped ??= vendor.stop()
    })
    const a = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await waitFor('the vendor to go down with its acceptance unacknowledged', () => vendorStopped !== undefined)
    await vendorStopped
    expect(await person.agreements.get(a.id)).toMatchObject({ state: 'accepted', outbox: [{ kind: 'vrm.AgreementConfirmation' }] })

    // the vendor's re-delivery comes later than her confirmation: for now her node does not take it
    await person.network.libp2p.unhandle(AGREEMENT_PROTOCOL)
    const confirmation = (await person.agreements.get(a.id))!.outbox[0]!.messageId
    vendor = await startTestNode({ repo: vendor.repo, autoAccept: ['SD-BASE'], start: false })
    expect(await vendor.agreements.get(a.id)).toMatchObject({ state: 'proposed', outbox: [{ kind: 'vrm.AgreementAcceptance' }] })
    const refused: any[] = []
    vendor.onEvent(e => { if (e.type === 'agreement:refused' && e.data.messageId === confirmation) refused.push(e.data) })
    await vendor.start()
    await waitFor('the vendor to answer her confirmation', () => refused.length > 0)
    expect(refused[0].reason).toMatch(/a confirmation is not allowed in state proposed/)
    await waitFor('her node to take the answer', async () => (await person.agreements.get(a.id))!.outbox.length === 0, 2_000).catch(() => {})
    // correct: refused only because the vendor's own acceptance is unacknowledged, so it stays queued
    const mine = (await person.agreements.get(a.id))!
    expect({ outbox: mine.outbox.map(o => o.messageId), lastError: mine.lastError }).toEqual({ outbox: [confirmation], lastError: undefined })

    // her node takes messages again (a restart); everything catches up
    await person.stop()
    person = await startTestNode({ repo: person.repo })
    await until(vendor, a.id, 'active')
    await until(person, a.id, 'active')
    await waitFor('the vendor to hold her email', async () => (await vendor.agreements.held(a.id))?.fields.email === 'v1@example.org')
  })

  // Regression: the crash loop above found this one (the child, just restarted, could not read
  // her DID record: 'Unexpected EOF'); src/agreements/inbound.ts answered that transient failure
  // with a signed refusal (code UNREACHABLE), and her node, taking every refusal as final, ended
  // the agreement 'rejected' while the vendor had no record of it. Fixed in ab1e8cf ("transient
  // failures retried instead of refused"): no answer, so her outbox tries again.
  it('a transient failure to read her DID record does not make the vendor refuse her proposal for good', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    const person = await startTestNode({ bootstrap })
    const vendor = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })
    await Promise.all([person, vendor].map(waitPublished))
    await person.agreements.setProfile({ email: 'v1@example.org' })

    // her node's record protocol: the first request gets a stream closed without an answer, the
    // next ones her record, as usual
    let asked = 0
    await person.network.libp2p.unhandle(RECORD_PROTOCOL)
    await person.network.libp2p.handle(RECORD_PROTOCOL, async (stream: Stream) => {
      if (asked++ === 0) { await stream.close(); return }
      await lpStream(stream).write(person.network.publisher.current()!)
      await stream.close()
    }, { maxInboundStreams: 4, runOnLimitedConnection: true })

    const refused: any[] = []
    vendor.onEvent(e => { if (e.type === 'agreement:refused') refused.push(e.data) })
    const a = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await waitFor('the vendor to have asked for her record', () => asked > 0)
    await waitFor('her node to get an answer', async () => {
      const r = (await person.agreements.get(a.id))!
      return r.state !== 'proposed' || r.outbox.length === 0 || r.outbox[0]!.attempts > 0
    })
    const mine = (await person.agreements.get(a.id))!
    // before the fix: 'rejected', rejection { code: 'UNREACHABLE', by: 'them' }, the vendor having stored nothing
    expect({ state: mine.state, rejection: mine.rejection }, JSON.stringify(refused)).toEqual({ state: expect.not.stringMatching(/^rejected$/), rejection: undefined })
    await until(person, a.id, 'active')
    await until(vendor, a.id, 'active')
  })
})
