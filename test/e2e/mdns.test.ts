import { describe, it, expect } from 'vitest'
import { networkInterfaces } from 'node:os'
import { initTestRepo, waitFor, TEST_PASSPHRASE } from '../fixtures/node.ts'
import { createHearthNode } from '../../src/node.ts'
import type { HearthNode } from '../../src/node.ts'
import { onTestFinished } from 'vitest'

// mDNS needs a multicast-capable interface besides loopback; a machine without one cannot run this.
const hasLan = Object.values(networkInterfaces()).flat().some(i => i !== undefined && !i.internal && i.family === 'IPv4')

async function lanNode (): Promise<HearthNode> {
  const { repo } = await initTestRepo({ transport: 'tcp' })
  const node = await createHearthNode({
    repo,
    passphrase: TEST_PASSPHRASE,
    configure: c => { c.network.mdns = true; c.network.listen = ['/ip4/0.0.0.0/tcp/0']; return c }
  })
  onTestFinished(async () => { await node.stop() })
  await node.start()
  return node
}

describe('mDNS on the local network', () => {
  it.skipIf(!hasLan)('finds another Hearth node with no bootstrap, dials it and learns its DID', async () => {
    const a = await lanNode()
    const b = await lanNode()
    // whichever queries first after the other is up finds it (queries go out every 10 s)
    const knows = async (x: HearthNode, y: HearthNode): Promise<boolean> => (await x.contacts()).some(c => c.did === y.did)
    await waitFor('one node to find the other over mDNS', async () => await knows(a, b) || await knows(b, a), 25_000)
    const [finder, found] = await knows(b, a) ? [b, a] : [a, b]
    expect((await finder.contacts()).find(c => c.did === found.did)).toMatchObject({ source: 'mdns', peerIds: [found.peerId] })
    expect(await finder.connect(found.did)).toMatchObject({ did: found.did, peerId: found.peerId, via: 'connected' })
  }, 40_000)
})
