import type { Ed25519Key } from '../identity/index.ts'
import type { Store, BatchOp } from '../store/index.ts'
import type { Contacts } from '../network/contacts.ts'
import type { HearthLibp2p } from '../network/index.ts'
import type { ConnectResult } from '../api/backend.ts'
import type { Ledger } from '../ledger/index.ts'
import { signMessage } from '../messages/index.ts'
import type { Kind } from '../messages/index.ts'
import type { AgreementRecord, StoredMessage } from './model.ts'

/** Agreement messages may wait this long in an outbox for an offline peer. */
export const MESSAGE_TTL_S = 30 * 24 * 3600
export const ACK_TTL_S = 24 * 3600

export interface AgreementPolicy {
  /** term ids this node accepts without asking anyone (vendor rules) */
  autoAccept: string[]
  /** term ids this node is willing to accept (its r-button); autoAccept is included */
  accepts: string[]
  /** undecided proposals one counterparty may have waiting here */
  maxPendingPerPeer: number
}

export interface AgreementsComponents {
  libp2p: HearthLibp2p
  identity: Ed25519Key
  store: Store
  contacts: Contacts
  ledger: Ledger
  connect: (did: string, options?: { signal?: AbortSignal }) => Promise<ConnectResult>
  emit: (type: string, data: Record<string, unknown>) => void
}

/** What the inbound, outbox and local-action parts share. */
export interface Ctx extends AgreementsComponents {
  did: string
  policy: AgreementPolicy
  now: () => number
  /** serialises every read-modify-write of agreement state (one node, one writer) */
  exclusive: <T>(fn: () => Promise<T>) => Promise<T>
  kick: () => void
}

export function createExclusive (): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve()
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn)
    tail = run.catch(() => {})
    return await run
  }
}

export async function loadAgreement (ctx: Ctx, id: string): Promise<AgreementRecord | undefined> {
  return await ctx.store.get<AgreementRecord>(ctx.store.agreements, id)
}

export const putAgreement = (ctx: Ctx, rec: AgreementRecord): BatchOp =>
  ({ type: 'put', sublevel: ctx.store.agreements, key: rec.id, value: rec })

export const putMessage = (ctx: Ctx, m: StoredMessage): BatchOp =>
  ({ type: 'put', sublevel: ctx.store.messages, key: m.id, value: m })

/** Sign the next message of ours in a thread: seq and prev chain our own messages. */
export function signNext (ctx: Ctx, rec: { id: string, seq: number, lastId: string | null }, kind: Kind, aud: string, body: unknown): { jwt: string, id: string, seq: number } {
  const seq = rec.seq + 1
  const { jwt, id } = signMessage(ctx.identity, { kind, aud, thread: rec.id, prev: rec.lastId, seq, body, ttlSeconds: MESSAGE_TTL_S, now: ctx.now() })
  return { jwt, id, seq }
}

/** Acks answer one message; they stand outside the thread's own sequence. */
export function signAck (ctx: Ctx, thread: string, aud: string, ackOf: string, status: 'processed' | 'rejected', error?: { code: string, reason?: string }): { jwt: string, id: string } {
  const body = { ackOf, status, ...(error !== undefined ? { error } : {}) }
  const { jwt, id } = signMessage(ctx.identity, { kind: 'vrm.Ack', aud, thread, prev: null, seq: 1, body, ttlSeconds: ACK_TTL_S, now: ctx.now() })
  return { jwt, id }
}

/** Ledger entry ops for one message, to go in the caller's batch. */
export function ledgerOps (ctx: Ctx, m: StoredMessage & { jwt: string }): BatchOp[] {
  return ctx.ledger.prepareAppend({ at: m.at, direction: m.direction, thread: m.thread, kind: m.kind, messageId: m.id, jwt: m.jwt }).ops
}
