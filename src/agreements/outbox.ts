import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection } from '@libp2p/interface'
import type { BatchOp } from '../store/index.ts'
import { commitBatch } from './context.ts'
import type { Ctx } from './context.ts'
import { AGREEMENT_PROTOCOL, request, utf8, fromUtf8 } from './protocol.ts'

/**
 * Messages wait in outbox!<did>!<n> until the peer acknowledges them. Each agreement's messages
 * to a peer are delivered strictly in order, one at a time, so a peer that was offline receives
 * everything exactly once and in order (the receiver also answers a re-delivery with the same
 * Ack); different agreements proceed side by side. Failed deliveries back off exponentially up
 * to maxRetryMs, and a peer that fails once is not retried by its other agreements until its
 * backoff ends.
 *
 * The store is the truth; this module keeps an index of it in memory (read at init, then told
 * of every batch once it is on disk: written()), so a delivery costs no scan of the sublevel.
 * The index holds the queued items themselves (about 1.5 KB each; the scan it replaces read
 * all of them on every pass). Each agreement's queue (a lane) drains by itself as soon as a
 * message is queued in it: a message waiting for a slow answer holds up only its own lane.
 */
export interface OutboxItem {
  did: string
  n: number
  messageId: string
  jwt: string
  thread: string
  kind: string
  attempts: number
  nextAt: number
  lastError?: string
}

export interface OutboxInit { minRetryMs?: number, maxRetryMs?: number }
export const MIN_RETRY_MS = 500
export const MAX_RETRY_MS = 60_000

const key = (did: string, n: number): string => `${did}!${String(n).padStart(12, '0')}`
const itemKey = (i: OutboxItem): string => key(i.did, i.n)
/** one lane per (peer, agreement): order within it, parallel across them */
const laneOf = (i: OutboxItem): string => `${i.did} ${i.thread}`

export interface Outbox {
  /** ops that queue a message (to go in the same batch as the message itself) */
  enqueue (item: Omit<OutboxItem, 'n' | 'attempts' | 'nextAt'>): BatchOp
  dequeue (item: OutboxItem): BatchOp
  /** what waits, in key order (per peer, in queueing order), read from the store: exact before init() too */
  pending (did?: string): Promise<OutboxItem[]>
  /** read what survived a restart; before anything can be enqueued (numbering must continue) */
  init (): Promise<void>
  start (): Promise<void>
  stop (): Promise<void>
  /** try now: a message was queued, or (with a DID) that peer just came online */
  kick (did?: string): void
  /** a batch with these ops is on disk: keep the index in step (context.ts commit() calls it) */
  written (ops: readonly BatchOp[]): void
}

/** onAck: given the item and the peer's Ack JWT, commit the result (must delete the item). */
export function createOutbox (ctx: Ctx, onAck: (item: OutboxItem, ackJwt: string) => Promise<void>, init: OutboxInit = {}): Outbox {
  const minRetry = init.minRetryMs ?? MIN_RETRY_MS
  const maxRetry = init.maxRetryMs ?? MAX_RETRY_MS
  let counter = 0
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  /** every stored item, by lane, each lane in n order (its head first) */
  const lanes = new Map<string, OutboxItem[]>()
  /** the lane of each stored key (a delete names only the key) */
  const laneByKey = new Map<string, string>()
  const busy = new Set<string>()
  /** peers that failed lately, until when: their other lanes wait too */
  const down = new Map<string, number>()
  /** peers that just came back: their backed-off messages go now */
  const retryNow = new Set<string>()
  const controller = new AbortController()

  const remove = (k: string): void => {
    const lane = laneByKey.get(k)
    if (lane === undefined) return
    laneByKey.delete(k)
    const items = lanes.get(lane)!
    items.splice(items.findIndex(i => itemKey(i) === k), 1)
    if (items.length === 0) lanes.delete(lane)
  }
  const insert = (item: OutboxItem): void => {
    const k = itemKey(item)
    remove(k)
    const lane = laneOf(item)
    const items = lanes.get(lane) ?? []
    let at = items.length
    while (at > 0 && items[at - 1]!.n > item.n) at--
    items.splice(at, 0, item)
    lanes.set(lane, items)
    laneByKey.set(k, lane)
  }
  const waiting = (item: OutboxItem): boolean => laneByKey.has(itemKey(item))

  const deliver = async (item: OutboxItem): Promise<void> => {
    try {
      const conn = await connectionTo(item.did)
      const answer = await request(conn, AGREEMENT_PROTOCOL, utf8(item.jwt), { signal: controller.signal })
      await onAck(item, fromUtf8(answer))
    } catch (err) {
      if (stopped) return
      const attempts = item.attempts + 1
      const backoff = Math.min(maxRetry, minRetry * 2 ** Math.min(attempts - 1, 20)) * (0.75 + Math.random() * 0.5)
      const next = { ...item, attempts, nextAt: Date.now() + backoff, lastError: (err as Error).message.slice(0, 300) }
      down.set(item.did, next.nextAt)
      retryNow.delete(item.did)
      // only while it still waits: rewriting an item its Ack already removed would bring it back
      if (waiting(item)) {
        insert(next)
        await commitBatch(ctx, [{ type: 'put', sublevel: ctx.store.outbox, key: itemKey(item), value: next }], { sync: false }).catch(() => {})
      }
      throw err
    }
  }

  /**
   * An open connection to a device that has already proved (signed record) that it speaks for
   * this DID, or a fresh connect-by-DID, which proves it.
   */
  const connectionTo = async (did: string): Promise<Connection> => {
    const known = ctx.libp2p.getConnections().find(c => c.status === 'open' && ctx.contacts.didOf(c.remotePeer.toString()) === did)
    if (known !== undefined) return known
    const result = await ctx.connect(did, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(15_000)]) })
    const conn = ctx.libp2p.getConnections(peerIdFromString(result.peerId)).find(c => c.status === 'open')
    if (conn === undefined) throw new Error('connection closed')
    return conn
  }

  /** the earliest time a lane's head may go: its own backoff, and its peer's */
  const dueAt = (head: OutboxItem): number => retryNow.has(head.did) ? 0 : Math.max(head.nextAt, down.get(head.did) ?? 0)

  /** Deliver one lane's messages in order while deliveries succeed. */
  const drain = async (lane: string): Promise<void> => {
    busy.add(lane)
    try {
      let item = lanes.get(lane)?.[0]
      while (item !== undefined && !stopped) {
        await deliver(item)
        down.delete(item.did)
        const next: OutboxItem | undefined = lanes.get(lane)?.[0]
        // onAck removes what it acknowledged; if it did not, leave it to the timer, never spin
        if (next !== undefined && itemKey(next) === itemKey(item)) break
        item = next
      }
    } catch { /* backed off; the timer brings it back */ } finally {
      busy.delete(lane)
      schedule()
    }
  }

  /** Start every idle lane whose head is due. */
  const run = (): void => {
    if (stopped) return
    const now = Date.now()
    for (const [lane, items] of lanes) {
      if (!busy.has(lane) && dueAt(items[0]!) <= now) void drain(lane)
    }
    schedule()
  }

  /** one timer, for the idle lane that is due first */
  const schedule = (): void => {
    if (stopped) return
    clearTimeout(timer)
    let first = Infinity
    for (const [lane, items] of lanes) if (!busy.has(lane)) first = Math.min(first, dueAt(items[0]!))
    if (first === Infinity) return
    timer = setTimeout(run, Math.min(Math.max(0, first - Date.now()), maxRetry))
    timer.unref()
  }

  const onConnect = (evt: CustomEvent<any>): void => {
    const did = ctx.contacts.didOf(evt.detail.toString())
    if (did !== undefined) outbox.kick(did)
  }

  const outbox: Outbox = {
    enqueue (item) {
      const n = ++counter
      return { type: 'put', sublevel: ctx.store.outbox, key: key(item.did, n), value: { ...item, n, attempts: 0, nextAt: 0 } }
    },
    dequeue (item) { return { type: 'del', sublevel: ctx.store.outbox, key: itemKey(item) } },
    async pending (did) {
      const range = did === undefined ? {} : { gt: `${did}!`, lt: `${did}!~` }
      return (await ctx.store.entries<OutboxItem>(ctx.store.outbox, range)).map(([, v]) => v)
    },
    async init () {
      // continue numbering after what survived a restart: order is kept, and a new item can
      // never take (and overwrite) the key of one still waiting
      for (const [, it] of await ctx.store.entries<OutboxItem>(ctx.store.outbox)) {
        insert(it)
        counter = Math.max(counter, it.n)
      }
    },
    async start () {
      ctx.libp2p.addEventListener('peer:connect', onConnect)
      outbox.kick()
    },
    async stop () {
      stopped = true
      controller.abort()
      clearTimeout(timer)
      ctx.libp2p.removeEventListener('peer:connect', onConnect)
    },
    kick (did) {
      if (stopped) return
      if (did !== undefined) {
        // that peer is back: forget its backoff (in memory: rewriting the stored items here could
        // race with their removal and bring an acknowledged message back)
        down.delete(did)
        retryNow.add(did)
      }
      run()
    },
    written (ops) {
      for (const op of ops) {
        if (op.sublevel !== ctx.store.outbox) continue
        if (op.type === 'put') insert(op.value as OutboxItem)
        else remove(op.key)
      }
    }
  }
  return outbox
}
