import type { BatchOp } from '../store/index.ts'
import type { Kind } from '../messages/index.ts'
import type { AgreementRecord, HeldData, Profile } from './model.ts'
import { putMessage, ledgerOps, signNext } from './context.ts'
import type { Ctx } from './context.ts'
import type { Outbox } from './outbox.ts'

/**
 * What a node does by itself when an agreement changes: confirm an acceptance of its own
 * offer, share the covered profile fields once active, delete held data and send the
 * receipt when terminated. Everything is returned as batch ops, so the follow-up message is
 * queued in the same synced write as the change that caused it (nothing is lost in a crash).
 */
export interface Reaction {
  rec: AgreementRecord
  ops: BatchOp[]
  queued: string[]
  /** the data held under this agreement must be erased in the same batch (erasure.ts) */
  erase?: boolean
}

export function queueMessage (ctx: Ctx, outbox: Outbox, rec: AgreementRecord, kind: Kind, body: unknown): Reaction {
  const { jwt, id, seq } = signNext(ctx, rec, kind, rec.counterparty, body)
  const at = ctx.now()
  const stored = { id, jwt, thread: rec.id, kind, direction: 'sent' as const, at }
  const next: AgreementRecord = { ...rec, seq, lastId: id, pending: [...rec.pending, { id, kind }], messages: [...rec.messages, id], updatedAt: at }
  return {
    rec: next,
    ops: [putMessage(ctx, stored), ...ledgerOps(ctx, stored), outbox.enqueue({ did: rec.counterparty, messageId: id, jwt, thread: rec.id, kind })],
    queued: [id]
  }
}

/** Chain reactions: each one sees the record as the previous left it. */
export function chain (first: Reaction, ...steps: Array<(rec: AgreementRecord) => Reaction | undefined>): Reaction {
  let acc = first
  for (const step of steps) {
    const r = step(acc.rec)
    if (r !== undefined) acc = { rec: r.rec, ops: [...acc.ops, ...r.ops], queued: [...acc.queued, ...r.queued], ...(acc.erase === true || r.erase === true ? { erase: true } : {}) }
  }
  return acc
}

export function react (ctx: Ctx, outbox: Outbox, before: AgreementRecord | undefined, after: AgreementRecord, profile: Profile | undefined, held: HeldData | undefined): Reaction {
  const none: Reaction = { rec: after, ops: [], queued: [] }
  // we made the offer that was just accepted: confirm it
  if (after.state === 'accepted' && before?.state !== 'accepted' && after.awaiting === 'us') {
    return queueMessage(ctx, outbox, after, 'vrm.AgreementConfirmation', { agreementId: after.id, acceptanceId: after.acceptanceId })
  }
  // active, and it is our data that flows: share what the terms cover
  if (after.state === 'active' && before?.state !== 'active' && after.role === 'proposer') {
    const changes = covered(after, profile?.fields ?? {})
    if (Object.keys(changes).length === 0 || profile === undefined) return none
    const r = queueMessage(ctx, outbox, after, 'vrm.AgreementEvent', { agreementId: after.id, eventType: 'dataShared', profileVersion: profile.version, changes })
    return { ...r, rec: { ...r.rec, sentVersion: profile.version } }
  }
  // terminating, and we hold the data: delete it, then say so, signed
  if (after.state === 'terminating' && before?.state !== 'terminating' && after.role === 'responder') {
    return deleteAndReceipt(ctx, outbox, after, Object.keys(held?.fields ?? {}))
  }
  return none
}

export function deleteAndReceipt (ctx: Ctx, outbox: Outbox, rec: AgreementRecord, heldFields?: string[]): Reaction {
  const r = queueMessage(ctx, outbox, rec, 'vrm.DeletionReceipt', {
    agreementId: rec.id,
    terminationId: rec.terminationId,
    action: 'deleted',
    fields: heldFields ?? rec.terms.share,
    completedAt: new Date(ctx.now()).toISOString()
  })
  return { ...r, erase: true }
}

/** The profile fields an agreement covers, with their values. */
export function covered (rec: AgreementRecord, fields: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of rec.terms.share) {
    const v = fields[f]
    if (v !== undefined) out[f] = v
  }
  return out
}

export function heldAfterEvent (prev: HeldData | undefined, rec: AgreementRecord, body: any, at: number): HeldData {
  const fields = { ...(prev?.fields ?? {}) }
  for (const [k, v] of Object.entries(body.changes as Record<string, string | null>)) {
    if (v === null) delete fields[k]
    else fields[k] = v
  }
  return { agreementId: rec.id, from: rec.counterparty, profileVersion: body.profileVersion, fields, updatedAt: at }
}
