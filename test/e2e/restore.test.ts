import { describe, it, expect } from 'vitest'
import { initTestRepo, startTestNode, waitPublished } from '../fixtures/node.ts'

describe('restore from the recovery phrase', () => {
  it('gives the same DID on a new device, whose newer record makes connect-by-DID reach it', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    const original = await initTestRepo({ bootstrap })
    const laptop = await startTestNode({ repo: original.repo })
    const friend = await startTestNode({ bootstrap })
    await Promise.all([waitPublished(laptop), waitPublished(friend)])

    expect(await friend.connect(laptop.did)).toMatchObject({ did: laptop.did, peerId: laptop.peerId })
    const oldSeq = laptop.network.publisher.status().seq
    await laptop.stop()

    // The laptop is gone; she restores her phrase on a Raspberry Pi.
    const restored = await initTestRepo({ bootstrap, mnemonic: original.mnemonic! })
    expect(restored.did).toBe(original.did)
    expect(restored.peerId).not.toBe(original.peerId)
    expect(restored.mnemonic).toBeUndefined()
    const pi = await startTestNode({ repo: restored.repo })
    await waitPublished(pi)
    expect(pi.did).toBe(laptop.did)
    expect(pi.network.publisher.status().seq).toBeGreaterThan(oldSeq)

    const again = await friend.connect(laptop.did)
    expect(again).toMatchObject({ did: laptop.did, peerId: pi.peerId })
    const contact = (await friend.contacts()).find(c => c.did === laptop.did)
    expect(contact?.peerIds).toEqual([pi.peerId])
  })
})
