import type { RateLimiter } from '@libp2p/utils'
import type { Ed25519Key } from '../identity/index.ts'
import type { Store, BatchOp, JsonSublevel } from '../store/index.ts'
import type { Contacts } from '../network/contacts.ts'
import type { HearthLibp2p } from '../network/index.ts'
import type { ConnectResult } from '../api/backend.ts'
import type { Ledger } from '../ledger/index.ts'
import { createReplayGuard, signMessage } from '../messages/index.ts'
import { seqKey } from '../messages/replay-guard.ts'
import type { Kind, ReplayGuard } from '../messages/index.ts'
import type { LedgerAppend, LedgerEntry } from '../ledger/index.ts'
import { HearthError } from '../errors.ts'
import type { AgreementRecord, StoredMessage } from './model.ts'
import type { RecordCache } from './cache.ts'
import { isJtiKey } from './key-filter.ts'
import type { KeyFilter } from './key-filter.ts'

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
  /** new proposals accepted per second from one peer (twice that in a burst) */
  maxProposalsPerSecond: number
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
  /**
   * Serialises read-modify-writes per key (an agreement id, 'peer:<did>'); '*' waits for every
   * key and holds them all. Different agreements proceed side by side, and their synced
   * writes share an fsync (the ledger's group commit).
   */
  exclusive: <T>(keys: string | string[], fn: () => Promise<T>) => Promise<T>
  /** in-memory indexes of the agreement records, kept by putAgreement */
  index: AgreementIndex
  proposalLimiter: RateLimiter
  kick: () => void
  /** hot records in memory (cache.ts): read them with ctx.cache.get under their lock, write them with commit() */
  cache: RecordCache
  replay: ReplayGuard<JsonSublevel>
  /** the jti markers and agreement ids certainly not stored (key-filter.ts): commit() adds each before writing it */
  jtis: KeyFilter
  agreementIds: KeyFilter
  /** after a batch is on disk (the outbox keeps its index of queued items) */
  written: (ops: readonly BatchOp[]) => void
}

/**
 * Write one synced batch through the ledger's group commit (ledger entries chained, one fsync
 * shared with other writers), then tell the cache and the outbox what is now on disk. Every
 * write of agreement state goes through here.
 */
export async function commit (ctx: Ctx, batch: readonly BatchOp[]): Promise<LedgerEntry[]> {
  const ops = prepareLedgerOps(ctx, batch)
  noteMarkers(ctx, ops)
  const entries = await ctx.ledger.write(ops)
  ctx.cache.written(ops)
  ctx.written(ops)
  return entries
}

/** The same, for a batch with no ledger entry in it (the store's own batch, synced unless told). */
export async function commitBatch (ctx: Ctx, ops: BatchOp[], options?: { sync?: boolean }): Promise<void> {
  if (ops.some(op => deferred.has(op))) throw new HearthError('INTERNAL', 'a ledger entry can only be written with commit()')
  noteMarkers(ctx, ops)
  await ctx.store.batch(ops, options)
  ctx.cache.written(ops)
  ctx.written(ops)
}

/**
 * A new agreement has nothing stored under its id yet: no held data (written only while it is
 * active) and no seq marker of its counterparty (written only in the batch that stores the
 * agreement record, and records are never deleted). Telling the cache spares two disk reads.
 */
export function newThread (ctx: Ctx, id: string, counterparty: string): void {
  ctx.cache.absent(ctx.store.held, id)
  ctx.cache.absent(ctx.store.replay, seqKey(id, counterparty))
}

/** jti markers and agreement ids go into their filters before the batch that writes them: never after, see key-filter.ts */
function noteMarkers (ctx: Ctx, ops: readonly BatchOp[]): void {
  for (const op of ops) {
    if (op.type !== 'put') continue
    if (op.sublevel === ctx.store.replay && isJtiKey(op.key)) ctx.jtis.add(op.key)
    else if (op.sublevel === ctx.store.agreements) ctx.agreementIds.add(op.key)
  }
}

/**
 * The replay guard reads the sender's last seq in a thread from the cache (it is written under
 * that thread's lock). A jti marker the filter says is not stored is not read (a new message's
 * case); any other comes from the store. (A synchronous LevelDB read of the jti marker measured
 * no gain against the noise, and could block the event loop on a slow disk.)
 */
export function replayGuard (store: Store, cache: RecordCache, jtis: KeyFilter): ReplayGuard<JsonSublevel> {
  return createReplayGuard<JsonSublevel>({
    store: {
      get: async (sublevel, key) => sublevel === store.replay && isJtiKey(key) && !jtis.mightHave(key) ? undefined : await cache.get(sublevel, key)
    },
    sublevel: store.replay
  })
}

export function createExclusive (): Ctx['exclusive'] {
  const tails = new Map<string, Promise<unknown>>()
  let all: Promise<unknown> = Promise.resolve()
  return async <T>(keys: string | string[], fn: () => Promise<T>): Promise<T> => {
    const list = Array.isArray(keys) ? keys : [keys]
    const before = list.includes('*') ? [all, ...tails.values()] : [all, ...list.map(k => tails.get(k) ?? Promise.resolve())]
    const run = Promise.all(before.map(async p => await p.catch(() => {}))).then(fn)
    const done = run.catch(() => {})
    if (list.includes('*')) { all = done; tails.clear() } else {
      for (const k of list) {
        tails.set(k, done)
        // forget a key once nothing waits on it, so the map stays as small as the work in flight
        void done.then(() => { if (tails.get(k) === done) tails.delete(k) })
      }
    }
    return await run
  }
}

/**
 * What would otherwise need a scan of every agreement on each message: undecided proposals per
 * peer (flood limit) and the agreements that can still expire (sweeper). Rebuilt at start.
 */
export interface AgreementIndex {
  track (rec: AgreementRecord): void
  pendingFrom (did: string): number
  /** ids of non-final agreements whose validUntil has passed */
  due (now: number): string[]
}

export function createIndex (): AgreementIndex {
  const pending = new Map<string, Set<string>>()
  const expiring = new Map<string, number>()
  return {
    track (rec) {
      const waiting = rec.state === 'proposed' && rec.awaiting === 'us'
      const set = pending.get(rec.counterparty) ?? new Set<string>()
      if (waiting) set.add(rec.id); else set.delete(rec.id)
      if (set.size > 0) pending.set(rec.counterparty, set); else pending.delete(rec.counterparty)
      if (['rejected', 'terminated', 'expired'].includes(rec.state)) expiring.delete(rec.id)
      else expiring.set(rec.id, Date.parse(rec.terms.validUntil))
    },
    pendingFrom: did => pending.get(did)?.size ?? 0,
    due: now => [...expiring].filter(([, until]) => until <= now).map(([id]) => id)
  }
}

/** The agreement record; only under the agreement's lock (ctx.exclusive(id)), which keeps the cache exact. */
export async function loadAgreement (ctx: Ctx, id: string): Promise<AgreementRecord | undefined> {
  // a new proposal's thread: certainly not stored, no read
  if (!ctx.agreementIds.mightHave(id)) return undefined
  return await ctx.cache.get<AgreementRecord>(ctx.store.agreements, id)
}

export function putAgreement (ctx: Ctx, rec: AgreementRecord): BatchOp {
  ctx.index.track(rec)
  return { type: 'put', sublevel: ctx.store.agreements, key: rec.id, value: rec }
}

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

/** ledgerOps' placeholders, and what each appends: commit() prepares them */
const deferred = new WeakMap<BatchOp, LedgerAppend>()

/**
 * The ledger entry for one message, to go in the caller's batch: a placeholder that commit()
 * turns into the ledger's ops right before it writes. The ledger chains an entry onto the
 * entries prepared before it; prepared here, one that waited while a later one was written
 * had to be hashed again when written (almost every entry under load).
 *
 * Every message here was signed or verified by src/messages, which made m.id from exactly
 * m.jwt: the ledger takes it as given (vouched) instead of parsing and hashing the JWT again.
 */
export function ledgerOps (ctx: Ctx, m: StoredMessage & { jwt: string }): BatchOp[] {
  const op: BatchOp = { type: 'put', sublevel: ctx.store.ledger, key: '', value: null }
  deferred.set(op, { at: m.at, direction: m.direction, thread: m.thread, kind: m.kind, messageId: m.id, jwt: m.jwt, vouched: true })
  return [op]
}

/** The batch with ledgerOps' placeholders replaced by prepared entries, in batch order. */
function prepareLedgerOps (ctx: Ctx, ops: readonly BatchOp[]): readonly BatchOp[] {
  if (!ops.some(op => deferred.has(op))) return ops
  return ops.flatMap(op => {
    const fields = deferred.get(op)
    if (fields === undefined) return [op]
    deferred.delete(op) // each placeholder is one entry, written once
    return ctx.ledger.prepareAppend(fields).ops
  })
}
