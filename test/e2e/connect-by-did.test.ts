import { describe, it, expect } from 'vitest'
import { startTestNode, waitPublished, waitFor } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'
import type { HearthConfig } from '../../src/repo/index.ts'

const bootstrapAddr = (node: HearthNode): string => node.network.addresses()[0]!

describe('connect by DID', () => {
  it('connects through one bootstrap peer to a node given only its DID, and again after every node restarts', async () => {
    const hub = await startTestNode()
    const nodes: HearthNode[] = [hub]
    for (let i = 1; i < 10; i++) nodes.push(await startTestNode({ bootstrap: [bootstrapAddr(hub)] }))
    await Promise.all(nodes.slice(1).map(waitPublished))

    const [a, z] = [nodes[1]!, nodes[9]!]
    expect(await a.contacts()).toEqual([])
    // DHT traffic may already have connected them; start from no connection so the DHT record is what finds z
    await a.network.libp2p.hangUp(z.network.libp2p.peerId)
    const first = await a.connect(z.did)
    expect(first).toMatchObject({ did: z.did, peerId: z.peerId, via: 'dht' })
    expect(a.peers().some(p => p.peerId === z.peerId && p.did === z.did)).toBe(true)
    expect((await a.contacts()).map(c => c.did)).toEqual([z.did])

    const before = nodes.map(n => ({ repo: n.repo, did: n.did, peerId: n.peerId }))
    await Promise.all(nodes.map(async n => { await n.stop() }))

    const restarted: HearthNode[] = []
    for (const b of before) restarted.push(await startTestNode({ repo: b.repo }))
    expect(restarted.map(n => ({ repo: n.repo, did: n.did, peerId: n.peerId }))).toEqual(before)

    // a remembers z (its contact cache, or the peer store already redialled it); another node
    // that never met z finds it through the DHT again
    const [a2, z2, c2] = [restarted[1]!, restarted[9]!, restarted[5]!]
    await Promise.all(restarted.slice(1).map(waitPublished))
    expect(await a2.connect(z2.did)).toMatchObject({ did: z2.did, peerId: z2.peerId, via: expect.stringMatching(/^(cache|connected)$/) })
    expect(await c2.connect(z2.did)).toMatchObject({ did: z2.did, peerId: z2.peerId, via: expect.stringMatching(/^(dht|connected)$/) })
    await waitFor('z to see both', () => z2.peers().length >= 3)
  }, 60_000)

  it('finds the DID among peers it is already connected to when the DHT cannot help', async () => {
    // two home nodes in DHT client mode: nobody serves the DHT, but Bob bootstrapped to Alice
    const client = (c: HearthConfig): HearthConfig => { c.network.dhtMode = 'client'; return c }
    const alice = await startTestNode({ configure: client })
    const bob = await startTestNode({ bootstrap: [bootstrapAddr(alice)], configure: client })
    await waitFor('bob to reach his bootstrap peer', () => bob.peers().length > 0)
    expect(await bob.connect(alice.did)).toMatchObject({ did: alice.did, peerId: alice.peerId, via: 'connected' })
    expect((await bob.contacts()).map(c => c.did)).toEqual([alice.did])
  })

  it('says why when there is no way to reach a DID', async () => {
    const hub = await startTestNode()
    const a = await startTestNode({ bootstrap: [bootstrapAddr(hub)] })
    await waitPublished(a)
    const stranger = 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp'
    await expect(a.connect(stranger)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no record'), details: { reason: 'no-record' } })
    await expect(a.connect('did:key:nope')).rejects.toMatchObject({ code: 'INVALID_DID' })
    await expect(a.connect(a.did)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('says why a DID it found cannot be reached: no relay, or all dials failed', async () => {
    // only the hub serves the DHT, so that nobody else gets connected to anybody by DHT traffic
    const hub = await startTestNode()
    const boot = [bootstrapAddr(hub)]
    const home = (announce: string) => (c: HearthConfig): HearthConfig => {
      c.network.dhtMode = 'client'
      c.network.announce = [announce]
      c.network.relayReservations = 0
      return c
    }
    // a home behind NAT with no relay: its record lists only an address of its own LAN
    const lonely = await startTestNode({ bootstrap: boot, configure: home('/ip4/127.0.0.1/tcp/1') })
    // a home whose record lists a relay that does not relay for it (the hub serves no relay)
    const stale = await startTestNode({ bootstrap: boot, configure: home(`/ip4/127.0.0.1/tcp/1/p2p/${hub.peerId}/p2p-circuit`) })
    const bob = await startTestNode({ bootstrap: boot, configure: c => { c.network.dhtMode = 'client'; return c } })
    await Promise.all([lonely, stale, bob].map(waitPublished))

    const noRelay = await bob.connect(lonely.did).then(() => undefined, (err: unknown) => err)
    expect(noRelay).toMatchObject({ code: 'UNREACHABLE', details: { reason: 'no-relay' } })
    expect((noRelay as Error).message).toMatch(/^found did:key:\S+ but could not reach it: no relay: it lists only private .*\/ip4\/127\.0\.0\.1\/tcp\/1.* and no relay address/)

    const failed = await bob.connect(stale.did).then(() => undefined, (err: unknown) => err)
    expect(failed).toMatchObject({ code: 'UNREACHABLE', details: { reason: 'all-dials-failed' } })
    expect((failed as Error).message).toMatch(/^found did:key:\S+ but could not reach it: all dials failed, including through its relay \(dht /)
  })
})
