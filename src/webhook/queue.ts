/**
 * The webhook's persistent FIFO, in the `webhook` sublevel (docs/store-layout.md):
 *   webhook!q!<seq, 16 digits> -> QueuedEvent   waiting for a 2xx, delivered in key order
 *   webhook!seq               -> number        the last seq handed out (never reused)
 * An event is in the store (one synced batch) before any delivery of it is tried, and leaves it
 * only after the receiver answered 2xx. Only the count and the seq counter live in memory, so
 * a full queue (100,000 events by default) costs disk, not RAM.
 */
import type { JsonSublevel, Store } from '../store/index.ts'

export interface QueuedEvent {
  /** stable id, the receiver's dedupe key (Hearth-Event-Id) */
  id: string
  type: string
  /** the exact body sent on every attempt (the signature covers these bytes) */
  body: string
  /** ms since epoch */
  queuedAt: number
  /** set on events that carry a person's intent: they are deleted with it (PDC-INTENT) */
  intentId?: string
}

export interface WebhookQueue {
  /** events stored or being written */
  readonly size: number
  /** count what survived a restart and continue the numbering; before anything is added */
  init (): Promise<void>
  /** resolves once the event is on stable storage */
  add (event: QueuedEvent): Promise<void>
  /** the oldest stored event */
  head (): Promise<{ key: string, event: QueuedEvent } | undefined>
  /** the head was delivered: delete it */
  remove (key: string): Promise<void>
  /**
   * Delete the queued events carrying this intent (one being delivered right now still goes);
   * returns how many. The intent was withdrawn or expired: its data must not outlive it.
   */
  dropIntent (intentId: string): Promise<number>
  /** wait until every add so far is written */
  flush (): Promise<void>
}

const PREFIX = 'q!'
const SEQ = 'seq'
const keyOf = (seq: number): string => PREFIX + String(seq).padStart(16, '0')
const RANGE = { gt: PREFIX, lt: 'q"' } // '"' is the character after '!'

/** The queue's sublevel (docs/store-layout.md), in the same LevelDB as the rest of the store. */
export function webhookSublevel (store: Store): JsonSublevel {
  return store.webhook
}

interface Pending { key: string, event: QueuedEvent, seq: number, resolve: () => void, reject: (err: unknown) => void }

export function createWebhookQueue (store: Store, onWritten: () => void): WebhookQueue {
  const sub = webhookSublevel(store)
  let size = 0
  let lastSeq = 0
  let pending: Pending[] = []
  let writing: Promise<void> | undefined
  /** intent id -> keys of queued events carrying it; bounded by the queue itself */
  const byIntent = new Map<string, Set<string>>()
  /** head(), remove() and dropIntent() one at a time: each event leaves the count once */
  let lock: Promise<unknown> = Promise.resolve()
  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn, fn)
    lock = run.catch(() => {})
    return await run
  }
  const index = (key: string, intentId: string | undefined): void => {
    if (intentId === undefined) return
    let keys = byIntent.get(intentId)
    if (keys === undefined) byIntent.set(intentId, keys = new Set())
    keys.add(key)
  }
  const unindex = (key: string, intentId: string | undefined): void => {
    if (intentId === undefined) return
    const keys = byIntent.get(intentId)
    keys?.delete(key)
    if (keys?.size === 0) byIntent.delete(intentId)
  }

  // One synced batch per burst: events that arrive while a write is on disk go in the next one.
  const drain = async (): Promise<void> => {
    while (pending.length > 0) {
      const items = pending
      pending = []
      try {
        await store.batch([
          ...items.map(i => ({ type: 'put' as const, sublevel: sub, key: i.key, value: i.event })),
          { type: 'put', sublevel: sub, key: SEQ, value: items.at(-1)!.seq }
        ])
        for (const i of items) i.resolve()
      } catch (err) {
        size -= items.length
        for (const i of items) { unindex(i.key, i.event.intentId); i.reject(err) }
      }
      onWritten()
    }
    writing = undefined
  }

  const flush = async (): Promise<void> => {
    while (writing !== undefined) await writing
  }

  return {
    get size () { return size },
    async init () {
      const seq = await store.get<number>(sub, SEQ)
      const keys = await sub.keys(RANGE).all()
      size = keys.length
      if (size > 0) {
        for await (const [key, event] of sub.iterator(RANGE) as AsyncIterable<[string, QueuedEvent]>) index(key, event.intentId)
      }
      const last = keys.at(-1)
      lastSeq = Math.max(typeof seq === 'number' ? seq : 0, last !== undefined ? Number(last.slice(PREFIX.length)) : 0)
    },
    async add (event) {
      const seq = ++lastSeq
      size++
      index(keyOf(seq), event.intentId)
      const done = new Promise<void>((resolve, reject) => { pending.push({ key: keyOf(seq), event, seq, resolve, reject }) })
      writing ??= drain()
      await done
    },
    async head () {
      return await exclusive(async () => {
        const [first] = await store.entries<QueuedEvent>(sub, { ...RANGE, limit: 1 })
        return first === undefined ? undefined : { key: first[0], event: first[1] }
      })
    },
    async remove (key) {
      // not synced: losing this delete in a power cut means one duplicate delivery, which
      // at-least-once already allows; losing an add would lose an event, so adds are synced
      await exclusive(async () => {
        const event = await store.get<QueuedEvent>(sub, key)
        if (event === undefined) return // dropped while it was being delivered
        await store.batch([{ type: 'del', sublevel: sub, key }], { sync: false })
        size--
        unindex(key, event.intentId)
      })
    },
    async dropIntent (intentId) {
      await flush() // a write still on its way would bring a dropped key back
      return await exclusive(async () => {
        const keys = [...byIntent.get(intentId) ?? []]
        if (keys.length === 0) return 0
        await store.batch(keys.map(key => ({ type: 'del' as const, sublevel: sub, key })))
        for (const key of keys) unindex(key, intentId)
        size -= keys.length
        return keys.length
      })
    },
    flush
  }
}
