import { describe, it, expect } from 'vitest'
import { startTestNode, waitPublished, waitFor } from '../fixtures/node.ts'
import { AGREEMENT_PROTOCOL } from '../../src/agreements/index.ts'

describe('the outbox delivers each agreement by itself', () => {
  it('a vendor that never answers does not hold up her agreement with another vendor', async () => {
    const hub = await startTestNode()
    const bootstrap = [hub.network.addresses()[0]!]
    const person = await startTestNode({ bootstrap })
    const silent = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })
    const shop = await startTestNode({ bootstrap, autoAccept: ['SD-BASE'] })
    await Promise.all([person, silent, shop].map(waitPublished))

    // this vendor takes the message and never answers: her delivery waits out its frame timeout (10 s)
    let heard = 0
    await silent.network.libp2p.unhandle(AGREEMENT_PROTOCOL)
    await silent.network.libp2p.handle(AGREEMENT_PROTOCOL, () => { heard++ }, { runOnLimitedConnection: true })
    const stuck = await person.agreements.propose({ to: silent.did, termId: 'SD-BASE', share: [], purposes: [], validForMs: 3600_000 })
    await waitFor('the silent vendor to be sent her proposal', () => heard > 0)

    const other = await person.agreements.propose({ to: shop.did, termId: 'SD-BASE', share: [], purposes: [], validForMs: 3600_000 })
    await waitFor('her agreement with the shop to become active', async () => (await person.agreements.get(other.id))?.state === 'active', 15_000)
    // ...while the first delivery to the silent vendor is still waiting for its answer
    expect(await person.agreements.get(stuck.id)).toMatchObject({ state: 'proposed', outbox: [{ kind: 'vrm.AgreementProposal', attempts: 0 }] })
    expect(await shop.agreements.get(other.id)).toMatchObject({ state: 'active' })
  })
})
