import { createHash } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir, waitFor } from '../fixtures/node.ts'
import { hearth, startDaemon } from '../fixtures/cli.ts'
import { listing } from './helpers.ts'

const PASS = 'a long enough test passphrase'
const env = { HEARTH_PASSPHRASE: PASS }
const netFlags = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--lan', '--dht-mode', 'server', '--api-port', '0']
// CLI runs use the default scrypt cost (2^17) several times each: allow for a loaded machine
const slow = { env, timeoutMs: 90_000 }

async function newRepo (dir: string, name: string, autoAccept: string[] = []): Promise<{ repo: string, did: string }> {
  const repo = join(dir, name)
  const r = await hearth(['--repo', repo, '--json', 'init', ...netFlags], slow)
  expect(r.code, r.stderr).toBe(0)
  if (autoAccept.length > 0) {
    const config = JSON.parse(await readFile(join(repo, 'config.json'), 'utf8'))
    config.agreements = { ...config.agreements, autoAccept }
    await writeFile(join(repo, 'config.json'), JSON.stringify(config))
  }
  return { repo, did: r.json.did }
}

const show = async (repo: string, id: string): Promise<any> => (await hearth(['--repo', repo, '--json', 'agree', 'show', id])).json

describe('hearth export and hearth restore --bundle', () => {
  it('exports a running node, refuses bad restores, and the restored node carries on with its vendor both ways', async () => {
    const dir = await tempDir('hearth-backup-cli-')
    const alice = await newRepo(dir, 'alice')
    const shop = await newRepo(dir, 'shop', ['SD-BASE'])
    const daemonA = await startDaemon(['--repo', alice.repo], env)
    const daemonS = await startDaemon(['--repo', shop.repo], env, ['--bootstrap', daemonA.ready.listen[0]])

    expect((await hearth(['--repo', alice.repo, 'profile', 'set', 'email', 'alice@example.org'])).code).toBe(0)
    const proposed = await hearth(['--repo', alice.repo, '--json', 'agree', 'propose', shop.did, '--terms', 'SD-BASE', '--share', 'email', '--for', '30d'])
    expect(proposed.code, proposed.stderr).toBe(0)
    const id = proposed.json.id as string
    await waitFor('both sides active, her email held', async () =>
      (await show(alice.repo, id))?.state === 'active' && (await show(shop.repo, id))?.held?.fields?.email === 'alice@example.org', 30_000)

    // export while the daemon runs (it holds the LevelDB lock and takes the snapshot)
    const out = join(dir, 'alice.hbk')
    const exported = await hearth(['--repo', alice.repo, '--json', 'export', '--out', out], slow)
    expect(exported.code, exported.stderr).toBe(0)
    expect(exported.json).toEqual({ file: out, bytes: expect.any(Number), entries: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })
    const bytes = await readFile(out)
    expect(exported.json.bytes).toBe(bytes.length)
    expect(exported.json.sha256).toBe(createHash('sha256').update(bytes).digest('hex'))
    expect((await stat(out)).mode & 0o777).toBe(0o600)
    // (it went through the daemon: opening the store directly fails while a daemon holds its lock)

    // never overwrites without --force
    const again = await hearth(['--repo', alice.repo, '--json', 'export', '--out', out], slow)
    expect(again.code).toBe(1)
    expect(again.json.error).toMatchObject({ code: 'REPO_EXISTS', message: expect.stringContaining('--force') })
    expect(await readFile(out)).toEqual(bytes)

    expect((await hearth(['--repo', alice.repo, 'stop'])).code).toBe(0)
    expect(await daemonA.exited).toBe(0)

    // refusals: nothing is written
    const moved = join(dir, 'moved', 'alice')
    const wrong = await hearth(['--repo', moved, '--json', 'restore', '--bundle', out], { ...slow, env: { HEARTH_PASSPHRASE: 'not her passphrase' } })
    expect(wrong.code).toBe(1)
    expect(wrong.json.error.code).toBe('WRONG_PASSPHRASE')
    const damaged = join(dir, 'damaged.hbk')
    const copy = Buffer.from(bytes)
    copy[copy.length - 100]! ^= 0xff
    await writeFile(damaged, copy)
    const bad = await hearth(['--repo', moved, '--json', 'restore', '--bundle', damaged], slow)
    expect(bad.code).toBe(1)
    expect(bad.json.error.code).toBe('WRONG_PASSPHRASE')
    expect(bad.stderr).toContain('altered or damaged')
    const truncated = join(dir, 'truncated.hbk')
    await writeFile(truncated, bytes.subarray(0, bytes.length - 10))
    const cut = await hearth(['--repo', moved, '--json', 'restore', '--bundle', truncated], slow)
    expect(cut.code).toBe(1)
    expect(cut.json.error).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('truncated') })
    const busy = join(dir, 'busy')
    await mkdir(busy)
    await writeFile(join(busy, 'keep.txt'), 'x')
    const nonEmpty = await hearth(['--repo', busy, '--json', 'restore', '--bundle', out], slow)
    expect(nonEmpty.code).toBe(1)
    expect(nonEmpty.json.error.code).toBe('REPO_EXISTS')
    expect(await listing(busy)).toEqual(['keep.txt'])
    const dry = await hearth(['--repo', moved, '--json', 'restore', '--bundle', out, '--dry-run'], slow)
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.json).toMatchObject({ dryRun: true, did: alice.did, agreements: 1, entries: exported.json.entries })
    const human = await hearth(['--repo', moved, 'restore', '--bundle', out, '--dry-run'], slow)
    expect(human.stdout).toContain('Nothing was written')
    expect(human.stdout).toMatch(/agreements\s+1/)
    expect(await listing(dir)).not.toContain('moved')
    const mixed = await hearth(['--repo', moved, '--json', 'restore', '--dry-run'], slow)
    expect(mixed.code).toBe(2)

    // the real restore, into a new directory
    const restored = await hearth(['--repo', moved, '--json', 'restore', '--bundle', out], slow)
    expect(restored.code, restored.stderr).toBe(0)
    expect(restored.json).toMatchObject({ dryRun: false, did: alice.did, peerId: daemonA.ready.peerId, agreements: 1, entries: exported.json.entries })

    // the same node, moved: same DID and PeerId, its agreement, a ledger that verifies
    const daemonA2 = await startDaemon(['--repo', moved], env, ['--bootstrap', daemonS.ready.listen[0]])
    expect(daemonA2.ready).toMatchObject({ did: alice.did, peerId: daemonA.ready.peerId })
    expect((await show(moved, id))).toMatchObject({ state: 'active', counterparty: shop.did })
    const verify = await hearth(['--repo', moved, '--json', 'ledger', 'verify'])
    expect(verify.code).toBe(0)
    expect(verify.json).toMatchObject({ ok: true })

    // both reach each other by DID, and agreement messages get through both ways
    const there = await hearth(['--repo', moved, '--json', 'connect', shop.did])
    expect(there.code, there.stderr).toBe(0)
    expect(there.json).toMatchObject({ did: shop.did })
    const back = await hearth(['--repo', shop.repo, '--json', 'connect', alice.did])
    expect(back.code, back.stderr).toBe(0)
    expect(back.json).toMatchObject({ did: alice.did, peerId: daemonA.ready.peerId })
    expect((await hearth(['--repo', moved, 'profile', 'set', 'email', 'alice@moved.example'])).code).toBe(0)
    await waitFor('the shop to hold her new email', async () => (await show(shop.repo, id))?.held?.fields?.email === 'alice@moved.example', 30_000)
    expect((await hearth(['--repo', shop.repo, 'agree', 'terminate', id, '--reason', 'test'])).code).toBe(0)
    await waitFor('the moved node to see the end', async () => (await show(moved, id))?.state === 'terminated', 30_000)
  })
})
