import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { IncomingMessage } from 'node:http'
import { headerCount } from './guard.ts'
import type { Refusal } from './guard.ts'

/** 256 random bits, base64url (43 characters): new at every start, like Bitcoin's .cookie. */
export const newToken = (): string => randomBytes(32).toString('base64url')

export const DEFAULT_AUTH_FAILURE_DELAY_MS = 250
/** More failures than this inside the window answer 429 (the right token still gets in). */
export const AUTH_FAILURE_LIMIT = 20
export const AUTH_FAILURE_WINDOW_MS = 60_000

// RFC 7235: the scheme is case-insensitive, so `bearer` is accepted; exactly one space, and
// the token charset of RFC 6750 (base64url is a subset), so nothing is trimmed or guessed.
const BEARER = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i

/**
 * Recent bad-token attempts, a sliding window kept to LIMIT + 1 timestamps so a flood costs no
 * memory. One per ApiServer, i.e. per daemon process, and kept across restarts of the server.
 */
export class FailureWindow {
  readonly #times: number[] = []

  /** Records a failure; true when there have now been too many in the window. */
  record (now: number): boolean {
    const times = this.#times
    times.push(now)
    while (times.length > AUTH_FAILURE_LIMIT + 1) times.shift()
    while (times.length > 0 && now - (times[0] ?? now) > AUTH_FAILURE_WINDOW_MS) times.shift()
    return times.length > AUTH_FAILURE_LIMIT
  }
}

/**
 * Checks `Authorization: Bearer <token>`, and nothing else: never a query parameter or a
 * cookie, which browsers and logs leak. A failure costs the caller a delay, and many failures
 * in a short window are answered with 429, so guessing is slow even with parallel requests.
 */
export class TokenGate {
  readonly #digest: Buffer
  readonly #delayMs: number
  readonly #failures: FailureWindow

  constructor (token: string, delayMs: number, failures: FailureWindow) {
    this.#digest = digest(token)
    this.#delayMs = delayMs
    this.#failures = failures
  }

  /** undefined when the request carries the token; otherwise the refusal, after the delay. */
  async check (req: IncomingMessage): Promise<Refusal | undefined> {
    const match = headerCount(req, 'authorization') === 1 ? BEARER.exec(req.headers.authorization ?? '') : null
    // Compare digests: equal length whatever was sent, so the time taken says nothing about it.
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), this.#digest)) return undefined
    const limited = this.#failures.record(Date.now())
    await sleep(this.#delayMs)
    if (limited) {
      return { status: 429, code: 'UNAUTHORIZED', message: 'too many failed authentication attempts; try again later' }
    }
    return {
      status: 401,
      code: 'UNAUTHORIZED',
      message: match === null ? 'missing Authorization: Bearer <token> header (the token is in <repo>/api.token)' : 'invalid token'
    }
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()
