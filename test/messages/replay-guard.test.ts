import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/store/index.ts'
import type { Store } from '../../src/store/index.ts'
import { createReplayGuard, signMessage, verifyMessage } from '../../src/messages/index.ts'
import type { Kind, ReplayOp, VerifiedMessage } from '../../src/messages/index.ts'
import { AGREEMENT_ID, NOW, SAMPLE_BODIES, recipient, signer, wireError } from './helpers.ts'

const received = (seq: number, kind: Kind = 'vrm.AgreementEvent', thread = AGREEMENT_ID): VerifiedMessage => {
  const body = { ...(SAMPLE_BODIES[kind] as object), ...(kind === 'vrm.Ack' ? {} : { agreementId: thread }) }
  const { jwt } = signMessage(signer, { kind, aud: recipient.did, thread, prev: null, seq, body, now: NOW, ttlSeconds: 600 })
  return verifyMessage(jwt, { kinds: [kind], audience: recipient.did, now: NOW })
}

/** A Map standing in for one sublevel: what Store.get and Store.batch do, nothing more. */
function memoryStore (): { store: { get: (s: string, k: string) => Promise<unknown> }, apply: (ops: Array<ReplayOp<string>>) => void } {
  const data = new Map<string, unknown>()
  return {
    store: { get: async (s, k) => data.get(`${s}!${k}`) },
    apply: (ops) => { for (const op of ops) data.set(`${op.sublevel}!${op.key}`, op.value) }
  }
}

describe('replay guard', () => {
  it('accepts a message once: the same jti again is REPLAYED', async () => {
    const { store, apply } = memoryStore()
    const guard = createReplayGuard({ store, sublevel: 'replay' })
    const m = received(1)
    const ops = await guard.check(m)
    expect(ops).toEqual([
      { type: 'put', sublevel: 'replay', key: `jti/${signer.did}/${m.payload.jti}`, value: { id: m.id, exp: m.payload.exp } },
      { type: 'put', sublevel: 'replay', key: `seq/${AGREEMENT_ID}/${signer.did}`, value: { seq: 1, id: m.id } }
    ])
    // nothing is recorded until the caller writes the ops: checking twice before that passes twice
    await expect(guard.check(m)).resolves.toHaveLength(2)
    apply(ops)
    await expect(guard.check(m)).rejects.toThrow(wireError('REPLAYED'))
  })

  it('wants seq above the last accepted from that sender in that thread: equal and lower are SEQ_REGRESSION, gaps are fine', async () => {
    const { store, apply } = memoryStore()
    const guard = createReplayGuard({ store, sublevel: 'replay' })
    apply(await guard.check(received(3)))
    await expect(guard.check(received(3))).rejects.toThrow(wireError('SEQ_REGRESSION'))
    await expect(guard.check(received(2))).rejects.toThrow(wireError('SEQ_REGRESSION'))
    apply(await guard.check(received(10)))
    await expect(guard.check(received(9))).rejects.toThrow(expect.objectContaining({ details: expect.objectContaining({ wire: 'SEQ_REGRESSION', lastSeq: 10 }) }))
    // another thread has its own counter
    await expect(guard.check(received(1, 'vrm.AgreementEvent', 'BBBBBBBBBBBBBBBBBBBBBA'))).resolves.toHaveLength(2)
  })

  it('with sequence: false checks only the jti (Acks signed with a fixed seq)', async () => {
    const { store, apply } = memoryStore()
    const guard = createReplayGuard({ store, sublevel: 'replay' })
    const first = received(1, 'vrm.Ack')
    const ops = await guard.check(first, { sequence: false })
    expect(ops.map(o => o.key)).toEqual([`jti/${signer.did}/${first.payload.jti}`])
    apply(ops)
    apply(await guard.check(received(1, 'vrm.Ack'), { sequence: false }))
    await expect(guard.check(first, { sequence: false })).rejects.toThrow(wireError('REPLAYED'))
  })

  describe('on a real LevelDB store', () => {
    let dir: string
    let store: Store | undefined
    afterEach(async () => {
      await store?.close()
      await rm(dir, { recursive: true, force: true })
    })

    it('returns ops that Store.batch writes, and a replay after a reopen is still refused', async () => {
      dir = await mkdtemp(join(tmpdir(), 'hearth-replay-'))
      store = await openStore({ location: dir })
      // any JSON sublevel will do for the test; the node gives the guard its own `replay` sublevel
      const m = received(1)
      await store.batch(await createReplayGuard({ store, sublevel: store.contacts }).check(m))
      await store.close()
      store = await openStore({ location: dir })
      const guard = createReplayGuard({ store, sublevel: store.contacts })
      await expect(guard.check(m)).rejects.toThrow(wireError('REPLAYED'))
      await expect(guard.check(received(1))).rejects.toThrow(wireError('SEQ_REGRESSION'))
      await expect(guard.check(received(2))).resolves.toHaveLength(2)
    })
  })
})
