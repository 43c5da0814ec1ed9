import { randomBytes } from 'node:crypto'
import { open } from 'node:fs/promises'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { HearthError, invalidConfig } from '../errors.ts'
import { writeFileAtomic } from '../fs/index.ts'
import { defaultWebhookConfig, parseWebhookConfig } from '../webhook/config.ts'
import type { WebhookConfig } from '../webhook/config.ts'

export const CONFIG_VERSION = 1
/** A config file is small; a huge one is a mistake or an attack (research/security.md B.6 #78). */
export const MAX_CONFIG_BYTES = 256 * 1024
export const DEFAULT_P2P_PORT = 4012
export const DEFAULT_API_PORT = 7012

export interface NetworkConfig {
  /** libp2p listen multiaddrs */
  listen: string[]
  /** addresses to announce instead of the listen ones (a helper with a known public IP) */
  announce: string[]
  /** bootstrap peers: multiaddrs ending in /p2p/<peerId> */
  bootstrap: string[]
  /** find and dial Hearth nodes on the local network */
  mdns: boolean
  /** 'auto' = libp2p decides (server once a public address is confirmed) */
  dhtMode: 'auto' | 'client' | 'server'
  /** keep private/loopback addresses in DHT answers (LAN-only and test networks) */
  privateAddresses: boolean
  maxConnections: number
  /** new inbound connections per second from one host (libp2p default 5) */
  inboundConnectionThreshold: number
  /**
   * Relay service for this node's contacts (circuit relay v2; never for strangers):
   * 'auto' = only while this node is publicly reachable (an announced public address, a UPnP
   * mapping, or an AutoNAT-confirmed one), 'on' = always, 'off' = never.
   */
  relay: 'auto' | 'on' | 'off'
  /** how many relays (contacts or bootstrap peers offering one) to hold a reservation on while not publicly reachable; 0 = never use relays */
  relayReservations: number
  /** ask the home router for a port mapping (UPnP IGD / NAT-PMP) when listening on a LAN address */
  upnp: boolean
  /** how often mDNS asks the LAN for Hearth nodes (it always asks once at start and answers others' questions) */
  mdnsIntervalMs: number
}

/**
 * 'low-power' (a Raspberry Pi, a small VPS): fewer connections, a DHT client that stores and
 * answers nothing for others, and mDNS asking the LAN every 5 minutes instead of every 10 s.
 * A profile changes the defaults only: a network key set to anything but its default wins.
 */
export type Profile = 'default' | 'low-power'
export const PROFILES: readonly Profile[] = ['default', 'low-power']
export const LOW_POWER: Readonly<Partial<NetworkConfig>> = { maxConnections: 32, dhtMode: 'client', mdnsIntervalMs: 300_000 }

export interface AgreementsConfig {
  /** term ids accepted without asking (vendor rules), e.g. ["SD-BASE", "SD-BASE-DP"] */
  autoAccept: string[]
  /** term ids this node advertises as acceptable (its r-button); autoAccept is always included */
  accepts: string[]
  /** undecided proposals one peer may have waiting here */
  maxPendingPerPeer: number
  /** new proposals accepted per second from one peer (twice that in a burst); more get no answer */
  maxProposalsPerSecond: number
}

/** A vendor rule: answer matching intents with this offer at once (issue 4, vendor side). */
export interface AutoOfferRule {
  /** a category id of protocols/intentcast/categories.json */
  category: string
  /** the intent must carry at least one of these tags (none: any intent of the category) */
  tags: string[]
  /** the offer: items with prices, the total, how it is delivered, for how long it holds */
  offer: {
    items: Array<{ name: string, quantity: number, price: { amount: string, currency: string } }>
    total: { amount: string, currency: string }
    fulfilment: { method: 'delivery' | 'pickup' | 'service-on-site' }
    validForSeconds: number
    conditions?: { termsAndConditions?: string, refundPolicy?: string, warranty?: string }
    proposedAgreement?: { termId: string, share: string[], purposes: string[], validForSeconds: number }
  }
}

export interface IntentcastConfig {
  /** relay every intentcast topic for others (a bootstrap or community node); stores nothing */
  router: boolean
  /** offers kept per intent of hers; more are refused */
  maxOffersPerIntent: number
  vendor: {
    /** category ids to receive intents for; empty = not a vendor */
    categories: string[]
    /** the name offers carry (vendor.name); null = none */
    name: string | null
    /** intents held at once; more are refused until some expire */
    maxIntents: number
    /** new intents accepted per second, all topics together (twice that in a burst) */
    maxIntentsPerSecond: number
    autoOffers: AutoOfferRule[]
  }
}

export interface HearthConfig {
  version: number
  /** 'default' or 'low-power' (see Profile) */
  profile: Profile
  network: NetworkConfig
  api: { port: number }
  agreements: AgreementsConfig
  intentcast: IntentcastConfig
  /** the CRM webhook of a vendor's node (docs/webhook.md); url null = off */
  webhook: WebhookConfig
}

export function defaultConfig (): HearthConfig {
  return {
    version: CONFIG_VERSION,
    profile: 'default',
    network: {
      listen: [`/ip4/0.0.0.0/tcp/${DEFAULT_P2P_PORT}`, `/ip6/::/tcp/${DEFAULT_P2P_PORT}`],
      announce: [],
      bootstrap: [],
      mdns: true,
      dhtMode: 'auto',
      privateAddresses: false,
      // Fit for a Raspberry Pi (research/libp2p-engineering.md section 7).
      maxConnections: 100,
      inboundConnectionThreshold: 5,
      relay: 'auto',
      relayReservations: 2,
      upnp: true,
      mdnsIntervalMs: 10_000
    },
    api: { port: DEFAULT_API_PORT },
    agreements: { autoAccept: [], accepts: [], maxPendingPerPeer: 32, maxProposalsPerSecond: 20 },
    intentcast: {
      router: false,
      maxOffersPerIntent: 100,
      vendor: { categories: [], name: null, maxIntents: 10_000, maxIntentsPerSecond: 50, autoOffers: [] }
    },
    webhook: defaultWebhookConfig()
  }
}

/**
 * A closed local network (tests, benchmarks, a demo on one machine): no mDNS, DHT server,
 * loopback addresses kept, no inbound connection rate limit, any free API port.
 */
export function localNetworkConfig (transport: 'tcp' | 'memory', bootstrap: string[] = [], name = 'hearth'): HearthConfig {
  const c = defaultConfig()
  c.network.listen = transport === 'memory' ? [`/memory/${name}-${randomBytes(8).toString('hex')}`] : ['/ip4/127.0.0.1/tcp/0']
  c.network.bootstrap = bootstrap
  c.network.mdns = false
  c.network.dhtMode = 'server'
  c.network.privateAddresses = true
  c.network.inboundConnectionThreshold = 10_000
  c.api.port = 0
  return c
}

export async function loadConfig (path: string): Promise<HearthConfig> {
  let fh
  try { fh = await open(path, 'r') } catch { throw new HearthError('INVALID_CONFIG', `config file ${path} is missing or unreadable`) }
  let text: string
  try {
    if (!(await fh.stat()).isFile()) throw new HearthError('INVALID_CONFIG', `config file ${path} is not a regular file`)
    // read at most the limit + 1 bytes from the open file: it may grow after any stat
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1)
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0)
    if (bytesRead > MAX_CONFIG_BYTES) throw new HearthError('INVALID_CONFIG', `config file ${path} is over the ${MAX_CONFIG_BYTES}-byte limit`)
    text = buf.subarray(0, bytesRead).toString('utf8')
  } finally {
    await fh.close()
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  let raw: unknown
  try { raw = JSON.parse(text) } catch (err) {
    throw new HearthError('INVALID_CONFIG', `config file ${path} is not valid JSON (${(err as Error).message}); fix it or restore it from a backup`)
  }
  return parseConfig(raw)
}

export async function saveConfig (path: string, config: HearthConfig): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(parseConfig(config), null, 2) + '\n', 0o600)
}

/** Strict: unknown keys are errors (a typo must not be silently ignored), every value bounded. */
export function parseConfig (raw: unknown): HearthConfig {
  const root = object(raw, '(root)', ['version', 'profile', 'network', 'api', 'agreements', 'intentcast', 'webhook'])
  if (root.version !== CONFIG_VERSION) throw invalidConfig('version', `must be ${CONFIG_VERSION}`)
  const d = defaultConfig()
  const profile = oneOf(root.profile ?? d.profile, 'profile', PROFILES)
  const net = withProfile(profile, root.network === undefined ? {} : object(root.network, 'network', Object.keys(d.network)), d.network)
  const api = root.api === undefined ? {} : object(root.api, 'api', ['port'])
  const agr = root.agreements === undefined ? {} : object(root.agreements, 'agreements', Object.keys(d.agreements))
  return {
    version: CONFIG_VERSION,
    profile,
    network: {
      listen: addrs(net.listen ?? d.network.listen, 'network.listen', false),
      announce: addrs(net.announce ?? d.network.announce, 'network.announce', false),
      bootstrap: addrs(net.bootstrap ?? d.network.bootstrap, 'network.bootstrap', true),
      mdns: bool(net.mdns ?? d.network.mdns, 'network.mdns'),
      dhtMode: oneOf(net.dhtMode ?? d.network.dhtMode, 'network.dhtMode', ['auto', 'client', 'server'] as const),
      privateAddresses: bool(net.privateAddresses ?? d.network.privateAddresses, 'network.privateAddresses'),
      maxConnections: int(net.maxConnections ?? d.network.maxConnections, 'network.maxConnections', 1, 10_000),
      inboundConnectionThreshold: int(net.inboundConnectionThreshold ?? d.network.inboundConnectionThreshold, 'network.inboundConnectionThreshold', 1, 100_000),
      relay: oneOf(net.relay ?? d.network.relay, 'network.relay', ['auto', 'on', 'off'] as const),
      relayReservations: int(net.relayReservations ?? d.network.relayReservations, 'network.relayReservations', 0, 4),
      upnp: bool(net.upnp ?? d.network.upnp, 'network.upnp'),
      mdnsIntervalMs: int(net.mdnsIntervalMs ?? d.network.mdnsIntervalMs, 'network.mdnsIntervalMs', 1_000, 3_600_000)
    },
    api: { port: int(api.port ?? d.api.port, 'api.port', 0, 65535) },
    agreements: {
      autoAccept: termIds(agr.autoAccept ?? d.agreements.autoAccept, 'agreements.autoAccept'),
      accepts: termIds(agr.accepts ?? d.agreements.accepts, 'agreements.accepts'),
      maxPendingPerPeer: int(agr.maxPendingPerPeer ?? d.agreements.maxPendingPerPeer, 'agreements.maxPendingPerPeer', 1, 10_000),
      maxProposalsPerSecond: int(agr.maxProposalsPerSecond ?? d.agreements.maxProposalsPerSecond, 'agreements.maxProposalsPerSecond', 1, 100_000)
    },
    intentcast: parseIntentcast(root.intentcast, d.intentcast),
    webhook: parseWebhookConfig(root.webhook)
  }
}

function parseIntentcast (raw: unknown, d: IntentcastConfig): IntentcastConfig {
  const ic = raw === undefined ? {} : object(raw, 'intentcast', Object.keys(d))
  const v = ic.vendor === undefined ? {} : object(ic.vendor, 'intentcast.vendor', Object.keys(d.vendor))
  const name = v.name ?? d.vendor.name
  if (name !== null && (typeof name !== 'string' || name.length < 1 || name.length > 100)) throw invalidConfig('intentcast.vendor.name', 'must be null or a name of 1 to 100 characters')
  const rules = v.autoOffers ?? d.vendor.autoOffers
  if (!Array.isArray(rules) || rules.length > 64) throw invalidConfig('intentcast.vendor.autoOffers', 'must be a list of at most 64 rules')
  return {
    router: bool(ic.router ?? d.router, 'intentcast.router'),
    maxOffersPerIntent: int(ic.maxOffersPerIntent ?? d.maxOffersPerIntent, 'intentcast.maxOffersPerIntent', 1, 10_000),
    vendor: {
      categories: categoryIds(v.categories ?? d.vendor.categories, 'intentcast.vendor.categories'),
      name,
      maxIntents: int(v.maxIntents ?? d.vendor.maxIntents, 'intentcast.vendor.maxIntents', 1, 1_000_000),
      maxIntentsPerSecond: int(v.maxIntentsPerSecond ?? d.vendor.maxIntentsPerSecond, 'intentcast.vendor.maxIntentsPerSecond', 1, 100_000),
      autoOffers: rules.map((r, i) => autoOfferRule(r, `intentcast.vendor.autoOffers[${i}]`))
    }
  }
}

/** Category ids are checked against protocols/intentcast/categories.json when the node starts. */
function categoryIds (v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length > 64) throw invalidConfig(field, 'must be a list of at most 64 category ids')
  return v.map((c, i) => {
    if (typeof c !== 'string' || !/^[a-z0-9-]{1,40}$/.test(c)) throw invalidConfig(`${field}[${i}]`, 'must be a category id such as bicycles (hearth categories)')
    return c
  })
}

/** Shape only; the offer a rule makes is checked against the Offer schema when the node starts. */
function autoOfferRule (raw: unknown, field: string): AutoOfferRule {
  const r = object(raw, field, ['category', 'tags', 'offer'])
  const offer = object(r.offer, `${field}.offer`, ['items', 'total', 'fulfilment', 'validForSeconds', 'conditions', 'proposedAgreement'])
  const [category] = categoryIds([r.category], `${field}.category`)
  const tags = r.tags ?? []
  if (!Array.isArray(tags) || tags.length > 16 || !tags.every(t => typeof t === 'string' && /^[a-z0-9-]{1,32}$/.test(t))) throw invalidConfig(`${field}.tags`, 'must be a list of at most 16 tags (lower-case letters, digits, -)')
  return {
    category: category!,
    tags: tags as string[],
    offer: { ...offer, validForSeconds: int(offer.validForSeconds, `${field}.offer.validForSeconds`, 60, 90 * 24 * 3600) } as AutoOfferRule['offer']
  }
}

/** Term ids are checked against the roster when the node starts; here only their shape. */
function termIds (v: unknown, field: string): string[] {
  if (!Array.isArray(v) || v.length > 64) throw invalidConfig(field, 'must be a list of at most 64 term ids')
  return v.map((t, i) => {
    if (typeof t !== 'string' || !/^[A-Z0-9-]{2,40}$/.test(t)) throw invalidConfig(`${field}[${i}]`, 'must be a term id such as SD-BASE')
    return t
  })
}

function object (v: unknown, field: string, allowed: string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidConfig(field, 'must be an object')
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw invalidConfig(field === '(root)' ? k : `${field}.${k}`, `unknown key (allowed: ${allowed.join(', ')})`)
  }
  return v as Record<string, unknown>
}
function bool (v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw invalidConfig(field, 'must be true or false')
  return v
}
function int (v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalidConfig(field, `must be an integer from ${min} to ${max}`)
  return v
}
/** The profile's values replace keys left out or left at their default (init writes every key). */
function withProfile (profile: Profile, net: Record<string, unknown>, defaults: NetworkConfig): Record<string, unknown> {
  if (profile === 'default') return net
  const out = { ...net }
  for (const [key, value] of Object.entries(LOW_POWER)) {
    if (out[key] === undefined || out[key] === defaults[key as keyof NetworkConfig]) out[key] = value
  }
  return out
}
function oneOf<T extends string> (v: unknown, field: string, options: readonly T[]): T {
  if (typeof v !== 'string' || !(options as readonly string[]).includes(v)) throw invalidConfig(field, `must be one of ${options.join(', ')}`)
  return v as T
}
function addrs (v: unknown, field: string, needPeer: boolean): string[] {
  if (!Array.isArray(v)) throw invalidConfig(field, 'must be a list of multiaddrs')
  if (v.length > 64) throw invalidConfig(field, 'at most 64 entries')
  return v.map((a, i) => {
    // 256: the longest address a DID record may carry (protocols/did-record)
    if (typeof a !== 'string' || a.length > 256) throw invalidConfig(`${field}[${i}]`, 'must be a multiaddr string of at most 256 characters')
    let ma
    try { ma = multiaddr(a) } catch { throw invalidConfig(`${field}[${i}]`, `${JSON.stringify(a)} is not a multiaddr`) }
    if (needPeer) {
      const last = ma.getComponents().at(-1)
      let ok = last?.name === 'p2p' && last.value !== undefined
      try { if (ok) peerIdFromString(last!.value!) } catch { ok = false }
      if (!ok) throw invalidConfig(`${field}[${i}]`, 'must end in /p2p/<peerId>')
    }
    return a
  })
}
