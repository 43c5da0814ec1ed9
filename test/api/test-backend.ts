import { HearthError } from '../../src/errors.ts'
import type {
  ApiBackend, ConnectResult, ContactView, HearthEvent, IdentityView, PeerView, StatusView
} from '../../src/api/backend.ts'

export const DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
export const PEER_ID = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

/**
 * A small real backend (no mocks): it answers with fixed views, records every connect and
 * shutdown request, and lets a test push events. Each view carries one undeclared field
 * (`secret`) so tests can check that the API serialises only what its schemas declare.
 */
export class TestBackend implements ApiBackend {
  readonly connectCalls: Array<{ target: string, signal: AbortSignal | undefined }> = []
  shutdownRequests = 0
  readonly listeners = new Set<(event: HearthEvent) => void>()
  #nextEventId = 1

  identity (): IdentityView {
    const view = {
      did: DID,
      peerId: PEER_ID,
      addresses: [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER_ID}`],
      invitation: `hearth:invite?did=${DID}`,
      secret: 'private-key-material'
    }
    return view
  }

  async status (): Promise<StatusView> {
    const view = {
      did: DID,
      peerId: PEER_ID,
      version: '0.1.0-test',
      repo: '/tmp/repo',
      startedAt: 1_700_000_000_000,
      uptimeMs: 1234,
      listen: ['/ip4/127.0.0.1/tcp/4001'],
      connections: 1,
      dht: { mode: 'client' as const, routingTableSize: 3 },
      record: { seq: 7, publishedAt: 1_700_000_000_500 },
      contacts: 1,
      secret: 'nope'
    }
    return view
  }

  peers (): PeerView[] {
    const view = {
      peerId: PEER_ID, remoteAddr: '/ip4/10.0.0.2/tcp/4001', direction: 'outbound' as const, path: 'direct' as const, openedAt: 1_700_000_000_000, secret: 'x'
    }
    return [view]
  }

  async contacts (): Promise<ContactView[]> {
    const view = { did: DID, peerIds: [PEER_ID], addresses: [], source: 'invitation', seq: 2, secret: 'x' }
    return [view]
  }

  /** The target picks the behaviour: 'hang' waits for the signal, 'error:<CODE>' throws a HearthError, 'crash' / 'crash-http' a plain Error. */
  async connect (target: string, options?: { signal?: AbortSignal }): Promise<ConnectResult> {
    this.connectCalls.push({ target, signal: options?.signal })
    if (target === 'hang') {
      return await new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => { reject(new DOMException('aborted', 'AbortError')) })
      })
    }
    if (target === 'crash') throw new Error('database password is hunter2')
    // A library error that happens to carry an HTTP status must not pass it (or its text) on.
    if (target === 'crash-http') throw Object.assign(new Error('upstream said hunter2'), { statusCode: 404, code: 'E_UPSTREAM' })
    if (target.startsWith('error:')) throw new HearthError(target.slice(6) as HearthError['code'], `backend says ${target.slice(6)}`)
    const result = { did: target, peerId: PEER_ID, remoteAddr: '/ip4/10.0.0.2/tcp/4001', via: 'cache', ms: 12, secret: 'x' }
    return result
  }

  onEvent (listener: (event: HearthEvent) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  requestShutdown (): void {
    this.shutdownRequests++
  }

  emit (type: string, data: Record<string, unknown>): HearthEvent {
    const event = { id: this.#nextEventId++, type, at: Date.now(), data }
    for (const listener of this.listeners) listener(event)
    return event
  }

  /** Anything a refused request must not have caused. */
  get changes (): number {
    return this.connectCalls.length + this.shutdownRequests
  }
}
