import { randomBytes } from 'node:crypto'
import { describe, it, expect } from 'vitest'
import { startTestNode, waitFor, waitPublished } from '../fixtures/node.ts'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import { newRandomId } from '../../src/messages/sign.ts'
import { categoryTopic } from '../../src/intentcast/topics.ts'
import { signIntentcast } from '../../src/intentcast/wire.ts'
import { intentTerms } from '../../src/intentcast/context.ts'

/**
 * Issue 4, a flood of intents on a topic: 3,000 valid intents, each from a fresh key, as fast
 * as one node can publish them. The vendor holds at most its configured number, every hop
 * rate-limits the topic, memory stays bounded, and the vendor keeps answering.
 */
describe('a flood of intents on a category topic', () => {
  it('the vendor stores at most its limit and stays responsive', async () => {
    const hub = await startTestNode({ configure: c => { c.intentcast.router = true; return c } })
    const bootstrap = [hub.network.addresses()[0]!]
    const [vendor, attacker, person] = await Promise.all([
      startTestNode({ bootstrap, configure: c => { c.intentcast.vendor.categories = ['bicycles']; c.intentcast.vendor.maxIntents = 100; c.intentcast.vendor.maxIntentsPerSecond = 20; return c } }),
      startTestNode({ bootstrap }),
      startTestNode({ bootstrap })
    ])
    await Promise.all([vendor, attacker, person].map(waitPublished))
    const topic = categoryTopic('bicycles')
    await waitFor('the attacker to see subscribers', () => attacker.network.libp2p.services.pubsub.getSubscribers(topic).length > 0)

    const now = Math.floor(Date.now() / 1000)
    const intents = Array.from({ length: 3000 }, (_, i) => signIntentcast(ed25519FromSeed(randomBytes(32)), {
      kind: 'vrm.Intent',
      exp: now + 600,
      body: { intentId: newRandomId(), seq: 1, what: `Flood intent number ${i} for bikes`, category: 'bicycles', terms: intentTerms(), replyKey: randomBytes(32).toString('base64url'), expiresAt: new Date((now + 600) * 1000).toISOString() }
    }).jwt)

    const heapBefore = process.memoryUsage().heapUsed
    let slowest = 0
    let probing = true
    // while the flood runs, the vendor answers its own status and a peer's ping
    const probe = (async () => {
      while (probing) {
        const t = performance.now()
        await vendor.status()
        await person.network.ping(vendor.did).catch(() => {})
        slowest = Math.max(slowest, performance.now() - t)
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    })()
    const pubsub = attacker.network.libp2p.services.pubsub
    for (let i = 0; i < intents.length; i += 100) {
      await Promise.all(intents.slice(i, i + 100).map(async jwt => await pubsub.publish(topic, new TextEncoder().encode(jwt)).catch(() => {})))
    }
    await new Promise(resolve => setTimeout(resolve, 2000))
    probing = false
    await probe

    const held = (await vendor.intentcast.vendor.intents()).length
    const status = await vendor.intentcast.status()
    const hubStatus = await hub.intentcast.status()
    // bounded: at most its limit stored, and the topic rate limit cut the rest on the way
    expect(held).toBeLessThanOrEqual(100)
    expect(held).toBeGreaterThan(0)
    expect((status.refused.RATE_LIMITED ?? 0) + (status.refused.STORE_FULL ?? 0) + (status.refused.rate ?? 0) + (hubStatus.refused.rate ?? 0)).toBeGreaterThan(0)
    expect((await vendor.store.entries(vendor.store.market)).length).toBe(held)
    // responsive: each status + ping round stayed well under the 10 s a client waits
    expect(slowest).toBeLessThan(5000)
    // memory: the nodes of this test together grew by far less than the flood's size would allow unbounded
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(300 * 1024 * 1024)
  }, 120_000)
})
