import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiBackend, HearthEvent } from './backend.ts'
import { refuse } from './errors.ts'

export interface EventStreamLimits {
  /** Concurrent streams; more get 503, since each holds a socket and a backend listener. */
  maxClients: number
  /** Bytes a client may leave unread before it is dropped, so one stalled reader cannot grow our memory. */
  maxBufferedBytes: number
  heartbeatMs: number
  /** Reconnect delay suggested to EventSource-style clients (`retry:`). */
  retryMs: number
}

export const DEFAULT_EVENT_LIMITS: EventStreamLimits = {
  maxClients: 16, maxBufferedBytes: 1024 * 1024, heartbeatMs: 15_000, retryMs: 3_000
}

// An event type goes on an `event:` line; anything beyond this set could start a new SSE field.
const EVENT_TYPE = /^[A-Za-z0-9:._-]{1,100}$/

/**
 * GET /v1/events, written by hand on the raw response (the reply is hijacked) because the
 * stream must outlive fastify's request cycle. Auth, Host and Origin checks have run by now.
 */
export function eventsHandler (backend: ApiBackend, limits: EventStreamLimits) {
  let clients = 0
  return (_request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    if (clients >= limits.maxClients) {
      return refuse(reply, 503, 'INTERNAL', `too many event streams open (at most ${limits.maxClients})`)
    }
    clients++
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold events back until a buffer fills.
      'X-Accel-Buffering': 'no'
    })
    res.write(`retry: ${limits.retryMs}\n\n`)

    let closed = false
    const send = (chunk: string): void => {
      if (closed || res.destroyed || chunk === '') return
      res.write(chunk)
      if (res.writableLength > limits.maxBufferedBytes) res.destroy()
    }
    const unsubscribe = backend.onEvent(event => { send(formatEvent(event)) })
    const heartbeat = setInterval(() => { send(': heartbeat\n\n') }, limits.heartbeatMs)
    heartbeat.unref()
    const cleanup = (): void => {
      if (closed) return
      closed = true
      clients--
      clearInterval(heartbeat)
      unsubscribe()
    }
    // A write racing a vanished client must not become an unhandled 'error' event.
    res.on('error', () => {})
    res.once('close', cleanup)
    // The client may have gone while the hooks ran, its 'close' already emitted.
    if (res.destroyed) cleanup()
    return undefined
  }
}

/** One SSE message; '' (nothing sent) for an event that could not be framed safely. */
export function formatEvent (event: HearthEvent): string {
  if (!Number.isSafeInteger(event.id) || !EVENT_TYPE.test(event.type)) return ''
  let data: string
  try {
    // JSON.stringify escapes CR and LF, so the payload stays on its one `data:` line.
    data = JSON.stringify({ id: event.id, type: event.type, at: event.at, data: event.data })
  } catch {
    return ''
  }
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${data}\n\n`
}
