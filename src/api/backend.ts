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

export type ConnectionPath = 'direct' | 'relayed'

export interface PeerView {
  peerId: string
  /** DID of the peer when we know it (a contact, or learned from its DID record). */
  did?: string
  remoteAddr: string
  direction: 'inbound' | 'outbound'
  path: ConnectionPath
  /** ms since epoch */
  openedAt: number
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
  record: { seq: number, publishedAt?: number, expiresAt?: number, lastError?: string }
  contacts: number
}

/** An event on the /v1/events stream. `type` is namespaced: 'peer:connect', 'contact:update', … */
export interface HearthEvent {
  id: number
  type: string
  at: number
  data: Record<string, unknown>
}

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
}
