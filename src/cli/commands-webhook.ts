import type { Command } from 'commander'
import { HearthError, isHearthError } from '../errors.ts'
import { repoPaths, resolveRepo } from '../repo/index.ts'
import { readWebhookSecret } from '../webhook/index.ts'
import type { WebhookStatus } from '../webhook/index.ts'
import { connectClient } from './client.ts'
import { dim, print } from './output.ts'

export interface WebhookOptions { repo?: string, json?: boolean, showSecret?: boolean }

type Runner = (fn: (...args: any[]) => Promise<unknown>) => (...args: any[]) => Promise<void>

/** `hearth webhook [status] [--show-secret]` and `hearth webhook test` (docs/webhook.md). */
export function registerWebhookCommands (program: Command, run: Runner): void {
  const webhook = program.command('webhook').description('the CRM webhook of a vendor\'s node: status, a test event, the signing secret')
    .addHelpText('after', '\nSet it up in config.json ("webhook": { "url": "https://crm.example/hearth" }), restart, then give\nyour CRM the secret from `hearth webhook --show-secret`. The receiver\'s guide is docs/webhook.md.')
  webhook.command('status', { isDefault: true }).description('URL, events queued and delivered, last error, next attempt')
    .option('--show-secret', 'print the HMAC signing secret (base64url) for the CRM instead; read from <repo>/webhook.key, no daemon needed')
    .action(run(cmdWebhookStatus))
  webhook.command('test').description('queue a webhook:test event, delivered like any other').action(run(cmdWebhookTest))
}

export async function cmdWebhookStatus (opts: WebhookOptions): Promise<void> {
  if (opts.showSecret === true) { await showSecret(opts); return }
  const w = await (await connectClient(resolveRepo(opts.repo))).get<WebhookStatus>('/v1/webhook')
  print(opts, w, () => describe(w))
}

export async function cmdWebhookTest (opts: WebhookOptions): Promise<void> {
  const r = await (await connectClient(resolveRepo(opts.repo))).post<{ id: string, type: string, queued: number }>('/v1/webhook/test', {})
  print(opts, r, () => `Queued ${r.type} ${r.id} (${r.queued} waiting).\n${dim('Watch it go: hearth webhook')}`)
}

async function showSecret (opts: WebhookOptions): Promise<void> {
  const path = repoPaths(resolveRepo(opts.repo)).webhookKey
  let secret: Uint8Array
  try {
    secret = await readWebhookSecret(path)
  } catch (err) {
    if (!isHearthError(err, 'NOT_FOUND')) throw err
    throw new HearthError('INVALID_STATE', 'no webhook secret yet: set webhook.url in config.json and start the node once (it creates the secret)')
  }
  const text = Buffer.from(secret).toString('base64url')
  print(opts, { secret: text, path }, () => text)
}

const when = (ms: number | null): string => ms === null ? 'never' : new Date(ms).toISOString()

function describe (w: WebhookStatus): string {
  if (w.url === null) {
    return [
      'Webhook  off (set webhook.url in config.json and restart the node)',
      ...(w.queued > 0 ? [`  Queued      ${w.queued} events from before it was turned off, kept until it is on again`] : [])
    ].join('\n')
  }
  const next = w.nextAttemptAt === null ? (w.queued > 0 ? 'now' : '-') : `${when(w.nextAttemptAt)} (after ${w.attempts} failed attempt${w.attempts === 1 ? '' : 's'})`
  return [
    `Webhook  on, to ${w.url}`,
    `  Events      ${w.events.join(', ')}`,
    `  Queued      ${w.queued} of at most ${w.maxQueued}${w.full ? ' (FULL: new events are refused)' : ''}`,
    `  Delivered   ${w.delivered} since the node started, last ${when(w.lastDeliveredAt)}`,
    ...(w.refused > 0 ? [`  Refused     ${w.refused} since the node started (queue full or event too large)`] : []),
    ...(w.purged > 0 ? [`  Purged      ${w.purged} queued intent events, deleted undelivered when their intent was withdrawn or expired`] : []),
    `  Last try    ${when(w.lastAttemptAt)}`,
    `  Next try    ${next}`,
    ...(w.lastError !== null ? [`  Last error  ${w.lastError} (${when(w.lastErrorAt)})`] : [])
  ].join('\n')
}
