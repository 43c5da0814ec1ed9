import { createHash } from 'node:crypto'
import { base32 } from 'multiformats/bases/base32'
import { invalidArgument } from '../errors.ts'
import { categories, isCategory } from './categories.ts'

/**
 * Gossipsub topic names (README section 4; DESIGN section 7, privacy level 2). Names are hashes,
 * so a topic list says nothing in plain words, and the per-intent and per-vendor topics are
 * buckets shared by many: subscribing to a reply bucket does not single out one person, nor an
 * inbox bucket one vendor. Only the hash prefixes below are part of the protocol.
 */
export const TOPIC_PREFIX = '/vrm/intentcast/1/'
export const REPLY_BUCKETS = 64
export const INBOX_BUCKETS = 64
/** 26 base32 characters: 130 bits of SHA-256, plenty against collisions between categories */
const CATEGORY_HASH_CHARS = 26

const sha256 = (text: string): Uint8Array => createHash('sha256').update(text, 'utf8').digest()

/** '/vrm/intentcast/1/c/' + RFC 4648 base32 (lower case, no padding) of sha256('hearth/intentcast/category/v1:' + id), first 26 characters. */
export function categoryTopic (categoryId: string): string {
  if (!isCategory(categoryId)) throw invalidArgument('category', `${JSON.stringify(String(categoryId).slice(0, 40))} is not in the category list`)
  return `${TOPIC_PREFIX}c/${base32.baseEncode(sha256(`hearth/intentcast/category/v1:${categoryId}`)).slice(0, CATEGORY_HASH_CHARS)}`
}

/** Where offers to an intent travel: '/vrm/intentcast/1/r/' + (sha256('hearth/intentcast/reply/v1:' + intentId)[0] % 64). */
export function replyBucket (intentId: string): number {
  if (typeof intentId !== 'string' || intentId === '') throw invalidArgument('intentId', 'must be a non-empty string')
  return sha256(`hearth/intentcast/reply/v1:${intentId}`)[0]! % REPLY_BUCKETS
}
export const replyTopic = (intentId: string): string => `${TOPIC_PREFIX}r/${replyBucket(intentId)}`

/** A vendor's sealed inbox: '/vrm/intentcast/1/i/' + (sha256('hearth/intentcast/inbox/v1:' + did)[0] % 64). */
export function inboxBucket (vendorDid: string): number {
  if (typeof vendorDid !== 'string' || vendorDid === '') throw invalidArgument('vendorDid', 'must be a DID')
  return sha256(`hearth/intentcast/inbox/v1:${vendorDid}`)[0]! % INBOX_BUCKETS
}
export const inboxTopic = (vendorDid: string): string => `${TOPIC_PREFIX}i/${inboxBucket(vendorDid)}`

let byTopic: ReadonlyMap<string, string> | undefined
const categoryByTopic = (): ReadonlyMap<string, string> => (byTopic ??= new Map(categories().map(c => [categoryTopic(c.id), c.id])))

/** Every category topic, then every reply bucket, then every inbox bucket. */
export function allIntentcastTopics (): string[] {
  return [
    ...categoryByTopic().keys(),
    ...Array.from({ length: REPLY_BUCKETS }, (_, i) => `${TOPIC_PREFIX}r/${i}`),
    ...Array.from({ length: INBOX_BUCKETS }, (_, i) => `${TOPIC_PREFIX}i/${i}`)
  ]
}

export type TopicKind = { kind: 'category', category: string } | { kind: 'reply', bucket: number } | { kind: 'inbox', bucket: number }

const BUCKET_TOPIC = /^\/vrm\/intentcast\/1\/([ri])\/(0|[1-9][0-9]?)$/

/** What an intentcast topic is, or undefined for any other string (an unknown category hash included). */
export function classifyTopic (topic: string): TopicKind | undefined {
  if (typeof topic !== 'string' || topic.length > 64 || !topic.startsWith(TOPIC_PREFIX)) return undefined
  const category = categoryByTopic().get(topic)
  if (category !== undefined) return { kind: 'category', category }
  const m = BUCKET_TOPIC.exec(topic)
  if (m === null) return undefined
  const bucket = Number(m[2])
  if (m[1] === 'r') return bucket < REPLY_BUCKETS ? { kind: 'reply', bucket } : undefined
  return bucket < INBOX_BUCKETS ? { kind: 'inbox', bucket } : undefined
}
