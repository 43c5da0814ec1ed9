import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { createEventBus } from '../../src/events.ts'
import { openStore } from '../../src/store/index.ts'
import { createWebhook, webhookSublevel } from '../../src/webhook/index.ts'
import type { WebhookConfig } from '../../src/webhook/index.ts'
import type { HearthEvent } from '../../src/api/backend.ts'
import { tempDir } from '../fixtures/node.ts'

export const DID = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'

/** A webhook on a real LevelDB store and a real event bus, with fast retries. */
export async function setup (config: Partial<WebhookConfig> & { url: string | null }, dir?: string) {
  dir ??= await tempDir('hearth-webhook-')
  const store = await openStore({ location: join(dir, 'datastore'), did: DID })
  const bus = createEventBus()
  const seen: HearthEvent[] = []
  bus.on(e => { seen.push(e) })
  const secretPath = join(dir, 'webhook.key')
  const webhook = createWebhook({ store, did: DID, secretPath, onEvent: bus.on, emit: bus.emit }, {
    config: { events: ['market:', 'agreement:'], maxQueued: 100, timeoutMs: 5_000, ...config },
    minRetryMs: 50,
    maxRetryMs: 200
  })
  onTestFinished(async () => { await webhook.stop(); await store.close() })
  await webhook.start()
  const stored = async (): Promise<string[]> =>
    (await store.entries<{ id: string }>(webhookSublevel(store), { gt: 'q!', lt: 'q"' })).map(([, v]) => v.id)
  return { store, bus, seen, webhook, secretPath, stored }
}
