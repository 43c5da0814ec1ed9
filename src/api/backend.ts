/**
 * What the admin API needs from a running node. The node (src/node.ts) implements it;
 * the API layer depends on nothing else, so routes stay thin.
 */
export interface IdentityView {
  did: string
  peerId: string
  /** Multiaddrs this node listens on, each ending in /p2p/<peerId>. */
  addresses: string[]
  /** hearth:invite URI (DID plus addresses). */
  invitation: string
}

/**
 * 'direct'; 'hole-punched': a direct connection DCUtR opened over a relayed one (which it then
 * closed); 'relayed': through a relay (see PeerView.relay).
 */
export type ConnectionPath = 'direct' | 'hole-punched' | 'relayed'

export interface PeerView {
  peerId: string
  /** DID of the peer when we know it (a contact, or learned from its DID record). */
  did?: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  path: ConnectionPath
  /** ms since epoch */
  openedAt: number
  /** for a relayed connection: the relay it goes through */
  relay?: { peerId: string, did?: string }
  /** the relay limits this connection (data and time); only small Hearth protocols run on it */
  limited?: boolean
}

export interface ContactView {
  did: string
  peerIds: string[]
  addresses: string[]
  /** DID record sequence number last seen, if any */
  seq?: number
  /** ms since epoch */
  lastSeen?: number
  /** how we learned where it is: 'invitation' | 'dht' | 'mdns' | 'peer' */
  source: string
}

export interface ConnectResult {
  did: string
  peerId: string
  remoteAddr: string
  /** which step found it: 'connected' (already), 'cache', 'dht', 'findPeer', 'mdns', 'invitation' */
  via: string
  ms: number
}

export interface StatusView {
  did: string
  peerId: string
  version: string
  repo: string
  startedAt: number
  uptimeMs: number
  listen: string[]
  connections: number
  dht: { mode: 'client' | 'server', routingTableSize: number }
  /** our DID record: `addresses` are the ones it lists for this device (relay addresses included) */
  record: { seq: number, publishedAt?: number, expiresAt?: number, lastError?: string, addresses?: string[] }
  contacts: number
  /** 'public': others can dial one of publicAddresses; 'relayed': only through relays; 'private': neither */
  reachability?: 'public' | 'relayed' | 'private'
  /** confirmed public addresses and why we believe in each */
  publicAddresses?: Array<{ address: string, source: 'announce' | 'upnp' | 'autonat' }>
  /** relays we hold a reservation on, and relays that refused or failed lately */
  relays?: RelayView[]
  /** this node as a relay for its contacts */
  relayService?: RelayServiceView
  /** config profile ('default' or 'low-power') and the connection cap it led to */
  profile?: 'default' | 'low-power'
  maxConnections?: number
}

/**
 * GET /readyz: ready only while the node is started, its store open and libp2p listening.
 * `reason` says why not: 'starting', 'stopping', 'stopped', 'store-closed', 'not-listening'.
 */
export interface ReadinessView {
  ready: boolean
  reason?: 'starting' | 'stopping' | 'stopped' | 'store-closed' | 'not-listening'
  /** listen addresses bound */
  listening: number
  uptimeMs: number
}

export interface RelayView {
  peerId: string
  did?: string
  status: 'reserved' | 'refused' | 'failed'
  /** our addresses through this relay (…/p2p-circuit/p2p/<us>) */
  addresses: string[]
  /** reserved since (ms since epoch) */
  since?: number
  /** why the last attempt failed, and when */
  error?: string
  at?: number
}

export interface RelayServiceView {
  mode: 'auto' | 'on' | 'off'
  /** serving reservations now ('auto': only while publicly reachable) */
  active: boolean
  reservations: Array<{ peerId: string, did?: string, expiresAt: number }>
  /** reservation requests refused since start (not a contact, cut off, full, not serving) */
  refused: number
  recentRefusals: Array<{ peerId: string, reason: string, at: number }>
  /** peers refused for a while because they pushed too much through the relay */
  cutOff: Array<{ peerId: string, did?: string, until: number, reason: string }>
  limits: { maxReservations: number, bytesPerConnection: number, secondsPerConnection: number, bytesPerPeerPerMinute: number }
}

/** An event on the /v1/events stream. `type` is namespaced: 'peer:connect', 'contact:update', … */
export interface HearthEvent {
  id: number
  type: string
  at: number
  data: Record<string, unknown>
}

import type { Intentcast } from '../intentcast/index.ts'

export interface ApiBackend {
  identity (): IdentityView
  status (): Promise<StatusView>
  peers (): PeerView[]
  contacts (): Promise<ContactView[]>
  /** target: a DID (did:key:…) or a hearth:invite URI */
  connect (target: string, options?: { signal?: AbortSignal }): Promise<ConnectResult>
  /** Subscribe to events; returns the unsubscribe function. */
  onEvent (listener: (event: HearthEvent) => void): () => void
  /** Asks the daemon to stop (graceful). Resolves once shutdown has been scheduled. */
  requestShutdown (): void
  /** for GET /readyz (absent in API-only tests, which then have no /readyz) */
  readiness? (): ReadinessView
  /** agreements, when the node runs them (absent in API-only tests) */
  readonly agreementsApi?: AgreementsApi
  /** intents, offers and vendor mode, when the node runs them (src/api/intent-routes.ts) */
  readonly intentcastApi?: Intentcast
}

/** Agreement operations the API exposes (src/agreements implements them). Shapes: src/api/agreement-schemas.ts. */
export interface AgreementsApi {
  list (): Promise<unknown[]>
  get (id: string): Promise<unknown | undefined>
  /** jwt is null for a data event whose content was erased when the agreement ended */
  thread (id: string): Promise<Array<{ id: string, kind: string, direction: string, at: number, jwt: string | null }>>
  record (id: string): Promise<object>
  propose (o: { to: string, termId: string, share: string[], purposes: string[], validForMs: number, acceptable?: string[] }): Promise<unknown>
  accept (id: string): Promise<unknown>
  counter (id: string, choice: { termId: string, share?: string[], purposes?: string[], validForMs?: number }): Promise<unknown>
  reject (id: string, reason?: string): Promise<unknown>
  terminate (id: string, reason?: string): Promise<unknown>
  profile (): Promise<object>
  setProfile (changes: Record<string, string | null>): Promise<object>
  verifyLedger (): Promise<object>
  terms (): object
  remoteTerms (did: string, options?: { signal?: AbortSignal }): Promise<object>
}
