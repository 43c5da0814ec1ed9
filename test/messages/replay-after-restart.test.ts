/**
 * The filters in front of the replay check and the agreement lookup (src/agreements/key-filter.ts)
 * start from what is on disk: after a restart, a stored jti is still REPLAYED and a stored
 * agreement is still found, over the real protocol between two real nodes.
 */
import { describe, it, expect } from 'vitest'
import { startTestNode } from '../fixtures/node.ts'
import { startAttack, snapshot, proposalBody, forge } from '../fixtures/attacker.ts'
import { newRandomId } from '../../src/messages/index.ts'

const jtiOf = (jwt: string): string => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).jti

describe('replay checks across a restart', () => {
  it('refuses a stored jti and a new proposal in a stored thread after the node restarts, and re-acknowledges the stored message', async () => {
    const victim = await startTestNode()
    const a = await startAttack({ victim })
    const thread = newRandomId()
    const first = a.sign('vrm.AgreementProposal', { thread, body: proposalBody(thread) })
    const firstAnswer = await a.send(first.jwt)
    expect(firstAnswer).toMatchObject({ answered: true, status: 'processed' })
    await a.attacker.stop()
    await victim.stop()

    const again = await startTestNode({ repo: victim.repo })
    const b = await startAttack({ victim: again })
    const before = await snapshot(again)
    expect(before.agreements).toEqual([{ id: thread, state: 'proposed', counterparty: b.attacker.did }])

    // the same jti in a new thread: its marker is only on disk
    const other = newRandomId()
    const reused = forge(b.key, 'vrm.AgreementProposal', { aud: again.did, thread: other, jti: jtiOf(first.jwt), body: proposalBody(other) })
    expect(await b.send(reused.jwt)).toMatchObject({ answered: true, status: 'rejected', code: 'REPLAYED' })
    // a fresh proposal in the stored thread: its record is only on disk
    const intoStored = forge(b.key, 'vrm.AgreementProposal', { aud: again.did, thread, seq: 2, body: proposalBody(thread) })
    expect(await b.send(intoStored.jwt)).toMatchObject({ answered: true, status: 'rejected' })
    // the stored message again: its first Ack, nothing applied twice
    const resent = await b.send(first.jwt)
    expect(resent.answered ? resent.jwt : undefined).toBe(firstAnswer.answered ? firstAnswer.jwt : 'no first answer')
    expect(await snapshot(again)).toEqual(before)
  }, 60_000)
})
