/**
 * The `webhook` section of config.json (docs/webhook.md). Strict like the other sections:
 * unknown keys are errors and every value is bounded, so a typo never silently turns the
 * bridge off or points it somewhere else.
 */
import { invalidConfig } from '../errors.ts'

export interface WebhookConfig {
  /** where events are POSTed; null = the webhook is off */
  url: string | null
  /** event type prefixes to forward, e.g. 'market:', 'agreement:state' */
  events: string[]
  /** events kept while the receiver is unreachable; beyond that new events are refused */
  maxQueued: number
  /** one delivery attempt gives up after this long */
  timeoutMs: number
}

export const DEFAULT_WEBHOOK_EVENTS = ['market:', 'agreement:']
export const DEFAULT_MAX_QUEUED = 100_000
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000
export const MAX_WEBHOOK_URL_LENGTH = 2048
const MAX_PREFIXES = 32
const PREFIX = /^[a-z0-9][a-z0-9:._-]{0,63}$/
const KEYS = ['url', 'events', 'maxQueued', 'timeoutMs']

export function defaultWebhookConfig (): WebhookConfig {
  return { url: null, events: [...DEFAULT_WEBHOOK_EVENTS], maxQueued: DEFAULT_MAX_QUEUED, timeoutMs: DEFAULT_WEBHOOK_TIMEOUT_MS }
}

/** `raw` is the section as found in config.json (undefined when absent). */
export function parseWebhookConfig (raw: unknown): WebhookConfig {
  const d = defaultWebhookConfig()
  if (raw === undefined) return d
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidConfig('webhook', 'must be an object')
  for (const k of Object.keys(raw)) {
    if (!KEYS.includes(k)) throw invalidConfig(`webhook.${k}`, `unknown key (allowed: ${KEYS.join(', ')})`)
  }
  const w = raw as Record<string, unknown>
  return {
    url: webhookUrl(w.url === undefined ? d.url : w.url),
    events: prefixes(w.events ?? d.events),
    maxQueued: int(w.maxQueued ?? d.maxQueued, 'webhook.maxQueued', 1, 10_000_000),
    timeoutMs: int(w.timeoutMs ?? d.timeoutMs, 'webhook.timeoutMs', 100, 120_000)
  }
}

function webhookUrl (v: unknown): string | null {
  const field = 'webhook.url'
  if (v === null) return null
  if (typeof v !== 'string' || v === '' || v.length > MAX_WEBHOOK_URL_LENGTH) {
    throw invalidConfig(field, `must be null (off) or an http: or https: URL of at most ${MAX_WEBHOOK_URL_LENGTH} characters`)
  }
  let url: URL
  try { url = new URL(v) } catch { throw invalidConfig(field, `${JSON.stringify(v.slice(0, 200))} is not a URL`) }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidConfig(field, `must use https: (or http: on loopback or your own LAN only: plain http shows every event, intents included, to anyone on the path), not ${url.protocol}`)
  }
  // fetch refuses URLs with credentials, and a secret in config.json would be one more to leak:
  // the receiver authenticates us by the HMAC signature instead.
  if (url.username !== '' || url.password !== '') throw invalidConfig(field, 'must not contain a user name or password (the HMAC signature authenticates the node)')
  return v
}

function prefixes (v: unknown): string[] {
  const field = 'webhook.events'
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_PREFIXES) {
    throw invalidConfig(field, `must be a list of 1 to ${MAX_PREFIXES} event type prefixes such as "market:" (set webhook.url to null to turn the webhook off)`)
  }
  return v.map((p, i) => {
    if (typeof p !== 'string' || !PREFIX.test(p)) throw invalidConfig(`${field}[${i}]`, 'must be an event type prefix such as "market:" or "agreement:state" (lower case, 1-64 characters)')
    return p
  })
}

function int (v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidConfig(field, `must be an integer from ${min} to ${max}`)
  return v
}
