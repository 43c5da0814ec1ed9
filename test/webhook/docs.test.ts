import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect, onTestFinished } from 'vitest'
import { loadOrCreateWebhookSecret, signWebhook } from '../../src/webhook/index.ts'
import { tempDir, waitFor } from '../fixtures/node.ts'
import { setup } from './harness.ts'

const DOC = fileURLToPath(new URL('../../docs/webhook.md', import.meta.url))

async function freePort (): Promise<number> {
  const s = createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', () => { resolve() }))
  const { port } = s.address() as AddressInfo
  await new Promise(resolve => s.close(resolve))
  return port
}

describe('docs/webhook.md', () => {
  it("the receiver example verifies a real node's deliveries, dedupes by id, and refuses a tampered one", async () => {
    const example = (await readFile(DOC, 'utf8')).match(/```js\n([\s\S]*?)```/)?.[1]
    expect(example).toContain('timingSafeEqual')
    const dir = await tempDir('hearth-webhook-doc-')
    const file = join(dir, 'receiver.mjs')
    await writeFile(file, example!)
    const secret = Buffer.from(await loadOrCreateWebhookSecret(join(dir, 'webhook.key'))).toString('base64url')
    const port = await freePort()
    const child = spawn(process.execPath, [file], { env: { ...process.env, HEARTH_WEBHOOK_SECRET: secret, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', d => { out += d })
    child.stderr.on('data', d => { out += d })
    onTestFinished(() => { child.kill() })
    const url = `http://127.0.0.1:${port}/hearth`
    await waitFor('the example to listen', async () => await fetch(url, { method: 'POST', body: '{}' }).then(r => r.status === 401, () => false))

    const { bus, webhook } = await setup({ url }, dir)
    bus.emit('agreement:state', { agreementId: 'a1', state: 'active' })
    bus.emit('market:intent', { intentId: 'i1', intent: { what: 'a bicycle' } })
    await waitFor('both delivered', () => webhook.status().delivered === 2)
    await waitFor('both logged', () => out.includes('market:intent'))
    expect(out.trim().split('\n')).toEqual([
      'agreement:state {"agreementId":"a1","state":"active"}',
      'market:intent {"intentId":"i1","intent":{"what":"a bicycle"}}'
    ])

    // replay the same signed event (a retry): accepted, not logged twice; tampered: 401
    const ts = Math.floor(Date.now() / 1000)
    const body = JSON.stringify({ id: 'dup', type: 'webhook:test', at: new Date().toISOString(), node: { did: 'x' }, data: {} })
    const post = async (b: string, t = ts): Promise<number> => (await fetch(url, {
      method: 'POST', body: b, headers: { 'hearth-timestamp': String(t), 'hearth-signature': signWebhook(secret, ts, body) }
    })).status
    expect(await post(body)).toBe(204)
    expect(await post(body)).toBe(204)
    expect(await post(body.replace('"data":{}', '"data":{"x":1}'))).toBe(401)
    expect(await post(body, ts + 1)).toBe(401)
    await waitFor('the replayed event logged', () => out.includes('webhook:test'))
    expect(out.split('webhook:test')).toHaveLength(2)
  })
})
