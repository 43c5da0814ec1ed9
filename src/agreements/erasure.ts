import type { BatchOp } from '../store/index.ts'
import { putMessage } from './context.ts'
import type { Ctx } from './context.ts'
import type { AgreementRecord, StoredMessage } from './model.ts'

/**
 * Erase what we hold under an agreement that ended: the held fields, and the content of every
 * data event we received in its thread (stored message and ledger entry alike; the ledger
 * keeps the message ids, so it still verifies). Returned as ops for the caller's batch, so
 * the receipt that says "deleted" is written in the same step as the deletion. Under the
 * agreement's lock (it reads through the cache).
 */
export async function erasureOps (ctx: Ctx, rec: AgreementRecord): Promise<BatchOp[]> {
  const ops: BatchOp[] = [{ type: 'del', sublevel: ctx.store.held, key: rec.id }]
  const ids: string[] = []
  for (const id of rec.messages) {
    const m = await ctx.cache.get<StoredMessage>(ctx.store.messages, id)
    if (m === undefined || m.kind !== 'vrm.AgreementEvent' || m.direction !== 'received' || m.jwt === null) continue
    ops.push(putMessage(ctx, { ...m, jwt: null, redacted: true }))
    ids.push(id)
  }
  return [...ops, ...await ctx.ledger.redact(ids)]
}
