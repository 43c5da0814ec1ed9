import type { Connection } from '@libp2p/interface'
import { HearthError, isHearthError } from '../errors.ts'
import { verifyMessage, messageId, checkTerms } from '../messages/index.ts'
import type { VerifiedMessage } from '../messages/index.ts'
import type { Kind } from '../messages/index.ts'
import { fetchRecord } from '../network/record-protocol.ts'
import type { BatchOp } from '../store/index.ts'
import { applyMessage } from './state-machine.ts'
import { commit, loadAgreement, newThread, putAgreement, putMessage, ledgerOps, signAck, MESSAGE_TTL_S } from './context.ts'
import type { Ctx } from './context.ts'
import type { AgreementRecord, HeldData, Profile, StoredMessage } from './model.ts'
import { react, queueMessage, chain, heldAfterEvent } from './reactions.ts'
import { erasureOps } from './erasure.ts'
import type { Reaction } from './reactions.ts'
import type { Outbox } from './outbox.ts'
import { utf8, fromUtf8 } from './protocol.ts'

/** placeholders for refusing something we could not even parse */
const NO_THREAD = 'AAAAAAAAAAAAAAAAAAAAAA'
const NO_MESSAGE = 'bafkrei' + 'a'.repeat(52)

/** Kinds a peer may send us on /vrm/agreement/1.0.0 (Acks come back on the sender's stream). */
export const INBOUND_KINDS: Kind[] = [
  'vrm.AgreementProposal', 'vrm.AgreementCounterOffer', 'vrm.AgreementAcceptance', 'vrm.AgreementConfirmation',
  'vrm.AgreementRejection', 'vrm.AgreementEvent', 'vrm.AgreementTermination', 'vrm.DeletionReceipt'
]

/**
 * One inbound message: verify (shape, signature, schema), bind its issuer to the connection's
 * peer, refuse replays, apply it, and store it with everything it causes in ONE synced batch;
 * only then answer with our signed Ack. A message already stored gets the same Ack again.
 */
export async function receive (ctx: Ctx, outbox: Outbox, frame: Uint8Array, connection: Connection): Promise<Uint8Array> {
  const jwt = fromUtf8(frame)
  const refuse = async (err: unknown, thread?: string): Promise<Uint8Array> => {
    // the id only names what we refuse (verifyMessage computes it for what we accept)
    let id: string
    try { id = messageId(jwt) } catch { id = 'unknown' }
    const code = isHearthError(err) ? String(err.details?.wire ?? err.code) : 'INTERNAL'
    const reason = isHearthError(err) ? err.message.slice(0, 300) : 'internal error'
    ctx.emit('agreement:refused', { messageId: id, code, reason, peer: connection.remotePeer.toString() })
    // addressed to the DID the connection proved, so an honest sender can read why (its
    // claims are not trusted here: the message was refused)
    const to = await didOfConnection(ctx, connection).catch(() => undefined)
    return utf8(signAck(ctx, thread ?? NO_THREAD, to ?? ctx.did, id === 'unknown' ? NO_MESSAGE : id, 'rejected', { code, reason }).jwt)
  }
  // new proposals are the unsolicited kind: their own per-peer rate (cheap: header only)
  if (typOf(jwt) === 'vrm.AgreementProposal') ctx.proposalLimiter.consume(connection.remotePeer.toString())
  let verified
  try {
    verified = verifyMessage(jwt, { kinds: INBOUND_KINDS, audience: ctx.did, now: ctx.now(), maxLifetimeSeconds: MESSAGE_TTL_S })
  } catch (err) { return await refuse(err) }
  const { payload } = verified
  try {
    const peerDid = await didOfConnection(ctx, connection)
    if (payload.iss !== peerDid) {
      throw new HearthError('INVALID_MESSAGE', `signed by ${payload.iss}, but the connection is from ${peerDid ?? 'an unknown DID'}`, { details: { wire: 'ISSUER_MISMATCH' } })
    }
    // a proposal also takes its sender's key: the flood limit counts that sender's proposals
    const keys = verified.header.typ === 'vrm.AgreementProposal' ? [payload.thread, `peer:${payload.iss}`] : payload.thread
    const ack = await ctx.exclusive(keys, async () => await apply(ctx, outbox, verified))
    return utf8(ack)
  } catch (err) {
    // a definite no gets a signed refusal; anything transient (the peer's record could not be
    // read, a disk error) gets no answer, so the sender's outbox tries again later
    if (isHearthError(err) && ['INVALID_MESSAGE', 'INVALID_STATE', 'RATE_LIMITED'].includes(err.code)) return await refuse(err, payload.thread)
    throw err
  }
}

async function apply (ctx: Ctx, outbox: Outbox, verified: VerifiedMessage): Promise<string> {
  const { id, jwt } = verified
  const payload = verified.payload as any
  const before = await loadAgreement(ctx, payload.thread)
  if (before === undefined) newThread(ctx, payload.thread, payload.iss)
  let replay
  try {
    replay = await ctx.replay.check(verified)
  } catch (err) {
    // A re-delivery after a lost Ack: same answer, nothing applied twice. Its jti marker went
    // to disk in the batch that stored it, so only a message whose jti is known can be one:
    // a new message costs no lookup of the stored messages.
    if (isHearthError(err) && err.details?.wire === 'REPLAYED') {
      const known = await ctx.store.get<StoredMessage>(ctx.store.messages, id)
      const ack = known?.ackId !== undefined ? await ctx.store.get<StoredMessage>(ctx.store.messages, known.ackId) : undefined
      if (ack?.jwt != null) return ack.jwt
    }
    throw err
  }
  const kind = verified.header.typ
  const body = payload.body
  if (body.agreementId !== payload.thread) throw new HearthError('INVALID_MESSAGE', 'body.agreementId must equal the thread', { details: { wire: 'SCHEMA_INVALID' } })
  if (before !== undefined && before.counterparty !== payload.iss) throw new HearthError('INVALID_MESSAGE', 'that agreement is with someone else', { details: { wire: 'ISSUER_MISMATCH' } })
  if (kind === 'vrm.AgreementProposal' && before === undefined) await checkPendingLimit(ctx, payload.iss)
  const at = ctx.now()
  let rec: AgreementRecord
  try {
    rec = applyMessage(before, { kind, id, body, from: 'them', at }, { self: ctx.did, counterparty: payload.iss })
  } catch (err) {
    // Our own message in this thread is not acknowledged yet: the peer may have processed it and
    // its Ack been lost, and this is its answer, ahead of our re-delivery. Not a refusal: 'later'.
    if (before !== undefined && before.pending.length > 0 && isHearthError(err) && err.code === 'INVALID_STATE') {
      throw new HearthError('INVALID_STATE', err.message, { details: { wire: 'NOT_YET' } })
    }
    throw err
  }
  const ack = signAck(ctx, payload.thread, payload.iss, id, 'processed')
  const received: StoredMessage & { jwt: string } = { id, jwt, thread: payload.thread, kind, direction: 'received', at, ackId: ack.id }
  const ackMsg: StoredMessage & { jwt: string } = { id: ack.id, jwt: ack.jwt, thread: payload.thread, kind: 'vrm.Ack', direction: 'sent', at }
  const profile = await ctx.cache.get<Profile>(ctx.store.profile, 'current')
  const ops: BatchOp[] = [...replay, putMessage(ctx, received), ...ledgerOps(ctx, received), putMessage(ctx, ackMsg), ...ledgerOps(ctx, ackMsg)]
  let result: Reaction = { rec: { ...rec, messages: [...rec.messages, ack.id] }, ops: [], queued: [] }
  if (kind === 'vrm.AgreementEvent') {
    const held = await ctx.cache.get<HeldData>(ctx.store.held, rec.id)
    if (held === undefined || body.profileVersion > held.profileVersion) {
      ops.push({ type: 'put', sublevel: ctx.store.held, key: rec.id, value: heldAfterEvent(held, rec, body, at) })
    }
  }
  if (kind === 'vrm.AgreementProposal') result = chain(result, r => decideProposal(ctx, outbox, r))
  else {
    const heldNow = await ctx.cache.get<HeldData>(ctx.store.held, rec.id)
    result = chain(result, r => react(ctx, outbox, before, r, profile, heldNow))
  }
  const erase = result.erase === true ? await erasureOps(ctx, result.rec) : []
  await commit(ctx, [...ops, ...erase, ...result.ops, putAgreement(ctx, result.rec)])
  ctx.emit('agreement:message', { agreementId: rec.id, kind, direction: 'received', messageId: id, state: result.rec.state })
  if (before?.state !== result.rec.state) ctx.emit('agreement:state', { agreementId: rec.id, state: result.rec.state, awaiting: result.rec.awaiting })
  if (result.queued.length > 0) ctx.kick()
  return ack.jwt
}

/** Policy for a new proposal: refuse unknown terms (coded), auto-accept what the rules allow. */
function decideProposal (ctx: Ctx, outbox: Outbox, rec: AgreementRecord): Reaction | undefined {
  const reject = (code: string, reason: string): Reaction =>
    queueMessage(ctx, outbox, rec, 'vrm.AgreementRejection', { agreementId: rec.id, rejectedId: rec.proposalId, code, reason })
  try { checkTerms(rec.terms) } catch (err) {
    const wire = isHearthError(err) ? String(err.details?.wire) : ''
    return reject(wire === 'TERM_HASH_MISMATCH' ? 'termHashMismatch' : 'unknownTerm', (err as Error).message.slice(0, 300))
  }
  if (Date.parse(rec.terms.validUntil) <= ctx.now()) return reject('expired', 'the proposed validity has already ended')
  if (ctx.policy.autoAccept.includes(rec.terms.termId)) {
    return queueMessage(ctx, outbox, rec, 'vrm.AgreementAcceptance', { agreementId: rec.id, acceptedId: rec.proposalId, termId: rec.terms.termId, termHash: rec.terms.termHash })
  }
  ctx.emit('agreement:decision', { agreementId: rec.id, from: rec.counterparty, termId: rec.terms.termId })
  return undefined
}

function typOf (jwt: string): unknown {
  try { return JSON.parse(Buffer.from(jwt.slice(0, Math.min(jwt.indexOf('.'), 512)), 'base64url').toString()).typ } catch { return undefined }
}

/** A flood of proposals from one peer must not grow our store without bound. */
async function checkPendingLimit (ctx: Ctx, did: string): Promise<void> {
  const waiting = ctx.index.pendingFrom(did)
  if (waiting >= ctx.policy.maxPendingPerPeer) {
    throw new HearthError('RATE_LIMITED', `${waiting} proposals from this peer already wait for a decision`, { details: { wire: 'TOO_MANY_PENDING' } })
  }
}

/** The DID the connection's peer speaks for: known, or proven now by its signed record. */
const proving = new Map<string, Promise<string | undefined>>()

export async function didOfConnection (ctx: Ctx, connection: Connection): Promise<string | undefined> {
  const peer = connection.remotePeer.toString()
  const known = ctx.contacts.didOf(peer)
  if (known !== undefined) return known
  // many messages from a new peer at once: ask for its record once
  let p = proving.get(peer)
  if (p === undefined) {
    p = proveDid(ctx, connection).finally(() => { proving.delete(peer) })
    proving.set(peer, p)
  }
  return await p
}

async function proveDid (ctx: Ctx, connection: Connection): Promise<string | undefined> {
  const peer = connection.remotePeer.toString()
  const { record, bytes } = await fetchRecord(connection)
  ctx.contacts.learn(peer, record.did)
  await ctx.contacts.upsert({ did: record.did, peerIds: record.devices.map(d => d.peerId), addresses: record.devices.flatMap(d => d.addrs), seq: record.seq, lastSeen: Date.now(), source: 'peer', record: Buffer.from(bytes).toString('base64') })
  return record.did
}
