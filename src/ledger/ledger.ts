import { HearthError, invalidArgument } from '../errors.ts'
import type { BatchOp } from '../store/index.ts'
import { GENESIS_HASH, HEAD_KEY, INDEX_DIGITS, MAX_INDEX, REDACTABLE, checkAppend, cidOfJwt, entryHash, entryKey, isEntryKey, isHead, malformed, sealHash } from './entry.ts'
import type { LedgerAppend, LedgerEntry, LedgerHead } from './entry.ts'
import { createSerial } from './serial.ts'
import { verifyRecords } from './verify.ts'
import type { VerifyResult } from './verify.ts'
import { consentRecord } from './consent-record.ts'
import type { ConsentRecord, ConsentRecordContext } from './consent-record.ts'

export type LedgerSublevel = BatchOp['sublevel']

export interface LedgerInit {
  /** the ledger's own sublevel (store.ledger): every key in it belongs to the ledger */
  sublevel: LedgerSublevel
  /** the Store's atomic batch, over the same LevelDB as `sublevel` */
  batch: (ops: BatchOp[], options?: { sync?: boolean }) => Promise<void>
  /** a JWT's message id; default: CIDv1 (raw, sha2-256, base32) of its bytes, as src/messages makes it */
  messageId?: (jwt: string) => string
  /** clock for `at`; default Date.now */
  now?: () => number
}

export interface PreparedAppend {
  /** Provisional until written: write() sets its final index, prevHash and hash in place. */
  readonly entry: LedgerEntry
  /** the entry's put and the head's put, for the caller's batch */
  readonly ops: BatchOp[]
}

export interface Ledger {
  /**
   * Builds an entry on the in-memory tip (the head plus what was prepared since), without
   * touching disk. Prepare as many as one batch needs, then hand the batch to write().
   */
  prepareAppend (fields: LedgerAppend): PreparedAppend
  /**
   * Writes the caller's ops, with the ledger ops among them, as one synced batch. Writes are
   * serialised; the ledger entries are chained onto the head read from disk, in the order they
   * appear, so a prepared batch that failed or was dropped never leaves a gap. Returns the
   * entries as written. Refuses deletes in the ledger, entries not made by prepareAppend, an
   * entry already written, and a ledger whose tail was changed outside Hearth.
   */
  write (ops: readonly BatchOp[]): Promise<LedgerEntry[]>
  /** prepareAppend + write: one entry, in one synced batch with the caller's `ops`. */
  append (fields: LedgerAppend, options?: { ops?: readonly BatchOp[] }): Promise<LedgerEntry>
  /** For callers that write prepared ops with the Store's batch themselves: that batch was written. */
  /**
   * Ops (for the caller's write()) that erase the jwt of these data-event entries: the data is
   * deleted, the chain (which hashes message ids, not content) still verifies.
   */
  redact (messageIds: readonly string[]): Promise<BatchOp[]>
  committed (): void
  /**
   * ... that batch failed or was dropped: the next entry reuses the index. Without this call,
   * the next batch written directly would leave a gap in the chain (write() needs neither).
   */
  aborted (): void
  /** the head on disk */
  head (): Promise<LedgerHead>
  /** Entries in chain order, optionally of one thread; skips stored values that are no entries (verify reports them). */
  entries (options?: { thread?: string, signal?: AbortSignal }): Promise<LedgerEntry[]>
  verify (options?: { signal?: AbortSignal }): Promise<VerifyResult>
  /** The thread's signed messages, in ledger order. NOT_FOUND for an unknown thread. */
  exportThread (thread: string, options?: { signal?: AbortSignal }): Promise<string[]>
  /** The thread as an ISO/IEC TS 27560-style consent record. NOT_FOUND for an unknown thread. */
  exportRecord (thread: string, context?: ConsentRecordContext & { signal?: AbortSignal }): Promise<ConsentRecord>
}

const ENTRY_RANGE = { gte: '0'.repeat(INDEX_DIGITS), lte: '9'.repeat(INDEX_DIGITS) }
const EMPTY: LedgerHead = { index: 0, hash: GENESIS_HASH }

export async function createLedger (init: LedgerInit): Promise<Ledger> {
  const { sublevel, batch } = init
  const messageIdOf = init.messageId ?? cidOfJwt
  const now = init.now ?? Date.now
  const serial = createSerial()
  /** entries made by prepareAppend, and those of them on disk */
  const ours = new WeakSet<object>()
  const written = new WeakSet<object>()
  const redactions = new WeakSet<object>()
  let tailChecked = false

  /** a stored value, parsed here so that bytes that are not JSON read as null rather than throw */
  const getJson = async (key: string): Promise<unknown> => {
    const text = await sublevel.get(key, { valueEncoding: 'utf8' }) as string | undefined
    if (text === undefined) return undefined
    try { return JSON.parse(text) } catch { return null }
  }
  const diskHead = async (): Promise<LedgerHead> => {
    const head = await getJson(HEAD_KEY)
    return isHead(head) ? { index: head.index, hash: head.hash } : EMPTY
  }
  /**
   * The head as our last flush wrote it: the next flush chains onto it without reading it back
   * (one LevelDB read less per group). Only this module's flush sets it; committed() and
   * aborted(), which callers writing prepared ops with the Store's own batch must call, clear
   * it, so after such a write the head is read from disk again.
   */
  let flushedHead: LedgerHead | undefined

  // Once per process, before the first write: appending after a tampered tail would bury the
  // evidence (an entry beyond the head would be overwritten). Whole-chain checks are verify's.
  const checkedHead = async (): Promise<LedgerHead> => {
    if (tailChecked && flushedHead !== undefined) return flushedHead
    const value = await getJson(HEAD_KEY)
    if (value !== undefined && !isHead(value)) throw tampered('its head record is not { index, hash }')
    const head = value ?? EMPTY
    if (tailChecked) return head
    if (value === undefined) {
      if ((await sublevel.keys({ ...ENTRY_RANGE, limit: 1 }).all()).length > 0) throw tampered('it has entries but no head record')
    } else if (head.index > 0) {
      const last = await getJson(entryKey(head.index)) as Record<string, unknown> | undefined
      if (last === undefined || malformed(last) !== undefined || last.hash !== head.hash || entryHash(last) !== head.hash) throw tampered(`entry ${head.index}, the last one, does not match the head`)
    }
    if ((await sublevel.keys({ gt: entryKey(head.index), lte: ENTRY_RANGE.lte, limit: 1 }).all()).length > 0) throw tampered(`it has entries beyond the head (entry ${head.index})`)
    tailChecked = true
    return head
  }

  /**
   * Group commit: writes that arrive while one is on its way to disk go together in the next
   * synced batch, one fsync for all of them, each still atomic (all of its ops or none).
   */
  interface Queued { rest: BatchOp[], puts: BatchOp[], resolve: (e: LedgerEntry[]) => void, reject: (err: unknown) => void }
  const queue: Queued[] = []
  const flush = async (): Promise<void> => {
    const group = queue.splice(0)
    if (group.length === 0) return
    let start: LedgerHead
    try { start = await checkedHead() } catch (err) { for (const g of group) g.reject(err); return }
    if (start.index + group.reduce((n, g) => n + g.puts.length, 0) > MAX_INDEX) {
      for (const g of group) g.reject(new HearthError('INTERNAL', 'the ledger is full'))
      return
    }
    // chain onto the head on disk: equal to the provisional values unless an earlier prepared
    // batch failed or was dropped
    let head = start
    let tipWritten = false
    const entries = group.map(g => g.puts.map(op => {
      const e = op.value as LedgerEntry
      // prepareAppend hashed it on this very head unless an earlier batch failed or was
      // dropped, or batches reached write() in another order than they were prepared: rehash
      // only then
      if (e.index !== head.index + 1 || e.prevHash !== head.hash) {
        e.index = head.index + 1
        e.prevHash = head.hash
        e.hash = sealHash(e)
      }
      if (e === tipEntry) tipWritten = true
      op.key = entryKey(e.index)
      head = { index: e.index, hash: e.hash }
      return e
    }))
    try {
      await batch([...group.flatMap(g => [...g.rest, ...g.puts]), { type: 'put', sublevel, key: HEAD_KEY, value: head }], { sync: true })
    } catch (err) {
      base = tip = start
      tipEntry = undefined
      flushedHead = undefined
      for (const g of group) g.reject(err)
      return
    }
    for (const list of entries) for (const e of list) written.add(e)
    base = head
    flushedHead = head
    // The tip only says where the next prepareAppend starts, so that the next flush need not
    // rehash: a wrong tip costs a rehash, never a wrong chain. Entries prepared while this
    // batch was on its way to disk wait in the queue to be written on top of it: chain them
    // onto what was just written now (each is hashed again only if it changed, as the next
    // flush would), and keep the tip after the last of them. Setting the tip back to the head
    // instead made almost every entry under load take an index still queued, and be hashed
    // twice.
    let next = head
    let tipQueued = tipWritten
    for (const g of queue) {
      for (const op of g.puts) {
        const e = op.value as LedgerEntry
        if (e.index !== next.index + 1 || e.prevHash !== next.hash) {
          e.index = next.index + 1
          e.prevHash = next.hash
          e.hash = sealHash(e)
        }
        next = { index: e.index, hash: e.hash }
        if (e === tipEntry) tipQueued = true
      }
    }
    // the last entry prepared is written or queued: nothing prepared waits outside the queue
    // (a caller that prepared and has not called write() yet keeps the tip where it is)
    if (tipQueued || tip.index <= head.index) {
      tip = next
      if (tipWritten) tipEntry = undefined
    }
    group.forEach((g, i) => { g.resolve(entries[i]!) })
  }

  /** believed on disk (moved by write and commit), and that plus what was prepared since */
  let base = await diskHead()
  let tip = base
  /** the entry prepareAppend made last, until it is written (see flush) */
  let tipEntry: object | undefined

  const ledger: Ledger = {
    prepareAppend (fields) {
      // a vouched id is src/messages' id: with another messageId function, recompute it
      const c = checkAppend(init.messageId === undefined || fields?.vouched === undefined ? fields : { ...fields, vouched: undefined }, messageIdOf)
      if (tip.index >= MAX_INDEX) throw new HearthError('INTERNAL', 'the ledger is full')
      const unsealed = { index: tip.index + 1, at: c.at ?? now(), direction: c.direction, thread: c.thread, kind: c.kind, messageId: c.messageId, jwt: c.jwt, prevHash: tip.hash }
      const entry: LedgerEntry = { ...unsealed, hash: sealHash(unsealed) }
      ours.add(entry)
      tip = { index: entry.index, hash: entry.hash }
      tipEntry = entry
      return {
        entry,
        ops: [
          { type: 'put', sublevel, key: entryKey(entry.index), value: entry },
          { type: 'put', sublevel, key: HEAD_KEY, value: { ...tip } }
        ]
      }
    },

    async write (ops) {
      // check this caller's ops now; the write itself may share an fsync with others (flush)
      const rest: BatchOp[] = []
      const puts: BatchOp[] = []
      const seen = new Set<object>()
      for (const op of ops) {
        if (op.sublevel !== sublevel) { rest.push(op); continue }
        if (op.type !== 'put') throw invalidArgument('ops', 'the ledger is append-only: nothing may be deleted from it')
        if (op.key === HEAD_KEY) continue // replaced by the final head below
        const e = op.value
        if (e !== null && typeof e === 'object' && redactions.has(e)) { rest.push(op); continue }
        if (e === null || typeof e !== 'object' || !ours.has(e)) throw invalidArgument('ops', 'only entries made by prepareAppend may be written to the ledger')
        if (written.has(e)) throw invalidArgument('ops', `the entry for message ${(e as LedgerEntry).messageId} was already written`)
        if (seen.has(e)) throw invalidArgument('ops', `the entry for message ${(e as LedgerEntry).messageId} appears twice`)
        seen.add(e)
        puts.push(op)
      }
      return await new Promise<LedgerEntry[]>((resolve, reject) => {
        queue.push({ rest, puts, resolve, reject })
        void serial(flush)
      })
    },

    async append (fields, options = {}) {
      const { ops } = ledger.prepareAppend(fields)
      return (await ledger.write([...(options.ops ?? []), ...ops]))[0]!
    },

    async redact (messageIds) {
      const wanted = new Set(messageIds)
      const ops: BatchOp[] = []
      for (const e of await ledger.entries()) {
        if (!wanted.has(e.messageId) || e.jwt === null || !REDACTABLE.includes(e.kind)) continue
        const value = { ...e, jwt: null, redacted: true }
        redactions.add(value)
        ops.push({ type: 'put', sublevel, key: entryKey(e.index), value })
      }
      return ops
    },

    committed () { base = tip; tipEntry = undefined; flushedHead = undefined },
    aborted () { tip = base; tipEntry = undefined; flushedHead = undefined },

    head: diskHead,

    async entries (options = {}) {
      const out: LedgerEntry[] = []
      for await (const [key, text] of sublevel.iterator({ ...ENTRY_RANGE, valueEncoding: 'utf8' }) as AsyncIterable<[string, string]>) {
        options.signal?.throwIfAborted()
        if (!isEntryKey(key)) continue
        let value: unknown
        try { value = JSON.parse(text) } catch { continue }
        if (malformed(value) !== undefined) continue
        const entry = value as LedgerEntry
        if (options.thread === undefined || entry.thread === options.thread) out.push(entry)
      }
      return out
    },

    async verify (options = {}) {
      const records = sublevel.iterator({ valueEncoding: 'utf8' }) as AsyncIterable<[string, string]>
      return await verifyRecords(records, { messageIdOf, ...(options.signal !== undefined ? { signal: options.signal } : {}) })
    },

    async exportThread (thread, options = {}) {
      // redacted data events are left out: their content was deleted with the agreement
      return (await threadEntries(thread, options.signal)).flatMap(e => e.jwt === null ? [] : [e.jwt])
    },

    async exportRecord (thread, context = {}) {
      const { signal, ...rest } = context
      return consentRecord(thread, await threadEntries(thread, signal), rest)
    }
  }

  const threadEntries = async (thread: string, signal: AbortSignal | undefined): Promise<LedgerEntry[]> => {
    const entries = await ledger.entries({ thread, ...(signal !== undefined ? { signal } : {}) })
    if (entries.length === 0) throw new HearthError('NOT_FOUND', `no agreement ${JSON.stringify(String(thread).slice(0, 120))} in the ledger`, { details: { thread } })
    return entries
  }

  return ledger
}

const tampered = (why: string): HearthError =>
  new HearthError('INTERNAL', `the ledger was changed outside Hearth (${why}); nothing was written. Run 'hearth ledger verify' to see what changed.`, { details: { ledger: 'tampered' } })
