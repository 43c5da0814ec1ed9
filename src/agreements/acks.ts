import { HearthError } from '../errors.ts'
import { verifyMessage } from '../messages/index.ts'
import { applyMessage } from './state-machine.ts'
import { commit, commitBatch, loadAgreement, putAgreement, putMessage, ledgerOps, ACK_TTL_S } from './context.ts'
import type { Ctx } from './context.ts'
import type { AgreementRecord, HeldData, Profile, StoredMessage } from './model.ts'
import { react } from './reactions.ts'
import { erasureOps } from './erasure.ts'
import type { Outbox, OutboxItem } from './outbox.ts'

/**
 * The peer's Ack for one of our messages: our state changes now, not when we sent it. A
 * refusal is recorded on the agreement (and a refused proposal ends it). Stored, with the
 * follow-ups it causes, in one synced batch that also takes the item off the outbox.
 */
export async function onAck (ctx: Ctx, outbox: Outbox, item: OutboxItem, ackJwt: string): Promise<void> {
  const ack = verifyMessage(ackJwt, { kinds: ['vrm.Ack'], audience: ctx.did, now: ctx.now(), maxLifetimeSeconds: ACK_TTL_S })
  const body = ack.payload.body as { ackOf: string, status: 'processed' | 'rejected', error?: { code: string, reason?: string } }
  if (ack.payload.iss !== item.did || body.ackOf !== item.messageId) {
    throw new HearthError('INVALID_MESSAGE', 'the Ack is not for this message', { details: { wire: 'BAD_ACK' } })
  }
  if (body.status === 'rejected' && body.error?.code === 'NOT_YET') {
    // the peer first waits for the Ack of its own earlier message: keep ours queued, retry with backoff
    throw new HearthError('UNREACHABLE', `not yet: ${body.error.reason ?? 'the peer waits for an earlier message'}`)
  }
  await ctx.exclusive(item.thread, async () => {
    const sent = await ctx.cache.get<StoredMessage>(ctx.store.messages, item.messageId)
    const rec = await loadAgreement(ctx, item.thread)
    if (sent === undefined || rec === undefined) {
      await commitBatch(ctx, [outbox.dequeue(item)])
      return
    }
    const at = ctx.now()
    const received: StoredMessage & { jwt: string } = { id: ack.id, jwt: ackJwt, thread: item.thread, kind: 'vrm.Ack', direction: 'received', at }
    const base: AgreementRecord = { ...rec, pending: rec.pending.filter(p => p.id !== item.messageId), messages: [...rec.messages, ack.id], updatedAt: at }
    let next = base
    if (body.status === 'rejected') {
      next = { ...base, lastError: { messageId: item.messageId, code: String(body.error?.code ?? 'refused'), ...(body.error?.reason !== undefined ? { reason: body.error.reason } : {}) } }
      if (item.kind === 'vrm.AgreementProposal') next = { ...next, state: 'rejected', awaiting: 'none', rejection: { id: ack.id, code: next.lastError!.code, by: 'them' } }
    } else if (item.kind !== 'vrm.AgreementProposal') {
      const payload = JSON.parse(Buffer.from(sent.jwt!.split('.')[1]!, 'base64url').toString())
      try {
        next = applyMessage({ ...base, messages: rec.messages }, { kind: item.kind, id: item.messageId, body: payload.body, from: 'us', at })
        next = { ...next, messages: base.messages }
        if (item.kind === 'vrm.AgreementEvent') next = { ...next, sharedVersion: Math.max(next.sharedVersion ?? 0, payload.body.profileVersion) }
      } catch (err) {
        // the other side moved first (both terminated at once, say): keep its version of events
        next = { ...base, lastError: { messageId: item.messageId, code: 'INVALID_STATE', reason: (err as Error).message } }
      }
    }
    const profile = await ctx.cache.get<Profile>(ctx.store.profile, 'current')
    const held = await ctx.cache.get<HeldData>(ctx.store.held, rec.id)
    const r = react(ctx, outbox, rec, next, profile, held)
    const erase = r.erase === true ? await erasureOps(ctx, r.rec) : []
    await commit(ctx, [outbox.dequeue(item), putMessage(ctx, { ...sent, ackId: ack.id }), putMessage(ctx, received), ...ledgerOps(ctx, received), ...erase, ...r.ops, putAgreement(ctx, r.rec)])
    ctx.emit('agreement:message', { agreementId: rec.id, kind: item.kind, direction: 'sent', messageId: item.messageId, acked: body.status, state: r.rec.state })
    if (rec.state !== r.rec.state) ctx.emit('agreement:state', { agreementId: rec.id, state: r.rec.state, awaiting: r.rec.awaiting })
    if (r.queued.length > 0) ctx.kick()
  })
}
