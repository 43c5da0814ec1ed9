import type { BatchOp, JsonSublevel, Store } from '../store/index.ts'

/**
 * The records every agreement message reads (its agreement, our message an Ack answers, the
 * sender's last seq, the profile, the data held) kept in memory, so the hot path does not wait
 * on a LevelDB read per record: a profile of `npm run bench` showed about 30 awaited reads per
 * agreement, each a round trip through libuv's thread pool.
 *
 * Write-through and never ahead of the disk: written() runs only after a batch is on disk, and
 * a miss is filled from the store. The contract that keeps it exact: get() and the writes of
 * a key happen under the same lock (ctx.exclusive: the thread for agreement records, messages,
 * held data and seq markers; '*' for the profile, which every other key waits for), so no
 * write can land between a miss's read and its fill. Every write of a cached sublevel must go
 * through written() (context.ts commit()); readers outside those locks use the store directly.
 * Values are shared, not copied: callers build new objects and never mutate what they get.
 */
export interface RecordCache {
  /** the value stored under key (undefined when there is none), from memory when known */
  get<T>(sublevel: JsonSublevel, key: string): Promise<T | undefined>
  /** a batch with these ops is on disk */
  written(ops: readonly BatchOp[]): void
  /**
   * The caller knows, under the key's lock, that nothing is stored under key (for example the
   * held data of an agreement that did not exist until now): later reads need no disk read.
   */
  absent(sublevel: JsonSublevel, key: string): void
}

export interface CachedSublevel {
  sublevel: JsonSublevel
  /** entries kept (least recently used go first) */
  max: number
  /** only these keys are cached (default: all) */
  keys?: (key: string) => boolean
  /** of the values written, only these are kept (default: all); another value written drops the key */
  values?: (value: unknown) => boolean
}

/** marks a key known to have no value (a delete, or a miss that found nothing) */
const ABSENT = Symbol('absent')

export function createRecordCache (store: Store, sublevels: CachedSublevel[]): RecordCache {
  const maps = new Map<JsonSublevel, { max: number, keys: (key: string) => boolean, values: (value: unknown) => boolean, entries: Map<string, unknown> }>()
  for (const s of sublevels) maps.set(s.sublevel, { max: s.max, keys: s.keys ?? (() => true), values: s.values ?? (() => true), entries: new Map() })

  const remember = (c: { max: number, entries: Map<string, unknown> }, key: string, value: unknown): void => {
    c.entries.delete(key)
    c.entries.set(key, value)
    // a Map iterates in insertion order: the first key is the least recently used
    if (c.entries.size > c.max) c.entries.delete(c.entries.keys().next().value!)
  }

  return {
    async get<T>(sublevel: JsonSublevel, key: string): Promise<T | undefined> {
      const c = maps.get(sublevel)
      if (c === undefined || !c.keys(key)) return await store.get<T>(sublevel, key)
      if (c.entries.has(key)) {
        const value = c.entries.get(key)
        remember(c, key, value)
        return value === ABSENT ? undefined : value as T
      }
      const value = await store.get<T>(sublevel, key)
      // under the key's lock nothing was written meanwhile; has() is a second guard
      if (!c.entries.has(key)) remember(c, key, value === undefined ? ABSENT : value)
      return value
    },
    absent (sublevel, key) {
      const c = maps.get(sublevel)
      if (c !== undefined && c.keys(key)) remember(c, key, ABSENT)
    },
    written (ops) {
      for (const op of ops) {
        const c = maps.get(op.sublevel)
        if (c === undefined || !c.keys(op.key)) continue
        if (op.type === 'put' && op.value !== undefined && !c.values(op.value)) c.entries.delete(op.key)
        else remember(c, op.key, op.type === 'put' && op.value !== undefined ? op.value : ABSENT)
      }
    }
  }
}
