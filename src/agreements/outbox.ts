import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection } from '@libp2p/interface'
import type { BatchOp } from '../store/index.ts'
import type { Ctx } from './context.ts'
import { AGREEMENT_PROTOCOL, request, utf8, fromUtf8 } from './protocol.ts'

/**
 * Messages wait in outbox!<did>!<n> until the peer acknowledges them. Each agreement's messages
 * to a peer are delivered strictly in order, one at a time, so a peer that was offline receives
 * everything exactly once and in order (the receiver also answers a re-delivery with the same
 * Ack); different agreements proceed side by side. Failed deliveries back off exponentially up
 * to maxRetryMs, and a peer that fails once is not retried by its other agreements until its
 * backoff ends.
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

export interface Outbox {
  /** ops that queue a message (to go in the same batch as the message itself) */
  enqueue (item: Omit<OutboxItem, 'n' | 'attempts' | 'nextAt'>): BatchOp
  dequeue (item: OutboxItem): BatchOp
  pending (did?: string): Promise<OutboxItem[]>
  /** read what survived a restart; before anything can be enqueued (numbering must continue) */
  init (): Promise<void>
  start (): Promise<void>
  stop (): Promise<void>
  /** try now: a message was queued, or (with a DID) that peer just came online */
  kick (did?: string): void
}

/** onAck: given the item and the peer's Ack JWT, commit the result (must delete the item). */
export function createOutbox (ctx: Ctx, onAck: (item: OutboxItem, ackJwt: string) => Promise<void>, init: OutboxInit = {}): Outbox {
  const minRetry = init.minRetryMs ?? MIN_RETRY_MS
  const maxRetry = init.maxRetryMs ?? MAX_RETRY_MS
  let counter = 0
  let timer: NodeJS.Timeout | undefined
  let running = false
  let again = false
  let stopped = false
  /** one lane per (peer, agreement): order within it, parallel across them */
  const lane = (i: OutboxItem): string => `${i.did} ${i.thread}`
  const busy = new Set<string>()
  /** peers that failed lately, until when: their other lanes wait too */
  const down = new Map<string, number>()
  /** peers that just came back: their backed-off messages go now */
  const retryNow = new Set<string>()
  const controller = new AbortController()

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
      await ctx.store.batch([{ type: 'put', sublevel: ctx.store.outbox, key: key(item.did, item.n), value: next }], { sync: false }).catch(() => {})
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

  const run = async (): Promise<void> => {
    if (running) { again = true; return }
    running = true
    try {
      do {
        again = false
        const items = await outbox.pending()
        const heads = new Map<string, OutboxItem>()
        for (const it of items) if (!heads.has(lane(it))) heads.set(lane(it), it)
        await Promise.all([...heads.values()].map(async head => {
          const due = head.nextAt <= Date.now() || retryNow.has(head.did)
          if (busy.has(lane(head)) || !due || (down.get(head.did) ?? 0) > Date.now() || stopped) return
          busy.add(lane(head))
          try {
            // drain this agreement's queue in order while deliveries succeed
            let item: OutboxItem | undefined = head
            while (item !== undefined && !stopped) {
              await deliver(item)
              down.delete(head.did)
              again = true
              item = (await outbox.pending(head.did)).find(i => i.thread === head.thread)
            }
          } catch { /* backed off; the timer brings it back */ } finally { busy.delete(lane(head)) }
        }))
      } while (again && !stopped)
    } finally {
      running = false
      schedule()
    }
  }

  const schedule = (): void => {
    if (stopped) return
    clearTimeout(timer)
    void outbox.pending().then(items => {
      if (stopped || items.length === 0) return
      const wait = Math.max(0, Math.min(...items.map(i => i.nextAt)) - Date.now())
      clearTimeout(timer)
      timer = setTimeout(() => { void run() }, Math.min(wait, maxRetry))
      timer.unref()
    }, () => {})
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
    dequeue (item) { return { type: 'del', sublevel: ctx.store.outbox, key: key(item.did, item.n) } },
    async pending (did) {
      const range = did === undefined ? {} : { gt: `${did}!`, lt: `${did}!~` }
      return (await ctx.store.entries<OutboxItem>(ctx.store.outbox, range)).map(([, v]) => v)
    },
    async init () {
      // continue numbering after what survived a restart: order is kept, and a new item can
      // never take (and overwrite) the key of one still waiting
      for (const it of await outbox.pending()) counter = Math.max(counter, it.n)
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
      if (did === undefined) { void run(); return }
      // that peer is back: forget its backoff (in memory: rewriting the stored items here could
      // race with their removal and bring an acknowledged message back)
      down.delete(did)
      retryNow.add(did)
      void run()
    }
  }
  return outbox
}
