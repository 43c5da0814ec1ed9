import { HearthError } from '../errors.ts'
import type { Ed25519Key } from '../identity/index.ts'
import type { Store } from '../store/index.ts'
import type { HearthLibp2p } from '../network/index.ts'
import type { Agreements } from '../agreements/index.ts'
import type { ConnectResult, HearthEvent } from '../api/backend.ts'
import type { IntentcastConfig } from '../repo/config.ts'
import { lookupTerm } from '../messages/index.ts'
import type { Topics } from './pubsub.ts'

/** What the node hands the intentcast runtime. */
export interface IntentcastComponents {
  identity: Ed25519Key
  masterSeed: Uint8Array
  store: Store
  libp2p: HearthLibp2p
  agreements: Agreements
  connect: (did: string, options?: { signal?: AbortSignal }) => Promise<ConnectResult>
  emit: (type: string, data: Record<string, unknown>) => void
  on: (listener: (event: HearthEvent) => void) => () => void
}

/** What the person and vendor sides share. */
export interface IcCtx extends IntentcastComponents {
  did: string
  config: IntentcastConfig
  topics: Topics
  now: () => number
  /** one task at a time per key (an intent id, an offer id) */
  exclusive: <T>(keys: string | string[], fn: () => Promise<T>) => Promise<T>
  /** refusals of incoming messages, by reason (shown by /v1/status and the tests) */
  refused: Record<string, number>
  refuse: (reason: string, data?: Record<string, unknown>) => void
}

/** The PDC-INTENT entry of the terms roster: every intent carries it, every offer accepts it. */
export function intentTerms (): { termId: string, termHash: string } {
  const term = lookupTerm('PDC-INTENT')
  if (term === undefined) throw new HearthError('INTERNAL', 'the terms roster has no PDC-INTENT')
  return { termId: term.id, termHash: term.hash }
}

export const notFound = (what: string, id: string): HearthError => new HearthError('NOT_FOUND', `no ${what} ${JSON.stringify(id)} here`)
export const invalidState = (why: string): HearthError => new HearthError('INVALID_STATE', why)

export { utf8 } from '../messages/codec.ts'
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b)
