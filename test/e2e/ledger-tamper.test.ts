/**
 * Issue 3, "What must be shown": editing, removing or reordering one ledger entry in LevelDB
 * makes `ledger verify` fail and name the entry. Two real nodes make a real agreement; the
 * vendor is stopped; its LevelDB is changed by hand, the way someone with the disk would; the
 * vendor is started again on the same repo and its ledger (and once, the `hearth` command
 * against a daemon) must name what changed.
 */
import { describe, it, expect } from 'vitest'
import { entryHash } from '../../src/ledger/index.ts'
import type { VerifyResult } from '../../src/ledger/index.ts'
import type { HearthNode } from '../../src/node.ts'
import { startTestNode, waitFor, TEST_PASSPHRASE } from '../fixtures/node.ts'
import { hearth, startDaemon } from '../fixtures/cli.ts'
import { withRawLedger } from '../fixtures/ledger-db.ts'

/**
 * A person and a vendor (auto-accepting SD-BASE) make an agreement and she shares her email:
 * 8 entries in the vendor's ledger, every message acknowledged. Then the vendor is stopped.
 *   1 received Proposal  2 sent Ack  3 sent Acceptance  4 received Ack
 *   5 received Confirmation  6 sent Ack  7 received Event (dataShared)  8 sent Ack
 * (4 can come after 5 and 6: the person's confirmation may overtake the Ack of the acceptance.)
 */
async function stoppedVendorWithAgreement (): Promise<{ vendor: HearthNode, repo: string, kinds: string[] }> {
  const vendor = await startTestNode({ autoAccept: ['SD-BASE'] })
  const person = await startTestNode()
  await person.connect(vendor.identity().invitation)
  await person.agreements.setProfile({ email: 'alice@example.org' })
  const { id } = await person.agreements.propose({ to: vendor.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
  await waitFor('the agreement to be active with her email held by the vendor', async () =>
    (await vendor.agreements.get(id))?.state === 'active' && (await vendor.agreements.held(id))?.fields.email === 'alice@example.org')
  await waitFor('every message of hers to be acknowledged', async () => {
    const mine = await person.agreements.get(id)
    return mine?.state === 'active' && mine.pending.length === 0 && mine.outbox.length === 0
  })
  const entries = await vendor.ledger.entries()
  expect(await vendor.ledger.verify()).toEqual({ ok: true, count: 8, head: { index: 8, hash: entries[7]!.hash } })
  await vendor.stop()
  return { vendor, repo: vendor.repo, kinds: entries.map(e => `${e.direction} ${e.kind}`) }
}

/** The vendor again, on the same (changed) repo, and what its ledger says. */
async function reopenAndVerify (repo: string): Promise<VerifyResult> {
  const vendor = await startTestNode({ repo })
  return await vendor.ledger.verify()
}

type Problem = { index: number, kind: string, detail: string }
const problemsOf = (r: VerifyResult): Problem[] => {
  expect(r.ok).toBe(false)
  return r.ok ? [] : r.problems
}

describe('ledger tamper: a change made in LevelDB is found and named by ledger verify', () => {
  it('the untouched ledger verifies after a restart (control)', async () => {
    const { repo, kinds } = await stoppedVendorWithAgreement()
    expect(kinds.slice().sort()).toEqual([
      'received vrm.AgreementProposal', 'sent vrm.Ack', 'sent vrm.AgreementAcceptance', 'received vrm.Ack',
      'received vrm.AgreementConfirmation', 'sent vrm.Ack', 'received vrm.AgreementEvent', 'sent vrm.Ack'
    ].sort())
    expect(kinds.slice(0, 3)).toEqual(['received vrm.AgreementProposal', 'sent vrm.Ack', 'sent vrm.AgreementAcceptance'])
    expect(kinds.slice(6)).toEqual(['received vrm.AgreementEvent', 'sent vrm.Ack'])
    expect(await reopenAndVerify(repo)).toMatchObject({ ok: true, count: 8 })
  })

  it('editing a hashed field of one entry (backdating the acceptance, entry 3) names entry 3 as edited', async () => {
    const { repo } = await stoppedVendorWithAgreement()
    await withRawLedger(repo, async l => {
      const e = await l.entry(3)
      await l.put(3, { ...e, at: e.at - 86_400_000 })
    })
    const problems = problemsOf(await reopenAndVerify(repo))
    expect(problems[0]).toMatchObject({ index: 3, kind: 'edited' })
    expect(problems[0]!.detail).toContain('entry 3')
    expect(problems.every(p => p.index === 3)).toBe(true)
  })

  it('editing the signed message of one entry (the data event\'s JWT) names that entry as edited', async () => {
    const { repo, kinds } = await stoppedVendorWithAgreement()
    const event = kinds.indexOf('received vrm.AgreementEvent') + 1
    expect(event).toBeGreaterThan(1)
    await withRawLedger(repo, async l => {
      const e = await l.entry(event)
      // the JWT is not in the hash (so erased data can be redacted), its message id is: swap in
      // another token, here the proposal's (a data event claiming to be something else)
      const other = await l.entry(1)
      await l.put(event, { ...e, jwt: other.jwt })
    })
    const problems = problemsOf(await reopenAndVerify(repo))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ index: event, kind: 'edited' })
    expect(problems[0]!.detail).toMatch(new RegExp(`entry ${event} .*not the id of its jwt`))
  })

  it('editing an entry and recomputing its own hash (entry 5) still names entry 5: its successor links to the original', async () => {
    const { repo } = await stoppedVendorWithAgreement()
    await withRawLedger(repo, async l => {
      const e = await l.entry(5)
      const changed: Record<string, unknown> = { ...e, direction: 'sent' }
      changed.hash = entryHash(changed)
      await l.put(5, changed)
    })
    const problems = problemsOf(await reopenAndVerify(repo))
    expect(problems[0]).toMatchObject({ index: 5, kind: 'edited' })
    expect(problems[0]!.detail).toContain('entry 6 still links to the original')
  })

  it('removing one middle entry (entry 4) names entry 4 as removed', async () => {
    const { repo } = await stoppedVendorWithAgreement()
    await withRawLedger(repo, async l => {
      await l.del(4)
      expect(await l.keys()).not.toContain('000000000004')
    })
    const problems = problemsOf(await reopenAndVerify(repo))
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatchObject({ index: 4, kind: 'removed' })
    expect(problems[0]!.detail).toContain('entry 4 is missing')
  })

  it('reordering two entries (swapping entries 3 and 6) names both as reordered', async () => {
    const { repo } = await stoppedVendorWithAgreement()
    await withRawLedger(repo, async l => {
      const three = (await l.get(3))!
      const six = (await l.get(6))!
      await l.put(3, six)
      await l.put(6, three)
    })
    const problems = problemsOf(await reopenAndVerify(repo))
    expect(problems.map(p => [p.index, p.kind])).toEqual([[3, 'reordered'], [6, 'reordered']])
    expect(problems[0]!.detail).toContain('entry 3 is stored at position 6')
  })

  it('through the real `hearth ledger verify --json` against a daemon: passes (exit 0), then after one entry is removed fails (exit 1) naming it', async () => {
    const { repo } = await stoppedVendorWithAgreement()
    const env = { HEARTH_PASSPHRASE: TEST_PASSPHRASE }
    // the test repo listens on the in-process memory transport; the daemon runs TCP
    const flags = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']

    let daemon = await startDaemon(['--repo', repo], env, flags)
    const ok = await hearth(['--repo', repo, '--json', 'ledger', 'verify'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.json).toMatchObject({ ok: true, count: 8 })
    daemon.child.kill('SIGTERM') // a graceful stop: LevelDB closed, its lock released
    expect(await daemon.exited).toBe(0)

    await withRawLedger(repo, async l => { await l.del(5) })

    daemon = await startDaemon(['--repo', repo], env, flags)
    const bad = await hearth(['--repo', repo, '--json', 'ledger', 'verify'])
    expect(bad.code).toBe(1)
    expect(bad.json.ok).toBe(false)
    expect(bad.json.problems[0]).toMatchObject({ index: 5, kind: 'removed' })
    expect(bad.json.problems[0].detail).toContain('entry 5 is missing')
    // the daemon is killed when the test ends (startDaemon)
  })
})
