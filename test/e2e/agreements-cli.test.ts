import { describe, it, expect } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, waitFor } from '../fixtures/node.ts'
import { follow, hearth, startDaemon } from '../fixtures/cli.ts'

const PASS = 'a long enough test passphrase'
const env = { HEARTH_PASSPHRASE: PASS }
const netFlags = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--lan', '--dht-mode', 'server', '--api-port', '0']

async function newRepo (accepts: string[] = []): Promise<{ repo: string, did: string }> {
  const repo = join(await tempDir(), 'repo')
  const r = await hearth(['--repo', repo, '--json', 'init', ...netFlags], { env })
  expect(r.code, r.stderr).toBe(0)
  if (accepts.length > 0) {
    const config = JSON.parse(await readFile(join(repo, 'config.json'), 'utf8'))
    config.agreements = { ...config.agreements, accepts }
    await writeFile(join(repo, 'config.json'), JSON.stringify(config))
  }
  return { repo, did: r.json.did }
}

describe('agreements through the hearth command', () => {
  it('propose, decide, share, verify and export, with an event for every state change', async () => {
    const alice = await newRepo()
    const shop = await newRepo(['SD-BASE', 'SD-BASE-A'])
    const da = await startDaemon(['--repo', alice.repo], env)
    await startDaemon(['--repo', shop.repo], env, ['--bootstrap', da.ready.listen[0]])
    const shopEvents = await follow(shop.repo)

    const terms = await hearth(['--repo', alice.repo, '--json', 'agree', 'terms', shop.did])
    expect(terms.code, terms.stderr).toBe(0)
    expect(terms.json).toMatchObject({ did: shop.did, accepts: ['SD-BASE', 'SD-BASE-A'] })

    expect((await hearth(['--repo', alice.repo, 'profile', 'set', 'email', 'alice@example.org'])).code).toBe(0)
    const proposed = await hearth(['--repo', alice.repo, '--json', 'agree', 'propose', shop.did, '--terms', 'SD-BASE', '--share', 'email', '--for', '30d'])
    expect(proposed.code, proposed.stderr).toBe(0)
    const id = proposed.json.id as string
    expect(proposed.json).toMatchObject({ state: 'proposed', counterparty: shop.did, terms: { termId: 'SD-BASE', share: ['email'] } })

    await waitFor('the shop to see the proposal', async () => (await hearth(['--repo', shop.repo, '--json', 'agreements'])).json?.agreements?.[0]?.awaiting === 'us')
    const human = await hearth(['--repo', shop.repo, 'agreements'])
    expect(human.stdout).toMatch(new RegExp(`${id}\\s+proposed\\s+SD-BASE\\s+${alice.did}\\s+you decide`))
    const accepted = await hearth(['--repo', shop.repo, '--json', 'agree', 'accept', id])
    expect(accepted.code, accepted.stderr).toBe(0)

    await waitFor('both sides active', async () => {
      const [a, s] = await Promise.all([alice, shop].map(async n => (await hearth(['--repo', n.repo, '--json', 'agree', 'show', id])).json?.state))
      return a === 'active' && s === 'active'
    })
    await waitFor('the shop to hold her email', async () => (await hearth(['--repo', shop.repo, '--json', 'agree', 'show', id])).json?.held?.fields?.email === 'alice@example.org')

    const moved = await hearth(['--repo', alice.repo, '--json', 'profile', 'set', 'email', 'alice@new.example'])
    expect(moved.json.pushes).toEqual([{ agreementId: id, counterparty: shop.did, fields: ['email'] }])
    await waitFor('the shop to hold the new email', async () => (await hearth(['--repo', shop.repo, '--json', 'agree', 'show', id])).json?.held?.fields?.email === 'alice@new.example')
    const profile = await hearth(['--repo', alice.repo, 'profile'])
    expect(profile.stdout).toContain(`${shop.did}  email under SD-BASE`)

    for (const n of [alice, shop]) {
      const v = await hearth(['--repo', n.repo, '--json', 'ledger', 'verify'])
      expect(v.code).toBe(0)
      expect(v.json).toMatchObject({ ok: true })
    }
    const record = await hearth(['--repo', alice.repo, 'agree', 'export', id])
    expect(record.code).toBe(0)
    expect(JSON.stringify(JSON.parse(record.stdout))).toContain(shop.did)
    const jwts = await hearth(['--repo', alice.repo, 'agree', 'export', id, '--format', 'jwt'])
    const messages = JSON.parse(jwts.stdout).messages as Array<{ kind: string, jwt: string }>
    expect(messages.map(m => m.kind)).toContain('vrm.AgreementConfirmation')

    const bad = await hearth(['--repo', alice.repo, '--json', 'agree', 'propose', shop.did, '--terms', 'NOT-A-TERM', '--for', '1d'])
    expect(bad.code).toBe(2)
    expect(bad.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('NOT-A-TERM') })
    const badFor = await hearth(['--repo', alice.repo, '--json', 'agree', 'propose', shop.did, '--terms', 'SD-BASE', '--for', 'soon'])
    expect(badFor.code).toBe(2)

    shopEvents.stop()
    const states = shopEvents.events.filter(e => e.type === 'agreement:state' && e.data.agreementId === id).map(e => e.data.state)
    expect(states).toEqual(['proposed', 'accepted', 'active'])
  })
})
