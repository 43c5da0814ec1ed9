import { describe, it, expect } from 'vitest'
import { startTestNode, waitPublished } from '../fixtures/node.ts'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import { createDidRecord, recordKey, verifyDidRecord, MAX_RECORD_BYTES } from '../../src/network/index.ts'
import type { HearthNode } from '../../src/node.ts'

/** Every record value a node's DHT datastore holds, as raw bytes. */
async function storedValues (node: HearthNode): Promise<Buffer[]> {
  const out: Buffer[] = []
  for await (const { value } of node.store.datastore.query({ prefix: '/dht/record' })) out.push(Buffer.from(value))
  return out
}
const holds = (values: Buffer[], bytes: Uint8Array): boolean => values.some(v => v.includes(Buffer.from(bytes)))

describe('DID records in the DHT', () => {
  it('every node refuses forged, stale, expired and oversized records, and readers still get the real one', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    const victim = await startTestNode({ bootstrap })
    const mallory = await startTestNode({ bootstrap })
    const others = [hub, victim]
    for (let i = 0; i < 3; i++) others.push(await startTestNode({ bootstrap }))
    await Promise.all([victim, mallory, ...others].map(waitPublished))

    const older = victim.network.publisher.current()!
    await victim.network.publisher.publish()
    const newest = victim.network.publisher.current()!
    expect(verifyDidRecord(newest, victim.did).seq).toBeGreaterThan(verifyDidRecord(older, victim.did).seq)

    const attacker = ed25519FromSeed(new Uint8Array(32).fill(7))
    const devices = [{ peerId: mallory.peerId, addrs: mallory.network.addresses().map(a => a.replace(/\/p2p\/.*/, '')) }]
    const bad = {
      forged: createDidRecord({ ...attacker, did: victim.did }, { seq: Date.now() + 10_000, exp: Date.now() + 3600_000, devices }),
      stale: older,
      expired: createDidRecord({ ...attacker, did: victim.did }, { seq: Date.now() + 10_000, exp: Date.now() - 1, devices }),
      oversized: new Uint8Array(MAX_RECORD_BYTES + 100)
    }
    const key = recordKey(victim.did)
    for (const [name, value] of Object.entries(bad)) {
      let accepted = 0
      for await (const ev of mallory.network.libp2p.services.dht.put(key, value, { signal: AbortSignal.timeout(10_000) })) {
        if (ev.name === 'PEER_RESPONSE' && ev.messageName === 'PUT_VALUE') accepted++
      }
      expect({ name, accepted }).toEqual({ name, accepted: 0 })
    }
    for (const node of others) {
      const values = await storedValues(node)
      for (const [name, value] of Object.entries(bad)) expect({ node: node.did.slice(-6), name, held: holds(values, value) }).toMatchObject({ held: false })
    }
    const reader = others.at(-1)!
    const got = await reader.network.libp2p.contentRouting.get(key, { signal: AbortSignal.timeout(10_000) })
    // the victim's own, newest record (it may have republished since: never an older one)
    const real = verifyDidRecord(got, victim.did)
    expect(real.devices.map(d => d.peerId)).toEqual([victim.peerId])
    expect(real.seq).toBeGreaterThanOrEqual(verifyDidRecord(newest, victim.did).seq)
    expect(await reader.connect(victim.did)).toMatchObject({ peerId: victim.peerId })
  })
})
