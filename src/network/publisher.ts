import type { Ed25519Key } from '../identity/index.ts'
import type { Store } from '../store/index.ts'
import { createDidRecord, recordKey, DEFAULT_RECORD_TTL_MS, MAX_ADDR_LENGTH, MAX_ADDRS_PER_DEVICE } from './did-record.ts'
import type { HearthLibp2p } from './libp2p.ts'
import { isPublicAddr, isRelayAddr } from './reachability.ts'

/** Republish well inside the DHT's 48 h retention and the record's 24 h expiry. */
export const REPUBLISH_INTERVAL_MS = 6 * 3600_000
/** Wait for address changes and new peers to settle before publishing again. */
export const PUBLISH_DEBOUNCE_MS = 500
export const PUBLISH_TIMEOUT_MS = 30_000

/** self!record in the store (src/store/layout.ts) */
interface SelfRecord { seq: number, exp: number, bytes: string, publishedAt?: number }

export interface PublisherStatus { seq: number, publishedAt?: number, expiresAt?: number, lastError?: string, addresses?: string[] }

export interface RecordPublisher {
  /** The record this node serves on /vrm/record/1.0.0 and puts in the DHT. */
  current (): Uint8Array | undefined
  status (): PublisherStatus
  /** Build a fresh record (new seq, current addresses) and put it in the DHT. */
  publish (options?: { signal?: AbortSignal }): Promise<void>
  /** Publish soon (debounced): addresses changed or peers arrived. */
  schedule (): void
  start (): Promise<void>
  stop (): Promise<void>
}

export interface PublisherInit {
  ttlMs?: number
  /** told about every record we make, so our own validator refuses older copies of it */
  onRecord?: (record: { did: string, seq: number }) => void
}

export function createPublisher (node: HearthLibp2p, identity: Ed25519Key, store: Store, init: PublisherInit = {}): RecordPublisher {
  const ttl = init.ttlMs ?? DEFAULT_RECORD_TTL_MS
  let rec: SelfRecord | undefined
  let bytes: Uint8Array | undefined
  let lastError: string | undefined
  let recordAddrs: string[] | undefined
  let timer: NodeJS.Timeout | undefined
  let interval: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  const controller = new AbortController()

  const build = async (): Promise<void> => {
    // seq must beat every record this DID ever published, from any device: a restored device
    // does not know the old seq, so the clock (ms) sets a floor (DESIGN.md section 3).
    const seq = Math.max((rec?.seq ?? 0) + 1, Date.now())
    const exp = Date.now() + ttl
    // public addresses first, then relay addresses, so that the cap never drops the ones that
    // others can use; LAN and loopback ones last
    const rank = (a: string): number => isPublicAddr(a) ? 0 : isRelayAddr(a) ? 1 : /^\/ip[46]\/(127\.|::1\/)/.test(a) ? 3 : 2
    const addrs = node.getMultiaddrs().map(a => a.toString().replace(/\/p2p\/[^/]+$/, ''))
      .filter(a => a.length <= MAX_ADDR_LENGTH)
      .map((a, i) => ({ a, i, r: rank(a) })).sort((x, y) => x.r - y.r || x.i - y.i).map(x => x.a)
      .slice(0, MAX_ADDRS_PER_DEVICE)
    const b = createDidRecord(identity, { seq, exp, devices: [{ peerId: node.peerId.toString(), addrs }] })
    recordAddrs = addrs
    // keep the last successful publication until a new one succeeds: status must not flicker
    // to 'unpublished' (and every new connection must not trigger another put) on a republish
    rec = { seq, exp, bytes: Buffer.from(b).toString('base64'), ...(rec?.publishedAt !== undefined ? { publishedAt: rec.publishedAt } : {}) }
    bytes = b
    init.onRecord?.({ did: identity.did, seq })
    await store.batch([{ type: 'put', sublevel: store.self, key: 'record', value: rec }])
  }

  const put = async (signal?: AbortSignal): Promise<void> => {
    await build()
    try {
      const s = AbortSignal.any([controller.signal, AbortSignal.timeout(PUBLISH_TIMEOUT_MS), ...(signal ? [signal] : [])])
      await node.contentRouting.put(recordKey(identity.did), bytes!, { signal: s })
      rec!.publishedAt = Date.now()
      lastError = undefined
      await store.batch([{ type: 'put', sublevel: store.self, key: 'record', value: rec }], { sync: false })
    } catch (err) {
      lastError = (err as Error).message
    }
  }

  const publisher: RecordPublisher = {
    current: () => bytes,
    status: () => ({ seq: rec?.seq ?? 0, publishedAt: rec?.publishedAt, expiresAt: rec?.exp, lastError, ...(recordAddrs !== undefined ? { addresses: recordAddrs } : {}) }),
    async publish (options) {
      // one publication at a time; a request during one runs once more afterwards
      if (running !== undefined) { again = true; await running; return }
      running = (async () => {
        do { again = false; await put(options?.signal) } while (again && !controller.signal.aborted)
      })().finally(() => { running = undefined })
      await running
    },
    schedule () {
      if (controller.signal.aborted) return
      clearTimeout(timer)
      timer = setTimeout(() => { publisher.publish().catch(() => {}) }, PUBLISH_DEBOUNCE_MS)
      timer.unref()
    },
    async start () {
      rec = await store.get<SelfRecord>(store.self, 'record')
      await build()
      interval = setInterval(() => { publisher.publish().catch(() => {}) }, REPUBLISH_INTERVAL_MS)
      interval.unref()
      node.addEventListener('self:peer:update', () => { publisher.schedule() })
    },
    async stop () {
      controller.abort()
      clearTimeout(timer)
      clearInterval(interval)
      await running?.catch(() => {})
    }
  }
  return publisher
}
