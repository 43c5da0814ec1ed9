import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, expect } from 'vitest'
import { defaultConfig, parseConfig } from '../../src/repo/config.ts'
import { createHearthNode } from '../../src/node.ts'
import { initTestRepo, TEST_PASSPHRASE } from '../fixtures/node.ts'

const withWebhook = (webhook: unknown): unknown => ({ ...defaultConfig(), webhook })
const invalid = (field: string, why?: string) => ({
  code: 'INVALID_CONFIG',
  details: { field },
  message: expect.stringContaining(why ?? field)
})

describe('config.json webhook section', () => {
  it('is off by default and fills missing keys from the defaults', () => {
    expect(defaultConfig().webhook).toEqual({ url: null, events: ['market:', 'agreement:'], maxQueued: 100_000, timeoutMs: 10_000 })
    expect(parseConfig({ version: 1 }).webhook).toEqual(defaultConfig().webhook)
    expect(parseConfig(withWebhook({ url: 'https://crm.example/hearth?x=1' })).webhook)
      .toEqual({ url: 'https://crm.example/hearth?x=1', events: ['market:', 'agreement:'], maxQueued: 100_000, timeoutMs: 10_000 })
    expect(parseConfig(withWebhook({ url: 'http://127.0.0.1:8080/h', events: ['agreement:state'], maxQueued: 1, timeoutMs: 100 })).webhook.url).toBe('http://127.0.0.1:8080/h')
  })

  it.each([
    ['a url that is not one', { url: 'crm.example/hook' }, 'webhook.url', 'is not a URL'],
    ['another scheme', { url: 'ftp://crm.example/hook' }, 'webhook.url', 'must use https:'],
    ['a file url', { url: 'file:///etc/passwd' }, 'webhook.url', 'must use https:'],
    ['credentials in the url', { url: 'https://user:pw@crm.example/' }, 'webhook.url', 'user name or password'],
    ['an empty url', { url: '' }, 'webhook.url', 'must be null'],
    ['an over-long url', { url: 'https://crm.example/' + 'a'.repeat(2100) }, 'webhook.url', 'at most 2048'],
    ['an unknown key', { url: null, retries: 3 }, 'webhook.retries', 'unknown key'],
    ['a negative maxQueued', { maxQueued: -1 }, 'webhook.maxQueued', 'from 1 to'],
    ['a fractional maxQueued', { maxQueued: 1.5 }, 'webhook.maxQueued', 'integer'],
    ['a tiny timeout', { timeoutMs: 10 }, 'webhook.timeoutMs', 'from 100 to'],
    ['no event prefixes', { events: [] }, 'webhook.events', 'list of 1 to'],
    ['an upper-case prefix', { events: ['Market:'] }, 'webhook.events[0]', 'event type prefix'],
    ['an empty prefix', { events: ['agreement:', ''] }, 'webhook.events[1]', 'event type prefix'],
    ['a list instead of a section', [], 'webhook', 'must be an object']
  ])('refuses %s with INVALID_CONFIG naming the field', (_name, webhook, field, why) => {
    expect(() => parseConfig(withWebhook(webhook))).toThrow(expect.objectContaining(invalid(field, why)))
  })

  it.each([
    ['a bad url', { url: 'ftp://crm.example/' }, 'webhook.url'],
    ['an unknown key', { url: 'https://crm.example/', secret: 'x' }, 'webhook.secret'],
    ['a negative maxQueued', { url: 'https://crm.example/', maxQueued: -5 }, 'webhook.maxQueued']
  ])('in config.json: %s stops the node at start with a typed error, before anything is stored', async (_name, webhook, field) => {
    const { repo } = await initTestRepo()
    const path = join(repo, 'config.json')
    const config = JSON.parse(await readFile(path, 'utf8'))
    await writeFile(path, JSON.stringify({ ...config, webhook }), { mode: 0o600 })
    const files = await readdir(repo)
    await expect(createHearthNode({ repo, passphrase: TEST_PASSPHRASE, transport: 'memory' })).rejects.toMatchObject(invalid(field))
    expect(await readdir(repo)).toEqual(files) // no datastore, no webhook.key
  })

  it('set in code (a test or a flag), a bad url is refused the same way, before the store opens', async () => {
    const { repo } = await initTestRepo()
    const files = await readdir(repo)
    await expect(createHearthNode({
      repo,
      passphrase: TEST_PASSPHRASE,
      transport: 'memory',
      configure: c => { c.webhook.url = 'javascript:alert(1)'; return c }
    })).rejects.toMatchObject(invalid('webhook.url'))
    expect(await readdir(repo)).toEqual(files)
  })
})
