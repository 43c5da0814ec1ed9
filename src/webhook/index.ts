export { createWebhook, MAX_EVENT_BYTES } from './webhook.ts'
export type { Webhook, WebhookApi, WebhookComponents, WebhookInit, WebhookStatus } from './webhook.ts'
export { defaultWebhookConfig, parseWebhookConfig, DEFAULT_WEBHOOK_EVENTS, DEFAULT_MAX_QUEUED, DEFAULT_WEBHOOK_TIMEOUT_MS } from './config.ts'
export type { WebhookConfig } from './config.ts'
export {
  signWebhook, verifyWebhookSignature, DEFAULT_TOLERANCE_SECONDS, WEBHOOK_SECRET_BYTES,
  HEADER_ID, HEADER_TYPE, HEADER_TIMESTAMP, HEADER_SIGNATURE
} from './signature.ts'
export type { WebhookVerification, VerifyFailure, HeaderBag } from './signature.ts'
export { readWebhookSecret, loadOrCreateWebhookSecret } from './secret.ts'
export { retryDelay, MIN_RETRY_MS, MAX_RETRY_MS } from './delivery.ts'
export { webhookSublevel } from './queue.ts'
export type { QueuedEvent } from './queue.ts'
