import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exportBundle, restoreBundle } from '../../src/backup/index.ts'
import type { HearthNode } from '../../src/node.ts'
import { TEST_PASSPHRASE, TEST_SCRYPT_LOG_N, startTestNode, tempDir, waitFor, waitPublished } from '../fixtures/node.ts'
import { rawEntries, repoPaths } from './helpers.ts'

const until = async (node: HearthNode, id: string, want: string): Promise<void> => {
  await waitFor(`agreement ${id} ${want} on ${node.did.slice(-6)}`, async () => (await node.agreements.get(id))?.state === want, 20_000)
}

describe('export a stopped node, restore it elsewhere: the same node, moved', () => {
  it('every entry of every sublevel comes back; same DID and PeerId; its agreement, intent and ledger continue with the vendor both ways', async () => {
    const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
    const bootstrap = [hub.network.addresses()[0]!]
    const alice = await startTestNode({ bootstrap })
    const shop = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'], configure: c => { c.intentcast.vendor.categories = ['electronics']; return c } })
    await Promise.all([alice, shop].map(waitPublished))

    await alice.agreements.setProfile({ email: 'alice@example.org' })
    const { id } = await alice.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: ['email'], purposes: [], validForMs: 3600_000 })
    await until(alice, id, 'active')
    await waitFor('every message acknowledged', async () => (await alice.agreements.get(id))?.pending.length === 0)
    await waitFor('the shop to hold her email', async () => (await shop.agreements.held(id))?.fields.email === 'alice@example.org')
    const intent = await alice.intentcast.person.create({ what: 'a 27-inch monitor', category: 'electronics', expiresInSeconds: 3600 })
    await waitFor('the shop to hold her intent', async () => (await shop.intentcast.vendor.intents()).length === 1)
    const offer = await shop.intentcast.vendor.offer(intent.id, {
      items: [{ name: 'Monitor 27"', quantity: 1, price: { amount: '199', currency: 'EUR' } }], total: { amount: '199', currency: 'EUR' },
      fulfilment: { method: 'delivery' }, validForSeconds: 3600,
      proposedAgreement: { termId: 'SD-BASE', share: ['email'], purposes: ['dpv:ServiceProvision'], validForSeconds: 86400 }
    })
    await waitFor('her node to hold the offer', async () => (await alice.intentcast.person.offers()).length === 1)

    const { did, peerId, repo } = alice
    await alice.stop()
    const source = await rawEntries(repoPaths(repo).datastore)

    const dir = await tempDir('hearth-moved-')
    const exported = await exportBundle({ repo, passphrase: TEST_PASSPHRASE, out: join(dir, 'alice.hbk'), scryptLogN: TEST_SCRYPT_LOG_N })
    expect(exported).toMatchObject({ did, peerId, entries: source.length, bytes: (await stat(exported.file)).size })
    expect((await stat(exported.file)).mode & 0o777).toBe(0o600)

    const moved = join(dir, 'pi', 'hearth')
    const restored = await restoreBundle({ bundle: exported.file, repo: moved, passphrase: TEST_PASSPHRASE })
    expect(restored).toMatchObject({ did, peerId, entries: source.length, agreements: 1 })
    expect(restored.sublevels.intents).toBe(1)
    expect(restored.sublevels.offers).toBe(1)

    // byte for byte: every key and value of every sublevel, libp2p's datastore included
    expect(await rawEntries(repoPaths(moved).datastore)).toEqual(source)
    expect(await readFile(repoPaths(moved).keystore)).toEqual(await readFile(repoPaths(repo).keystore))
    expect(JSON.parse(await readFile(repoPaths(moved).config, 'utf8'))).toEqual(JSON.parse(await readFile(repoPaths(repo).config, 'utf8')))
    for (const file of [repoPaths(moved).keystore, repoPaths(moved).config]) expect((await stat(file)).mode & 0o777).toBe(0o600)
    for (const d of [moved, repoPaths(moved).keystoreDir]) expect((await stat(d)).mode & 0o777).toBe(0o700)

    const pi = await startTestNode({ repo: moved })
    expect(pi.did).toBe(did)
    expect(pi.peerId).toBe(peerId)
    expect(await pi.agreements.get(id)).toMatchObject({ state: 'active', counterparty: shop.did })
    expect(await pi.ledger.verify()).toMatchObject({ ok: true })
    expect((await pi.intentcast.person.list()).map(i => i.id)).toContain(intent.id)
    expect((await pi.intentcast.person.offers(intent.id)).map(o => o.id)).toEqual([offer.id])

    // she reaches the shop by DID, and the shop reaches her by DID (the same PeerId, now on the Pi)
    expect(await pi.connect(shop.did)).toMatchObject({ did: shop.did })
    expect(await shop.connect(did)).toMatchObject({ did, peerId })
    // agreement messages go through both ways: her profile change (acknowledged by the shop) ...
    await pi.agreements.setProfile({ email: 'alice@pi.example' })
    await waitFor('the shop to hold the new email', async () => (await shop.agreements.held(id))?.fields.email === 'alice@pi.example', 20_000)
    await waitFor('the shop to acknowledge it', async () => (await pi.agreements.get(id))?.sharedVersion === 2, 20_000)
    // ... and the shop ending the agreement
    await shop.agreements.terminate(id, 'moving test')
    await until(pi, id, 'terminated')
    await until(shop, id, 'terminated')
    expect(await pi.ledger.verify()).toMatchObject({ ok: true })
    // the intent's keys came back with it (derived from the seed and the stored label): she can
    // still accept the offer made before the move, and that agreement forms too
    const { agreement } = await pi.intentcast.person.accept(offer.id)
    await until(shop, agreement!.id, 'active')
    expect((await shop.intentcast.vendor.sent())[0]).toMatchObject({ id: offer.id, status: 'accepted', agreementId: agreement!.id })
  })
})
