/**
 * JSON Schemas for every request and response (mirroring ./backend.ts). Fastify validates
 * requests against them and serialises responses with them, so a field the backend adds
 * later is not sent until it is declared here; /openapi.json is built from the same objects.
 */
const str = { type: 'string' } as const
const int = { type: 'integer' } as const
const strings = { type: 'array', items: str } as const

const object = (properties: Record<string, unknown>, required: string[]) =>
  ({ type: 'object', additionalProperties: false, properties, required }) as const

export const errorSchema = object({
  error: object({ code: str, message: str }, ['code', 'message'])
}, ['error'])

export const healthSchema = object({ ok: { type: 'boolean' } }, ['ok'])
/** 200 when ready, 503 with the same shape (and a reason) when not: see ReadinessView */
export const readinessSchema = object({
  ready: { type: 'boolean' },
  reason: { type: 'string', enum: ['starting', 'stopping', 'stopped', 'store-closed', 'not-listening'] },
  listening: int,
  uptimeMs: int
}, ['ready', 'listening', 'uptimeMs'])

export const identitySchema = object({
  did: str, peerId: str, addresses: strings, invitation: str
}, ['did', 'peerId', 'addresses', 'invitation'])

export const peerSchema = object({
  peerId: str,
  did: str,
  remoteAddr: str,
  direction: { type: 'string', enum: ['inbound', 'outbound'] },
  path: { type: 'string', enum: ['direct', 'hole-punched', 'relayed'] },
  openedAt: int,
  relay: object({ peerId: str, did: str }, ['peerId']),
  limited: { type: 'boolean' }
}, ['peerId', 'remoteAddr', 'direction', 'path', 'openedAt'])

export const contactSchema = object({
  did: str, peerIds: strings, addresses: strings, seq: int, lastSeen: int, source: str
}, ['did', 'peerIds', 'addresses', 'source'])

export const statusSchema = object({
  did: str,
  peerId: str,
  version: str,
  repo: str,
  startedAt: int,
  uptimeMs: int,
  listen: strings,
  connections: int,
  dht: object({ mode: { type: 'string', enum: ['client', 'server'] }, routingTableSize: int }, ['mode', 'routingTableSize']),
  record: object({ seq: int, publishedAt: int, expiresAt: int, lastError: str, addresses: strings }, ['seq']),
  contacts: int,
  reachability: { type: 'string', enum: ['public', 'relayed', 'private'] },
  publicAddresses: {
    type: 'array',
    items: object({ address: str, source: { type: 'string', enum: ['announce', 'upnp', 'autonat'] } }, ['address', 'source'])
  },
  relays: {
    type: 'array',
    items: object({
      peerId: str, did: str, status: { type: 'string', enum: ['reserved', 'refused', 'failed'] }, addresses: strings, since: int, error: str, at: int
    }, ['peerId', 'status', 'addresses'])
  },
  relayService: object({
    mode: { type: 'string', enum: ['auto', 'on', 'off'] },
    active: { type: 'boolean' },
    reservations: { type: 'array', items: object({ peerId: str, did: str, expiresAt: int }, ['peerId', 'expiresAt']) },
    refused: int,
    recentRefusals: { type: 'array', items: object({ peerId: str, reason: str, at: int }, ['peerId', 'reason', 'at']) },
    cutOff: { type: 'array', items: object({ peerId: str, did: str, until: int, reason: str }, ['peerId', 'until', 'reason']) },
    limits: object({ maxReservations: int, bytesPerConnection: int, secondsPerConnection: int, bytesPerPeerPerMinute: int },
      ['maxReservations', 'bytesPerConnection', 'secondsPerConnection', 'bytesPerPeerPerMinute'])
  }, ['mode', 'active', 'reservations', 'refused', 'recentRefusals', 'cutOff', 'limits']),
  profile: { type: 'string', enum: ['default', 'low-power'] },
  maxConnections: int
}, ['did', 'peerId', 'version', 'repo', 'startedAt', 'uptimeMs', 'listen', 'connections', 'dht', 'record', 'contacts'])

export const peersSchema = object({ peers: { type: 'array', items: peerSchema } }, ['peers'])
export const contactsSchema = object({ contacts: { type: 'array', items: contactSchema } }, ['contacts'])
export const inviteSchema = object({ uri: str, did: str }, ['uri', 'did'])

export const MIN_CONNECT_TIMEOUT_MS = 100
export const MAX_CONNECT_TIMEOUT_MS = 120_000
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000

export const connectBodySchema = object({
  target: { type: 'string', minLength: 1, maxLength: 4096, description: 'a DID (did:key:…) or a hearth:invite URI' },
  timeoutMs: { type: 'integer', minimum: MIN_CONNECT_TIMEOUT_MS, maximum: MAX_CONNECT_TIMEOUT_MS, default: DEFAULT_CONNECT_TIMEOUT_MS }
}, ['target'])

export const connectResultSchema = object({
  did: str, peerId: str, remoteAddr: str, via: str, ms: { type: 'number' }
}, ['did', 'peerId', 'remoteAddr', 'via', 'ms'])

export const emptyBodySchema = object({}, [])
export const shutdownSchema = object({ stopping: { type: 'boolean', const: true } }, ['stopping'])

/** GET /v1/webhook (src/webhook WebhookStatus): times are ms since epoch, null when never */
const nullableStr = { type: ['string', 'null'] } as const
const nullableInt = { type: ['integer', 'null'] } as const
export const webhookStatusSchema = object({
  url: nullableStr,
  events: strings,
  queued: int,
  maxQueued: int,
  full: { type: 'boolean' },
  delivered: int,
  refused: int,
  purged: int,
  attempts: int,
  lastError: nullableStr,
  lastErrorAt: nullableInt,
  lastAttemptAt: nullableInt,
  lastDeliveredAt: nullableInt,
  nextAttemptAt: nullableInt
}, ['url', 'events', 'queued', 'maxQueued', 'full', 'delivered', 'refused', 'purged', 'attempts', 'lastError', 'lastErrorAt', 'lastAttemptAt', 'lastDeliveredAt', 'nextAttemptAt'])
export const webhookTestSchema = object({ id: str, type: str, queued: int }, ['id', 'type', 'queued'])

/** The OpenAPI document itself: any object (it is built by ./openapi.ts, not from input). */
export const documentSchema = { type: 'object', additionalProperties: true } as const
