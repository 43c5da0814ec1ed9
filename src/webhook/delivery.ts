/**
 * One delivery attempt: a signed POST of a queued event's exact body, with a timeout, and no
 * redirect followed (a 3xx is a failure: the configured URL is the only place events go).
 */
import { VERSION } from '../version.ts'
import type { QueuedEvent } from './queue.ts'
import { HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, HEADER_TYPE, signWebhook } from './signature.ts'

export const MIN_RETRY_MS = 1_000
export const MAX_RETRY_MS = 5 * 60_000

export type AttemptResult = { ok: true, status: number } | { ok: false, status?: number, error: string }

export async function postEvent (
  url: string, event: QueuedEvent, secret: Uint8Array, options: { timeoutMs: number, signal: AbortSignal }
): Promise<AttemptResult> {
  // a fresh timestamp on every attempt, so a receiver's replay window holds for retries too
  const timestamp = Math.floor(Date.now() / 1000)
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': `Hearth/${VERSION}`,
        [HEADER_ID]: event.id,
        [HEADER_TYPE]: event.type,
        [HEADER_TIMESTAMP]: String(timestamp),
        [HEADER_SIGNATURE]: signWebhook(secret, timestamp, event.body)
      },
      body: event.body,
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)])
    })
  } catch (err) {
    return { ok: false, error: fetchError(err, options.timeoutMs) }
  }
  // the answer's body is not used (nor shown: it is the receiver's text); free the connection
  await res.body?.cancel().catch(() => {})
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status }
  const why = res.status >= 300 && res.status < 400 ? ' (redirects are not followed: configure the final URL)' : ''
  return { ok: false, status: res.status, error: `HTTP ${res.status}${why}` }
}

function fetchError (err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string, message?: string } }
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`
  if (e.name === 'AbortError') return 'stopped'
  const code = e.cause?.code
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found'
  return (code !== undefined ? `${code}: ` : '') + String(e.cause?.message ?? e.message).slice(0, 200)
}

/**
 * Exponential backoff: the n-th consecutive failure waits min(max, min * 2^(n-1)), less up to
 * 20% at random, so that many nodes whose CRM came back do not all retry in the same second.
 */
export function retryDelay (attempts: number, minMs = MIN_RETRY_MS, maxMs = MAX_RETRY_MS, random = Math.random()): number {
  const full = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempts, 1) - 1, 30))
  return Math.round(full * (1 - 0.2 * random))
}
