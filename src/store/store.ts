import { Level } from 'level'
import type { LevelDatastore } from 'datastore-level'
import { HearthError } from '../errors.ts'
import { STORE_FORMAT_VERSION } from './layout.ts'
import { PeerCachingDatastore } from './peer-cache.ts'
import type { AbstractSublevel } from 'abstract-level'

type Json = unknown
export type JsonSublevel = AbstractSublevel<Level<string, Json>, string | Buffer | Uint8Array, string, Json>

export interface StoreInit {
  /** Directory of the LevelDB files. */
  location: string
  /** Refuse to open a store that belongs to another DID. Recorded the first time a DID is given. */
  did?: string
}

export interface BatchOp {
  type: 'put' | 'del'
  sublevel: JsonSublevel
  key: string
  value?: Json
}

export interface Store {
  readonly meta: JsonSublevel
  readonly self: JsonSublevel
  readonly contacts: JsonSublevel
  readonly agreements: JsonSublevel
  readonly messages: JsonSublevel
  readonly outbox: JsonSublevel
  readonly replay: JsonSublevel
  readonly ledger: JsonSublevel
  readonly profile: JsonSublevel
  readonly held: JsonSublevel
  /** intentcasting (src/intentcast/store.ts) */
  readonly intents: JsonSublevel
  readonly offers: JsonSublevel
  readonly market: JsonSublevel
  readonly marketOffers: JsonSublevel
  /** the CRM webhook's queue (src/webhook/queue.ts) */
  readonly webhook: JsonSublevel
  /**
   * libp2p's datastore (peer store, DHT records) inside the same LevelDB; peer store records
   * are cached in memory and written back unsynced (src/store/peer-cache.ts).
   */
  readonly datastore: LevelDatastore
  get<T> (sublevel: JsonSublevel, key: string): Promise<T | undefined>
  values<T> (sublevel: JsonSublevel): Promise<T[]>
  /** [key, value] pairs in key order, optionally within a key range */
  entries<T> (sublevel: JsonSublevel, range?: { gt?: string, gte?: string, lt?: string, lte?: string, limit?: number }): Promise<Array<[string, T]>>
  /**
   * One atomic batch. `sync` defaults to true: anything acknowledged to a peer or an app
   * must be on stable storage first (research/security.md section 5).
   */
  batch (ops: BatchOp[], options?: { sync?: boolean }): Promise<void>
  close (): Promise<void>
}

export async function openStore (init: StoreInit): Promise<Store> {
  const db = new Level<string, Json>(init.location, { valueEncoding: 'json' })
  try {
    await db.open()
  } catch (err: any) {
    // LevelDB's LOCK file: one process per repo.
    if (err?.code === 'LEVEL_DATABASE_NOT_OPEN' && err?.cause?.code === 'LEVEL_LOCKED') {
      throw new HearthError('REPO_LOCKED', `the store at ${init.location} is already open (is a node already running on this repo?)`, { cause: err })
    }
    throw new HearthError('INTERNAL', `cannot open the store at ${init.location}: ${String(err?.cause?.message ?? err?.message ?? err)}`, { cause: err })
  }
  const sub = (name: string): JsonSublevel => db.sublevel<string, Json>(name, { valueEncoding: 'json' })
  const meta = sub('meta')
  try {
    await checkFormat(db, meta, init)
  } catch (err) {
    await db.close()
    throw err
  }
  const libp2p = db.sublevel<string, Uint8Array>('libp2p', { valueEncoding: 'view' })
  // the peer store is served from memory and written back a moment later: see peer-cache.ts
  const datastore = new PeerCachingDatastore(libp2p as any)
  await datastore.open()

  const store: Store = {
    meta,
    self: sub('self'),
    contacts: sub('contacts'),
    agreements: sub('agreements'),
    messages: sub('messages'),
    outbox: sub('outbox'),
    replay: sub('replay'),
    ledger: sub('ledger'),
    profile: sub('profile'),
    held: sub('held'),
    intents: sub('intents'),
    offers: sub('offers'),
    market: sub('market'),
    marketOffers: sub('marketOffers'),
    webhook: sub('webhook'),
    datastore,
    async get<T> (sublevel: JsonSublevel, key: string) {
      return await sublevel.get(key) as T | undefined
    },
    async values<T> (sublevel: JsonSublevel) {
      return await sublevel.values().all() as T[]
    },
    async entries<T> (sublevel: JsonSublevel, range = {}) {
      return await sublevel.iterator(range).all() as Array<[string, T]>
    },
    async batch (ops, options) {
      const b = db.batch()
      try {
        for (const op of ops) {
          if (op.type === 'put') b.put(op.key, op.value, { sublevel: op.sublevel })
          else b.del(op.key, { sublevel: op.sublevel })
        }
      } catch (err) {
        await b.close()
        throw new HearthError('INVALID_ARGUMENT', `cannot store that: ${(err as Error).message}`, { cause: err })
      }
      await b.write({ sync: options?.sync ?? true } as object)
    },
    async close () {
      await datastore.close().catch(() => {})
      await db.close()
    }
  }
  return store
}

async function checkFormat (db: Level<string, Json>, meta: JsonSublevel, init: StoreInit): Promise<void> {
  const format = await meta.get('format')
  if (format === undefined) {
    // any key at all, in any sublevel: data we did not write, or from before format versions
    const any = await db.keys({ limit: 1 }).all()
    if (any.length > 0) throw new HearthError('UNSUPPORTED_FORMAT', `store at ${init.location} has data but no format version`)
    const ops: Array<{ type: 'put', key: string, value: Json }> = [
      { type: 'put', key: 'format', value: STORE_FORMAT_VERSION },
      { type: 'put', key: 'createdAt', value: new Date().toISOString() }
    ]
    if (init.did !== undefined) ops.push({ type: 'put', key: 'did', value: init.did })
    await meta.batch(ops, { sync: true } as object)
    return
  }
  if (format !== STORE_FORMAT_VERSION) {
    throw new HearthError('UNSUPPORTED_FORMAT', `store at ${init.location} has format ${JSON.stringify(format)}; this Hearth reads format ${STORE_FORMAT_VERSION}`)
  }
  const did = await meta.get('did')
  if (init.did !== undefined && did !== undefined && did !== init.did) {
    throw new HearthError('INVALID_CONFIG', `store at ${init.location} belongs to ${String(did)}, not ${init.did}`)
  }
  if (init.did !== undefined && did === undefined) await meta.put('did', init.did, { sync: true } as object)
}
