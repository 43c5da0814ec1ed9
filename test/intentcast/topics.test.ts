import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { categories, isCategory } from '../../src/intentcast/categories.ts'
import { allIntentcastTopics, categoryTopic, classifyTopic, INBOX_BUCKETS, inboxTopic, REPLY_BUCKETS, replyTopic } from '../../src/intentcast/topics.ts'
import { newIntentLabel } from '../../src/intentcast/keys.ts'
import { ed25519FromSeed } from '../../src/identity/index.ts'
import { wireOf } from './helpers.ts'

describe('categories', () => {
  it('ships the open list: ids, labels and descriptions, "other" included', () => {
    const list = categories()
    expect(list.length).toBeGreaterThanOrEqual(15)
    expect(list.length).toBeLessThanOrEqual(25)
    for (const c of list) {
      expect(c.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      expect(c.label.length).toBeGreaterThan(0)
      expect(c.description.length).toBeGreaterThan(0)
    }
    expect(new Set(list.map(c => c.id)).size).toBe(list.length)
    for (const id of ['bicycles', 'electronics', 'home-appliances', 'furniture', 'groceries', 'travel', 'home-services', 'vehicles', 'other']) expect(isCategory(id)).toBe(true)
    for (const id of ['Bicycles', 'spaceships', '', 'bicycles ', '__proto__', 'constructor']) expect(isCategory(id)).toBe(false)
  })

  it('is the file in protocols/intentcast', () => {
    const doc = JSON.parse(readFileSync(new URL('../../protocols/intentcast/categories.json', import.meta.url), 'utf8')) as { categories: Array<{ id: string }> }
    expect(categories().map(c => c.id)).toEqual(doc.categories.map(c => c.id))
  })
})

describe('topics', () => {
  it('category topics are the documented hash and name no category in plain words', () => {
    for (const { id } of categories()) {
      const topic = categoryTopic(id)
      expect(topic).toMatch(/^\/vrm\/intentcast\/1\/c\/[a-z2-7]{26}$/)
      expect(topic).not.toContain(id)
    }
    // README section 4, computed here independently: RFC 4648 base32 of the SHA-256, lower case
    const digest = createHash('sha256').update('hearth/intentcast/category/v1:bicycles').digest()
    let bits = ''
    for (const b of digest) bits += b.toString(2).padStart(8, '0')
    const b32 = Array.from({ length: 26 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz234567'[parseInt(bits.slice(i * 5, i * 5 + 5), 2)]).join('')
    expect(categoryTopic('bicycles')).toBe(`/vrm/intentcast/1/c/${b32}`)
  })

  it('an unknown category has no topic', () => {
    expect(wireOf(() => categoryTopic('spaceships'))).toMatch(/^INVALID_ARGUMENT/)
  })

  it('reply and inbox buckets are the documented hash byte modulo the bucket count', () => {
    const id = newIntentLabel()
    const r = createHash('sha256').update(`hearth/intentcast/reply/v1:${id}`).digest()[0]! % REPLY_BUCKETS
    expect(replyTopic(id)).toBe(`/vrm/intentcast/1/r/${r}`)
    const did = ed25519FromSeed(new Uint8Array(32).fill(2)).did
    const i = createHash('sha256').update(`hearth/intentcast/inbox/v1:${did}`).digest()[0]! % INBOX_BUCKETS
    expect(inboxTopic(did)).toBe(`/vrm/intentcast/1/i/${i}`)
  })

  it('buckets are shared: 2,000 intents spread over every reply bucket (no topic is unique to one person)', () => {
    const counts = new Map<string, number>()
    for (let n = 0; n < 2000; n++) {
      const t = replyTopic(newIntentLabel())
      counts.set(t, (counts.get(t) ?? 0) + 1)
    }
    expect(counts.size).toBe(REPLY_BUCKETS)
    // expected 31.25 per bucket; a bucket under 10 would mean a broken spread
    expect(Math.min(...counts.values())).toBeGreaterThanOrEqual(10)
  })

  it('allIntentcastTopics lists every category, reply and inbox topic once', () => {
    const all = allIntentcastTopics()
    expect(all).toHaveLength(categories().length + REPLY_BUCKETS + INBOX_BUCKETS)
    expect(new Set(all).size).toBe(all.length)
    for (const { id } of categories()) expect(all).toContain(categoryTopic(id))
    expect(all).toContain('/vrm/intentcast/1/r/0')
    expect(all).toContain(`/vrm/intentcast/1/i/${INBOX_BUCKETS - 1}`)
  })

  it('classifyTopic names each topic, and nothing else', () => {
    for (const t of allIntentcastTopics()) expect(classifyTopic(t)).toBeDefined()
    expect(classifyTopic(categoryTopic('travel'))).toEqual({ kind: 'category', category: 'travel' })
    expect(classifyTopic('/vrm/intentcast/1/r/17')).toEqual({ kind: 'reply', bucket: 17 })
    expect(classifyTopic('/vrm/intentcast/1/i/0')).toEqual({ kind: 'inbox', bucket: 0 })
    for (const t of [
      '/vrm/intentcast/1/r/64', '/vrm/intentcast/1/i/99', '/vrm/intentcast/1/r/07', '/vrm/intentcast/1/r/-1', '/vrm/intentcast/1/r/1.0',
      '/vrm/intentcast/1/c/aaaaaaaaaaaaaaaaaaaaaaaaaa', '/vrm/intentcast/1/c/bicycles', '/vrm/intentcast/2/r/1', 'bicycles', '', '/vrm/intentcast/1/r/',
      `${categoryTopic('travel')}x`
    ]) expect(classifyTopic(t)).toBeUndefined()
    expect(classifyTopic(undefined as unknown as string)).toBeUndefined()
  })
})
