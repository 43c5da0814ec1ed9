/**
 * The CRM bridge of a vendor's node (docs/webhook.md): selected bus events go into a persistent
 * queue, then out to one URL as signed JSON, strictly in order, each retried until the receiver
 * answers 2xx. At-least-once: the receiver dedupes by Hearth-Event-Id.
 */
import { randomUUID } from 'node:crypto'
import { HearthError } from '../errors.ts'
import type { HearthEvent } from '../api/backend.ts'
import type { Store } from '../store/index.ts'
import { parseWebhookConfig } from './config.ts'
import type { WebhookConfig } from './config.ts'
import { MAX_RETRY_MS, MIN_RETRY_MS, postEvent, retryDelay } from './delivery.ts'
import { createWebhookQueue } from './queue.ts'
import type { QueuedEvent } from './queue.ts'
import { loadOrCreateWebhookSecret } from './secret.ts'

/** Larger events are refused (and counted): intentcast and agreement events are a few KiB. */
export const MAX_EVENT_BYTES = 256 * 1024
/** events that carry a person's intent (src/intentcast/vendor.ts): deleted from the queue with it */
const INTENT_DATA_TYPES = ['market:intent', 'market:intent-updated']
const INTENT_REMOVED = 'market:intent-removed'

export interface WebhookComponents {
  store: Store
  /** this node's DID, sent in every body as node.did */
  did: string
  /** <repo>/webhook.key */
  secretPath: string
  /** the node's event bus: events to forward come from it, webhook:* events go to it */
  onEvent: (listener: (event: HearthEvent) => void) => () => void
  emit: (type: string, data: Record<string, unknown>) => void
}

export interface WebhookInit {
  config: WebhookConfig
  /** retry bounds (tests); defaults 1 s and 5 min */
  minRetryMs?: number
  maxRetryMs?: number
}

export interface WebhookStatus {
  url: string | null
  events: string[]
  queued: number
  maxQueued: number
  /** the queue is at maxQueued: new events are refused */
  full: boolean
  /** since this node started */
  delivered: number
  /** since this node started: refused because the queue was full (or an event was too large) */
  refused: number
  /** since this node started: queued intent events deleted undelivered because the intent was withdrawn or expired */
  purged: number
  /** failed attempts in a row at the head of the queue */
  attempts: number
  lastError: string | null
  /** ms since epoch, null when never */
  lastErrorAt: number | null
  lastAttemptAt: number | null
  lastDeliveredAt: number | null
  nextAttemptAt: number | null
}

/** What the admin API uses. */
export interface WebhookApi {
  status (): WebhookStatus
  /** queue a 'webhook:test' event (whatever webhook.events says) */
  test (): Promise<{ id: string, type: string, queued: number }>
}

export interface Webhook extends WebhookApi {
  start (): Promise<void>
  stop (): Promise<void>
}

export function createWebhook (components: WebhookComponents, init: WebhookInit): Webhook {
  // validated here too: a config adjusted in code (tests, CLI flags) skipped config.json's checks
  const config = parseWebhookConfig(init.config)
  const minRetry = init.minRetryMs ?? MIN_RETRY_MS
  const maxRetry = init.maxRetryMs ?? MAX_RETRY_MS
  let kicked = false
  let wakeUp: (() => void) | undefined
  const kick = (): void => { kicked = true; wakeUp?.() }
  const queue = createWebhookQueue(components.store, kick)
  const controller = new AbortController()
  let secret: Uint8Array | undefined
  let unsubscribe: (() => void) | undefined
  let loop: Promise<void> | undefined
  let stopped = false
  let overflowing = false
  const s = {
    delivered: 0,
    refused: 0,
    purged: 0,
    attempts: 0,
    lastError: null as string | null,
    lastErrorAt: null as number | null,
    lastAttemptAt: null as number | null,
    lastDeliveredAt: null as number | null,
    nextAttemptAt: null as number | null
  }

  const failed = (error: string): void => { s.lastError = error; s.lastErrorAt = Date.now() }

  /** Queue one event; undefined when refused. Resolves once it is on stable storage. */
  const accept = (type: string, at: number, data: Record<string, unknown>): Promise<QueuedEvent> | undefined => {
    if (queue.size >= config.maxQueued) {
      s.refused++
      if (!overflowing) {
        // once per episode: the CRM and the dashboard learn that events are being lost
        overflowing = true
        components.emit('webhook:overflow', { queued: queue.size, maxQueued: config.maxQueued, firstRefused: type })
      }
      return undefined
    }
    const id = randomUUID()
    let body: string
    try {
      body = JSON.stringify({ id, type, at: new Date(at).toISOString(), node: { did: components.did }, data })
    } catch (err) {
      s.refused++
      failed(`event ${type} refused: not JSON (${(err as Error).message})`)
      return undefined
    }
    if (Buffer.byteLength(body) > MAX_EVENT_BYTES) {
      s.refused++
      failed(`event ${type} refused: ${Buffer.byteLength(body)} bytes, over the ${MAX_EVENT_BYTES}-byte limit`)
      return undefined
    }
    const event: QueuedEvent = { id, type, body, queuedAt: Date.now() }
    if (INTENT_DATA_TYPES.includes(type) && typeof data.intentId === 'string') event.intentId = data.intentId
    return queue.add(event).then(() => event)
  }

  const onEvent = (e: HearthEvent): void => {
    // PDC-INTENT: the intent is gone from the node, so its data must not wait here either
    if (e.type === INTENT_REMOVED && typeof e.data.intentId === 'string') {
      queue.dropIntent(e.data.intentId).then(n => { s.purged += n }, err => { failed(`cannot delete queued events of a removed intent: ${(err as Error).message}`) })
    }
    // our own events are never forwarded: an overflow event could not be queued anyway
    if (e.type.startsWith('webhook:') || !config.events.some(p => e.type.startsWith(p))) return
    accept(e.type, e.at, e.data)?.catch(err => { failed(`cannot store event ${e.type}: ${(err as Error).message}`) })
  }

  const sleep = async (ms?: number): Promise<void> => {
    await new Promise<void>(resolve => {
      if (kicked || stopped) { resolve(); return }
      const timer = ms !== undefined ? setTimeout(resolve, ms) : undefined
      wakeUp = () => { clearTimeout(timer); resolve() }
    })
    wakeUp = undefined
  }

  const run = async (url: string, key: Uint8Array): Promise<void> => {
    while (!stopped) {
      kicked = false
      let head
      try {
        head = await queue.head()
      } catch (err) {
        if (stopped) break
        failed(`cannot read the queue: ${(err as Error).message}`)
        await sleep(minRetry)
        continue
      }
      if (head === undefined) { s.nextAttemptAt = null; await sleep(); continue }
      const wait = (s.nextAttemptAt ?? 0) - Date.now()
      if (wait > 0) { await sleep(wait); continue }
      s.lastAttemptAt = Date.now()
      const r = await postEvent(url, head.event, key, { timeoutMs: config.timeoutMs, signal: controller.signal })
      if (r.ok) {
        // strict FIFO: the next event goes only once this one is acknowledged and removed
        await queue.remove(head.key)
        s.delivered++
        s.attempts = 0
        s.nextAttemptAt = null
        s.lastDeliveredAt = Date.now()
        if (queue.size < config.maxQueued) overflowing = false
      } else if (!stopped) {
        // every failure is retried, 4xx too: a misconfigured CRM must not lose events
        s.attempts++
        s.nextAttemptAt = Date.now() + retryDelay(s.attempts, minRetry, maxRetry)
        failed(`${head.event.type} ${head.event.id}: ${r.error}`)
        components.emit('webhook:failed', { id: head.event.id, type: head.event.type, attempts: s.attempts, error: r.error, nextAttemptAt: s.nextAttemptAt })
      }
    }
  }

  return {
    async start () {
      await queue.init()
      if (config.url === null) return // off: whatever is still queued waits (and shows in status)
      secret = await loadOrCreateWebhookSecret(components.secretPath)
      unsubscribe = components.onEvent(onEvent)
      loop = run(config.url, secret).catch(err => { failed(`delivery stopped: ${(err as Error).message}`) })
    },
    async stop () {
      if (stopped) return
      stopped = true
      unsubscribe?.()
      controller.abort()
      kick()
      await loop
      await queue.flush()
    },
    status: () => ({
      url: config.url,
      events: [...config.events],
      queued: queue.size,
      maxQueued: config.maxQueued,
      full: queue.size >= config.maxQueued,
      ...s
    }),
    async test () {
      if (config.url === null || stopped) throw new HearthError('INVALID_STATE', 'the webhook is off: set webhook.url in config.json and restart the node')
      const queued = accept('webhook:test', Date.now(), { message: 'A test event from `hearth webhook test`. Nothing to do.' })
      if (queued === undefined) throw new HearthError('INVALID_STATE', `the webhook queue is full (${config.maxQueued} events waiting); the test event was refused`)
      const event = await queued
      return { id: event.id, type: event.type, queued: queue.size }
    }
  }
}
