/**
 * libp2p's datastore with its peer store (keys under /peers/) held in memory: read through,
 * written back.
 *
 * libp2p 3.3 merges the protocol into the remote peer's record on every stream it opens or
 * accepts (libp2p/dist/src/connection.js, newStream and onIncomingStream), and
 * @libp2p/peer-store always rewrites the record, because it stamps an `updated` time into it
 * (peer-store/dist/src/store.js, #saveIfDifferent): a LevelDB get and a LevelDB put per stream
 * end, 12 thread-pool round trips per agreement, each costing the JavaScript thread 30-40 us
 * (docs/performance.md, "Agreements"). Here a peer record is read from LevelDB once, then
 * served from memory; writes change the memory copy and reach LevelDB in one batch a moment
 * later (FLUSH_DELAY_MS), before any query that could see them, and when the node stops.
 *
 * Why losing the last second of writes in a crash is harmless: a peer store entry is a cache
 * of what a peer told us about itself (its addresses, protocols, public key, signed peer
 * record). Identify re-sends all of it on the next connection, and a stale or missing entry
 * costs at most one lookup. Nothing in it is acknowledged to a peer or an app, and nothing we
 * promise is derived from it: our contacts, their DIDs and addresses live in the `contacts`
 * sublevel, written synced by src/network. LevelDatastore never synced these writes anyway
 * (classic-level's default is sync: false), so an OS crash could already lose them.
 *
 * Everything else libp2p keeps here (the DHT's records and providers under /dht/, anything a
 * later service adds) goes straight to LevelDB as before: a DHT record we store for others was
 * acknowledged to the peer that sent it.
 */
import { LevelDatastore } from 'datastore-level'
import { NotFoundError } from '@libp2p/interface'
import type { Batch, Key, KeyQuery, Pair, Query } from 'interface-datastore'
import type { Level } from 'level'

/** @libp2p/peer-store's namespace (peer-store/dist/src/utils/peer-id-to-datastore-key.js) */
export const PEER_PREFIX = '/peers/'
/** writes wait this long for others to join their batch */
export const FLUSH_DELAY_MS = 1000
/** at most this many records wait for a flush; one more starts it at once */
export const MAX_DIRTY = 256
/** records held in memory; when there are more, those already in LevelDB are dropped */
export const MAX_CACHED = 4096

interface AbortOptions { signal?: AbortSignal }
/** a record as the peer store last wrote or read it; `value: undefined` means absent (or deleted) */
interface Entry { value: Uint8Array | undefined }

const isPeerKey = (key: string): boolean => key.startsWith(PEER_PREFIX)
/** can a query with this prefix return peer records? */
const reachesPeers = (prefix: string | undefined): boolean =>
  prefix === undefined || PEER_PREFIX.startsWith(prefix) || prefix.startsWith(PEER_PREFIX)

export interface PeerCacheInit {
  flushDelayMs?: number
  maxDirty?: number
  maxCached?: number
  /** told about a flush that failed when nobody awaited it (it is retried) */
  onError?: (err: unknown) => void
}

export class PeerCachingDatastore extends LevelDatastore {
  readonly #entries = new Map<string, Entry>()
  /** keys whose entry LevelDB does not have yet */
  readonly #dirty = new Set<string>()
  /** keys in the batch being written: not dropped from memory until it is written */
  readonly #writing = new Set<string>()
  /** changes whenever entries are dropped, so that a read which started before is not cached */
  #epoch = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #flushes: Promise<void> = Promise.resolve()
  #closed = false
  readonly #flushDelayMs: number
  readonly #maxDirty: number
  readonly #maxCached: number
  readonly #onError: (err: unknown) => void

  constructor (db: Level<string, Uint8Array>, init: PeerCacheInit = {}) {
    super(db)
    this.#flushDelayMs = init.flushDelayMs ?? FLUSH_DELAY_MS
    this.#maxDirty = init.maxDirty ?? MAX_DIRTY
    this.#maxCached = init.maxCached ?? MAX_CACHED
    this.#onError = init.onError ?? (() => {})
  }

  /** records written to memory and not yet to LevelDB */
  get pending (): number { return this.#dirty.size }

  override async get (key: Key, options?: AbortOptions): Promise<Uint8Array> {
    const k = key.toString()
    if (this.#closed || !isPeerKey(k)) return await super.get(key, options)
    options?.signal?.throwIfAborted()
    let entry = this.#entries.get(k)
    if (entry === undefined) {
      const epoch = this.#epoch
      let value: Uint8Array | undefined
      try {
        value = await super.get(key, options)
      } catch (err: any) {
        if (err?.name !== 'NotFoundError') throw err
      }
      entry = this.#entries.get(k)
      if (entry === undefined) {
        entry = { value }
        // a write since the read started is newer than what the read found
        if (epoch === this.#epoch) this.#remember(k, entry)
      }
    }
    if (entry.value === undefined) throw new NotFoundError()
    // a copy, as LevelDB would give: decoded records point into these bytes
    return entry.value.slice()
  }

  override async has (key: Key, options?: AbortOptions): Promise<boolean> {
    if (this.#closed || !isPeerKey(key.toString())) return await super.has(key, options)
    try {
      await this.get(key, options)
      return true
    } catch (err: any) {
      if (err?.name === 'NotFoundError') return false
      throw err
    }
  }

  override async put (key: Key, value: Uint8Array, options?: AbortOptions): Promise<Key> {
    const k = key.toString()
    if (this.#closed || !isPeerKey(k)) return await super.put(key, value, options)
    options?.signal?.throwIfAborted()
    this.#change(k, value)
    return key
  }

  override async delete (key: Key, options?: AbortOptions): Promise<void> {
    const k = key.toString()
    if (this.#closed || !isPeerKey(k)) { await super.delete(key, options); return }
    options?.signal?.throwIfAborted()
    this.#change(k, undefined)
  }

  override batch (): Batch {
    const peers: Array<[string, Uint8Array | undefined]> = []
    const rest = super.batch()
    let restOps = 0
    return {
      put: (key, value) => {
        if (!this.#closed && isPeerKey(key.toString())) peers.push([key.toString(), value])
        else { rest.put(key, value); restOps++ }
      },
      delete: (key) => {
        if (!this.#closed && isPeerKey(key.toString())) peers.push([key.toString(), undefined])
        else { rest.delete(key); restOps++ }
      },
      commit: async (options) => {
        options?.signal?.throwIfAborted()
        if (restOps > 0) await rest.commit(options)
        for (const [k, value] of peers) this.#change(k, value)
      }
    }
  }

  override query (q: Query, options?: AbortOptions): AsyncGenerator<Pair> {
    const self = this
    const query = super.query.bind(this)
    return (async function * () {
      if (reachesPeers(q.prefix)) await self.flush()
      yield * query(q, options)
    })()
  }

  override queryKeys (q: KeyQuery, options?: AbortOptions): AsyncGenerator<Key> {
    const self = this
    const queryKeys = super.queryKeys.bind(this)
    return (async function * () {
      if (reachesPeers(q.prefix)) await self.flush()
      yield * queryKeys(q, options)
    })()
  }

  /** Write every record changed in memory to LevelDB, in one unsynced batch. */
  async flush (): Promise<void> {
    if (this.#timer !== undefined) { clearTimeout(this.#timer); this.#timer = undefined }
    // one flush at a time, in order: a later flush never overtakes an earlier one's writes
    const run = this.#flushes.catch(() => {}).then(async () => { await this.#write() })
    this.#flushes = run
    await run
  }

  override async close (): Promise<void> {
    try {
      await this.flush()
    } finally {
      this.#closed = true
      this.#entries.clear()
      await super.close()
    }
  }

  #change (k: string, value: Uint8Array | undefined): void {
    this.#remember(k, { value })
    this.#dirty.add(k)
    if (this.#dirty.size >= this.#maxDirty) {
      this.flush().catch(err => { this.#onError(err) })
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.flush().catch(err => { this.#onError(err); this.#retryLater() })
      }, this.#flushDelayMs)
      // a pending flush does not keep the process alive: see the header for why that is fine
      this.#timer.unref?.()
    }
  }

  #retryLater (): void {
    if (this.#timer === undefined && this.#dirty.size > 0 && !this.#closed) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined
        this.flush().catch(err => { this.#onError(err); this.#retryLater() })
      }, this.#flushDelayMs)
      this.#timer.unref?.()
    }
  }

  #remember (k: string, entry: Entry): void {
    this.#entries.delete(k) // re-inserted last: the oldest entries are dropped first
    this.#entries.set(k, entry)
    if (this.#entries.size <= this.#maxCached) return
    // drop the older half of what LevelDB already has; unwritten records always stay
    this.#epoch++
    let drop = this.#entries.size - Math.floor(this.#maxCached / 2)
    for (const key of this.#entries.keys()) {
      if (drop <= 0) break
      if (key === k || this.#dirty.has(key) || this.#writing.has(key)) continue
      this.#entries.delete(key)
      drop--
    }
  }

  async #write (): Promise<void> {
    if (this.#dirty.size === 0) return
    const written = new Map<string, Entry>()
    const ops: Array<{ type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }> = []
    for (const k of this.#dirty) {
      const entry = this.#entries.get(k)
      if (entry === undefined) continue // cannot happen: unwritten entries are never dropped
      written.set(k, entry)
      this.#writing.add(k)
      ops.push(entry.value === undefined ? { type: 'del', key: k } : { type: 'put', key: k, value: entry.value })
    }
    this.#dirty.clear()
    try {
      // not synced, as LevelDatastore never synced these writes: see the header
      await this.db.batch(ops)
    } catch (err) {
      // still to be written (the memory copy, possibly changed since, is the one to write)
      for (const k of written.keys()) this.#dirty.add(k)
      throw err
    } finally {
      for (const k of written.keys()) this.#writing.delete(k)
    }
  }
}
