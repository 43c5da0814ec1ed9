import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, expect } from 'vitest'
import { loadConfig, saveConfig } from '../../src/repo/config.ts'
import { verifyWebhookSignature } from '../../src/webhook/index.ts'
import { hearth, startDaemon } from '../fixtures/cli.ts'
import { initTestRepo, waitFor, TEST_PASSPHRASE } from '../fixtures/node.ts'
import { startReceiver } from './receiver.ts'

describe('hearth webhook', () => {
  it('shows the status, queues a test event the CRM verifies with the secret from --show-secret', async () => {
    const crm = await startReceiver()
    const { repo } = await initTestRepo({ transport: 'tcp' })
    const off = await hearth(['--repo', repo, '--json', 'webhook', '--show-secret'])
    expect(off.code).toBe(1)
    expect(off.json.error).toMatchObject({ code: 'INVALID_STATE', message: expect.stringContaining('set webhook.url') })

    const config = await loadConfig(join(repo, 'config.json'))
    config.webhook.url = crm.url
    await saveConfig(join(repo, 'config.json'), config)
    await startDaemon(['--repo', repo], { HEARTH_PASSPHRASE: TEST_PASSPHRASE })

    const status = await hearth(['--repo', repo, '--json', 'webhook'])
    expect(status.code, status.stderr).toBe(0)
    expect(status.json).toMatchObject({ url: crm.url, events: ['market:', 'agreement:'], queued: 0, maxQueued: 100_000, delivered: 0, lastError: null })

    const test = await hearth(['--repo', repo, '--json', 'webhook', 'test'])
    expect(test.code, test.stderr).toBe(0)
    expect(test.json).toMatchObject({ id: expect.any(String), type: 'webhook:test' })
    await waitFor('the test event to arrive', () => crm.received.length === 1)

    const shown = await hearth(['--repo', repo, 'webhook', '--show-secret'])
    expect(shown.code, shown.stderr).toBe(0)
    const secret = shown.stdout.trim()
    expect(Buffer.from(secret, 'base64url')).toEqual(await readFile(join(repo, 'webhook.key')))
    const [d] = crm.received
    expect(verifyWebhookSignature(secret, d!.headers, d!.raw)).toMatchObject({ ok: true, id: test.json.id, type: 'webhook:test' })

    const human = await hearth(['--repo', repo, 'webhook'])
    expect(human.code).toBe(0)
    expect(human.stdout).toContain(`Webhook  on, to ${crm.url}`)
    expect(human.stdout).toMatch(/Delivered\s+1 since the node started/)
    // the secret never travels through the API
    expect(JSON.stringify(status.json)).not.toContain(secret)
  })
})
