/**
 * Intentcasting (DESIGN.md section 7; spec: protocols/intentcast/README.md): she says what she
 * wants on a category topic, signed by a key used for that intent only; vendors answer with
 * signed offers sealed to the intent's reply key, on a bucket topic many people share; she
 * reveals her DID to one vendor only, by accepting its offer (a direct stream and an agreement).
 */
import { createExclusive } from '../agreements/context.ts'
import { serve } from '../agreements/protocol.ts'
import { invalidConfig } from '../errors.ts'
import { lookupTerm } from '../messages/index.ts'
import type { AutoOfferRule, IntentcastConfig } from '../repo/config.ts'
import { categories, isCategory } from './categories.ts'
import type { Category } from './categories.ts'
import type { IcCtx, IntentcastComponents } from './context.ts'
import { fromUtf8, intentTerms, utf8 } from './context.ts'
import { validateIntentcastBody } from './schemas.ts'
import { createPerson } from './person.ts'
import type { Person } from './person.ts'
import { createTopics } from './pubsub.ts'
import { createVendor } from './vendor.ts'
import type { Vendor } from './vendor.ts'
import { INTENTCAST_PROTOCOL } from './wire.ts'

export type { IntentInput, IntentChanges, AcceptOptions } from './person.ts'
export type { OfferInput } from './vendor.ts'
export type { IntentcastComponents } from './context.ts'
export type { IntentView, OfferView, MarketIntentView } from './records.ts'

export interface IntentcastStatus {
  router: boolean
  vendor: { categories: string[], intents: number } | null
  openIntents: number
  /** incoming messages refused or ignored, by reason (our checks and the topic validators) */
  refused: Record<string, number>
}

export interface Intentcast {
  readonly person: Person
  readonly vendor: Vendor
  categories (): readonly Category[]
  status (): Promise<IntentcastStatus>
  start (): Promise<void>
  stop (): Promise<void>
  /** expire what is due now (also runs every 10 s) */
  sweep (): Promise<number>
}

export const SWEEP_INTERVAL_MS = 10_000

export function createIntentcast (components: IntentcastComponents, config: IntentcastConfig, init: { now?: () => number, sweepIntervalMs?: number } = {}): Intentcast {
  for (const c of [...config.vendor.categories, ...config.vendor.autoOffers.map(r => r.category)]) {
    if (!isCategory(c)) throw invalidConfig('intentcast.vendor', `${JSON.stringify(c)} is not a category (hearth intent categories)`)
  }
  config.vendor.autoOffers.forEach((rule, i) => { checkRuleOffer(components.identity.did, rule.offer, `intentcast.vendor.autoOffers[${i}].offer`) })
  const refused: Record<string, number> = {}
  const now = init.now ?? Date.now
  let person: Person
  let vendor: Vendor
  const topics = createTopics({
    pubsub: components.libp2p.services.pubsub,
    router: config.router,
    now,
    onMessage: m => {
      if (m.kind.kind === 'reply') void person.onReply(m.topic, m.data).catch(() => {})
      else if (m.kind.kind === 'inbox') void vendor.onInbox(m.data).catch(() => {})
      else if (m.verified !== undefined) void vendor.onCategory(m.verified).catch(() => {})
    }
  })
  const ctx: IcCtx = {
    ...components,
    did: components.identity.did,
    config,
    topics,
    now,
    exclusive: createExclusive(),
    refused,
    refuse: (reason, data = {}) => {
      refused[reason] = (refused[reason] ?? 0) + 1
      components.emit('intentcast:refused', { reason, ...data })
    }
  }
  person = createPerson(ctx)
  vendor = createVendor(ctx)
  let timer: ReturnType<typeof setInterval> | undefined
  let sweeping: Promise<number> | undefined

  const sweep = async (): Promise<number> => {
    sweeping ??= (async () => {
      try {
        const t = now()
        return await person.sweep(t) + await vendor.sweep(t)
      } finally { sweeping = undefined }
    })()
    return await sweeping
  }

  return {
    person,
    vendor,
    categories,
    sweep,
    async status () {
      const own = (await person.list()).filter(i => i.status === 'open').length
      return {
        router: config.router,
        vendor: vendor.active ? { categories: config.vendor.categories, intents: (await vendor.intents()).length } : null,
        openIntents: own,
        refused: { ...topics.refused, ...refused }
      }
    },
    async start () {
      await serve(components.libp2p, INTENTCAST_PROTOCOL, async frame => {
        let answer: { ok: boolean, code?: string }
        try { answer = await vendor.onAccept(fromUtf8(frame)) } catch { answer = { ok: false, code: 'MALFORMED' } }
        return utf8(JSON.stringify(answer))
      }, () => utf8(JSON.stringify({ ok: false, code: 'RATE_LIMITED' })))
      topics.start()
      await person.start()
      await vendor.start()
      await sweep()
      timer = setInterval(() => { void sweep().catch(() => {}) }, init.sweepIntervalMs ?? SWEEP_INTERVAL_MS)
      timer.unref?.()
    },
    async stop () {
      if (timer !== undefined) clearInterval(timer)
      topics.stop()
      vendor.stop()
      await sweeping?.catch(() => {})
      await components.libp2p.unhandle(INTENTCAST_PROTOCOL).catch(() => {})
    }
  }
}

/**
 * A rule's offer, checked at start against the Offer schema (with placeholder ids), so that a
 * typo in config.json is an error now, not a failed offer at the first matching intent.
 */
function checkRuleOffer (did: string, offer: AutoOfferRule['offer'], field: string): void {
  const { validForSeconds: _v, ...parts } = offer
  const placeholder = 'A'.repeat(22)
  try {
    validateIntentcastBody('vrm.Offer', {
      offerId: placeholder,
      intentId: placeholder,
      intentHash: 'bafkrei' + 'a'.repeat(52),
      vendor: { did },
      ...parts,
      acceptsTerms: intentTerms(),
      validUntil: new Date(0).toISOString()
    })
  } catch (err) {
    const inner = String((err as { details?: { field?: string } }).details?.field ?? '').replace(/^body\.?/, '')
    throw invalidConfig(inner === '' ? field : `${field}.${inner}`, (err as Error).message.replace(/^body\S*\s/, ''))
  }
  const term = offer.proposedAgreement?.termId
  if (term !== undefined && lookupTerm(term) === undefined) throw invalidConfig(`${field}.proposedAgreement.termId`, `${JSON.stringify(term)} is not in the terms roster`)
}
