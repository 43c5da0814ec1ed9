/**
 * Friends' relays, in-process (TCP on 127.0.0.1, no root needed): the same code paths as the
 * namespace lab (test/nat/lab.test.ts), where the NATs are real. A "home behind NAT" here listens
 * on no address at all: it can dial out, nobody can dial it.
 */
import { describe, it, expect } from 'vitest'
import { startTestNode, waitFor } from '../fixtures/node.ts'
import type { HearthNode } from '../../src/node.ts'
import type { HearthConfig } from '../../src/repo/index.ts'
import { DEFAULT_RELAY_LIMITS } from '../../src/network/relay-service.ts'
import { flood, serveSink } from './flood.ts'

/** A friend with a relay for its contacts (forced on: loopback addresses are never "public"). */
const friendConfig = (c: HearthConfig): HearthConfig => { c.network.relay = 'on'; return c }
/** A home behind NAT: it dials out, listens nowhere, serves no DHT. */
const homeConfig = (c: HearthConfig): HearthConfig => { c.network.listen = []; c.network.dhtMode = 'client'; return c }

/** Friends: each made the other a contact (connect by DID over the connection they have). */
async function befriend (a: HearthNode, b: HearthNode): Promise<void> {
  await a.connect(b.did)
  await b.connect(a.did)
}

async function homeBehindNat (friend: HearthNode): Promise<HearthNode> {
  const home = await startTestNode({ transport: 'tcp', bootstrap: [friend.network.addresses()[0]!], configure: homeConfig })
  await waitFor('the home to reach its bootstrap friend', () => home.peers().length > 0)
  return home
}

/** Reserved on `relay`, and the DID record that lists the relay address is out in the DHT. */
async function reservedAndPublished (home: HearthNode, relay: HearthNode): Promise<void> {
  await waitFor('a reservation', async () => (await home.status()).relays?.some(r => r.peerId === relay.peerId && r.status === 'reserved') === true)
  await waitFor('the relay address in the published record', () => {
    const record = home.network.publisher.status()
    return record.publishedAt !== undefined && record.addresses?.some(a => a.includes(`/p2p/${relay.peerId}/p2p-circuit`)) === true
  })
}

describe('homes behind NAT, in-process', () => {
  it('reach each other by DID through a friend\'s relay, and ping over it; status and peers say how', async () => {
    const friend = await startTestNode({ transport: 'tcp', configure: friendConfig })
    const alice = await homeBehindNat(friend)
    const bob = await homeBehindNat(friend)
    await befriend(friend, alice)
    await befriend(friend, bob)
    await reservedAndPublished(alice, friend)

    // bob has never met alice: her DID record (in the friend's DHT) lists the relay address
    const r = await bob.connect(alice.did)
    expect(r).toMatchObject({ did: alice.did, peerId: alice.peerId, via: 'dht' })
    expect(r.remoteAddr).toBe(`${friend.network.addresses()[0]!}/p2p-circuit/p2p/${alice.peerId}`)
    expect(bob.peers()).toContainEqual(expect.objectContaining({
      peerId: alice.peerId, did: alice.did, path: 'relayed', limited: true, relay: { peerId: friend.peerId, did: friend.did }
    }))

    // a Hearth protocol round trip over the relayed connection (the record fetch above was one too)
    const p = await bob.network.ping(alice.did)
    expect(p).toMatchObject({ peerId: alice.peerId, path: 'relayed' })
    expect(p.ms).toBeLessThan(1000)
    // and the other way, over the same connection
    await waitFor('alice to learn bob\'s DID', () => alice.peers().some(x => x.peerId === bob.peerId))
    expect((await alice.network.ping(bob.peerId)).path).toBe('relayed')

    const as = await alice.status()
    expect(as).toMatchObject({ reachability: 'relayed', publicAddresses: [], dht: { mode: 'client' } })
    expect(as.relays).toContainEqual(expect.objectContaining({ peerId: friend.peerId, did: friend.did, status: 'reserved' }))
    expect(as.relayService).toMatchObject({ mode: 'auto', active: false })
    const fs = await friend.status()
    expect(fs.relayService).toMatchObject({ mode: 'on', active: true, cutOff: [] })
    expect(fs.relayService?.reservations.map(x => x.did).sort()).toEqual([alice.did, bob.did].sort())
    expect(fs.relayService?.limits).toEqual({
      maxReservations: DEFAULT_RELAY_LIMITS.maxReservations,
      bytesPerConnection: Number(DEFAULT_RELAY_LIMITS.dataPerCircuit),
      secondsPerConnection: DEFAULT_RELAY_LIMITS.durationPerCircuitMs / 1000,
      bytesPerPeerPerMinute: DEFAULT_RELAY_LIMITS.abuseBytesPerWindow
    })
  })

  it('refuses a relay reservation to a stranger, and says so on both sides', async () => {
    const friend = await startTestNode({ transport: 'tcp', configure: friendConfig })
    const stranger = await homeBehindNat(friend)
    // the stranger knows the friend (it is its bootstrap peer and it connected by DID), not the other way round
    await stranger.connect(friend.did)
    await waitFor('the stranger to be refused', async () => (await stranger.status()).relays?.some(r => r.status === 'refused') === true)
    const ss = await stranger.status()
    expect(ss.reachability).toBe('private')
    expect(ss.relays).toEqual([expect.objectContaining({ peerId: friend.peerId, did: friend.did, status: 'refused', error: expect.stringMatching(/permission denied/) })])
    const fs = await friend.status()
    expect(fs.relayService?.reservations).toEqual([])
    expect(fs.relayService?.refused).toBeGreaterThanOrEqual(1)
    expect(fs.relayService?.recentRefusals).toContainEqual(expect.objectContaining({ peerId: stranger.peerId, reason: 'not a contact' }))
    expect(stranger.network.addresses().some(a => a.includes('/p2p-circuit'))).toBe(false)

    // once the friend makes it a contact, the next attempt succeeds without waiting for a retry timer
    await friend.connect(stranger.did)
    await stranger.connect(friend.did)
    await waitFor('the reservation', async () => (await stranger.status()).reachability === 'relayed', 5_000)
  })

  it('cuts off a contact that floods through the relay; the others keep using it', async () => {
    const friend = await startTestNode({ transport: 'tcp', configure: friendConfig })
    const alice = await homeBehindNat(friend)
    const accomplice = await homeBehindNat(friend)
    const mallory = await homeBehindNat(friend)
    for (const n of [alice, accomplice, mallory]) await befriend(friend, n)
    const sink = await serveSink(accomplice)
    await reservedAndPublished(accomplice, friend)
    await reservedAndPublished(alice, friend)

    const heapBefore = process.memoryUsage().heapUsed
    const budget = DEFAULT_RELAY_LIMITS.abuseBytesPerWindow
    const result = await flood(mallory, accomplice.did, { bytes: 16 * budget, ms: 20_000 })
    // the relay resets each relayed connection after dataPerCircuit bytes, and once mallory has
    // pushed its per-minute budget it is cut off: the reconnect is refused
    expect(result.stopped).toMatch(/PERMISSION_DENIED/)
    expect(result.circuits).toBeGreaterThan(1)
    expect(sink.received()).toBeGreaterThan(budget / 2)
    expect(sink.received()).toBeLessThan(budget + 2 * Number(DEFAULT_RELAY_LIMITS.dataPerCircuit))
    const fs = await friend.status()
    expect(fs.relayService?.cutOff).toEqual([expect.objectContaining({ peerId: mallory.peerId, did: mallory.did, reason: expect.stringMatching(/bytes through the relay/) })])
    expect(fs.relayService?.reservations.map(x => x.did)).not.toContain(mallory.did)
    // what the flood left behind is far less than what it tried to push (16 x budget)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(8 * budget)

    // everyone else still gets through
    const r = await accomplice.connect(alice.did)
    expect(r.remoteAddr).toContain('/p2p-circuit')
    expect((await accomplice.network.ping(alice.did)).path).toBe('relayed')
  })
})
