import { describe, it, expect } from 'vitest'
import { skipRepeatedProtocolMerges } from '../../src/network/internals.ts'
import { startTestNode, waitPublished } from '../fixtures/node.ts'
import { AGREEMENT_PROTOCOL } from '../../src/agreements/protocol.ts'

/** A stand-in for libp2p's peer store that records what reaches it (the wrapper is ours). */
function recordingStore () {
  const calls: string[] = []
  const store = {
    merge: async (id: unknown, data: object) => { calls.push(`merge ${String(id)} ${JSON.stringify(data)}`); return { id, data } },
    patch: async (id: unknown) => { calls.push(`patch ${String(id)}`); return {} },
    save: async (id: unknown) => { calls.push(`save ${String(id)}`); return {} },
    delete: async (id: unknown) => { calls.push(`delete ${String(id)}`) }
  }
  skipRepeatedProtocolMerges({ peerStore: store } as never)
  return { store, calls }
}

describe('repeated protocol merges into the peer store', () => {
  it('reach the peer store once per peer and protocol, and again after any other change to the peer', async () => {
    const { store, calls } = recordingStore()
    const merge = async (id: string, data: object) => await store.merge(id, data)
    await merge('A', { protocols: ['/p/1'] })
    await merge('A', { protocols: ['/p/1'] })
    await merge('A', { protocols: ['/p/1'] })
    expect(calls).toEqual(['merge A {"protocols":["/p/1"]}'])
    await merge('A', { protocols: ['/p/2'] }) // another protocol
    await merge('B', { protocols: ['/p/1'] }) // another peer
    expect(calls.length).toBe(3)
    await store.patch('A') // identify replaced A's protocols: merge again
    await merge('A', { protocols: ['/p/1'] })
    await merge('A', { protocols: ['/p/1'], addresses: [] }) // not protocols-only: always through, and forgets
    await merge('A', { protocols: ['/p/1'] })
    await store.delete('B')
    await merge('B', { protocols: ['/p/1'] })
    expect(calls.filter(c => c.startsWith('merge')).length).toBe(7)
  })

  it('on real nodes, the peer store still lists the protocols the agreements used', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    const [person, shop] = await Promise.all([startTestNode({ bootstrap }), startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })])
    await Promise.all([person, shop].map(waitPublished))
    for (let i = 0; i < 3; i++) {
      const a = await person.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: [], purposes: [], validForMs: 3600_000 })
      const end = Date.now() + 15_000
      while ((await person.agreements.get(a.id))?.state !== 'active') {
        if (Date.now() > end) throw new Error('agreement not active')
        await new Promise(resolve => setTimeout(resolve, 25))
      }
    }
    const peer = await person.network.libp2p.peerStore.get(shop.network.libp2p.peerId)
    expect(peer.protocols).toContain(AGREEMENT_PROTOCOL)
  })
})
