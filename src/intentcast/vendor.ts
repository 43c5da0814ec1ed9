import { hkdfSync } from 'node:crypto'
import { HKDF_SALT, IDENTITY_INFO } from '../identity/derive-keys.ts'
import { RateLimiter } from '@libp2p/utils'
import { invalidArgument, isHearthError } from '../errors.ts'
import { newRandomId } from '../messages/index.ts'
import type { AutoOfferRule } from '../repo/config.ts'
import { intentTerms, invalidState, notFound, fromUtf8, utf8 } from './context.ts'
import type { IcCtx } from './context.ts'
import { decodeX25519PublicKey, openSealed, seal, x25519FromEd25519Seed } from './seal.ts'
import type { X25519KeyPair } from './seal.ts'
import { categoryTopic, inboxTopic, replyTopic } from './topics.ts'
import { compareDecimal, signIntentcast, verifyIntentcast } from './wire.ts'
import type { VerifiedIntentcast } from './wire.ts'
import { bodyOf, marketIntentView, offerView } from './records.ts'
import type { MarketIntent, MarketIntentView, OfferView, SentOffer } from './records.ts'
import type { IntentBody, IntentWithdrawalBody, OfferBody, OfferResponseBody, ProposedAgreement } from './types.ts'

/** What a vendor (its person, its CRM, or a rule) puts in an offer. */
export interface OfferInput {
  items: OfferBody['items']
  total: OfferBody['total']
  fulfilment: OfferBody['fulfilment']
  conditions?: OfferBody['conditions']
  proposedAgreement?: ProposedAgreement
  /** how long it holds; never past the intent's expiry */
  validForSeconds: number
}

export interface Vendor {
  start (): Promise<void>
  /** intents held here (vendor mode), newest first */
  intents (): Promise<MarketIntentView[]>
  intent (id: string): Promise<MarketIntentView>
  offer (intentId: string, input: OfferInput, auto?: boolean): Promise<OfferView>
  sent (intentId?: string): Promise<OfferView[]>
  /** a verified message of a category topic this node subscribes to */
  onCategory (v: VerifiedIntentcast): Promise<void>
  /** a sealed message on our inbox bucket */
  onInbox (data: Uint8Array): Promise<void>
  /** an OfferResponse 'accept' on /vrm/intentcast/1.0.0: her DID, revealed to us alone */
  onAccept (jwt: string): Promise<{ ok: true } | { ok: false, code: string }>
  sweep (now: number): Promise<number>
  stop (): void
  readonly active: boolean
}

/** The vendor's inbox key: X25519 from its identity key's seed, so anyone can seal to its DID. */
function inboxKey (masterSeed: Uint8Array): X25519KeyPair {
  // the identity key's seed, derived with src/identity/derive-keys.ts's salt and label
  const seed = new Uint8Array(hkdfSync('sha256', masterSeed, utf8(HKDF_SALT), utf8(IDENTITY_INFO), 32))
  try { return x25519FromEd25519Seed(seed) } finally { seed.fill(0) }
}

export function createVendor (ctx: IcCtx): Vendor {
  const { store, config } = ctx
  const categories = config.vendor.categories
  const active = categories.length > 0
  let key: X25519KeyPair | undefined
  let held = 0
  const limiter = new RateLimiter({ points: 2 * config.vendor.maxIntentsPerSecond, duration: 2 })
  // acceptances whose agreement proposal has not arrived yet: agreementId -> what to check
  const awaiting = new Map<string, { did: string, offer: SentOffer }>()
  let offEvents = (): void => {}

  const getMarket = async (id: string): Promise<MarketIntent> => {
    const rec = typeof id === 'string' && id.length <= 64 ? await store.get<MarketIntent>(store.market, id) : undefined
    if (rec === undefined) throw notFound('intent', String(id).slice(0, 64))
    return rec
  }
  const sentFor = async (intentId: string): Promise<SentOffer[]> =>
    (await store.values<SentOffer>(store.marketOffers)).filter(o => o.intentId === intentId)

  /** Drop an intent and what we said about it (PDC-INTENT: delete at withdrawal or expiry). */
  const remove = async (rec: MarketIntent, reason: 'withdrawn' | 'expired'): Promise<void> => {
    const offers = (await sentFor(rec.id)).filter(o => o.status !== 'accepted')
    await store.batch([
      { type: 'del', sublevel: store.market, key: rec.id },
      ...offers.map(o => ({ type: 'del' as const, sublevel: store.marketOffers, key: o.id }))
    ])
    held = Math.max(0, held - 1)
    ctx.emit('market:intent-removed', { intentId: rec.id, reason })
  }

  const receiveIntent = async (v: VerifiedIntentcast, via: 'topic' | 'direct'): Promise<void> => {
    const body = v.payload.body as IntentBody
    await ctx.exclusive(`market:${body.intentId}`, async () => {
      const existing = await store.get<MarketIntent>(store.market, body.intentId)
      const refuse = (reason: string): void => { ctx.refuse(reason, { intentId: body.intentId }) }
      if (existing !== undefined) {
        if (existing.messageId === v.id) return // the same message again (republished, or two paths)
        if (existing.pairwiseDid !== v.payload.iss) return refuse('INTENT_ID_TAKEN')
        if (body.seq <= existing.seq) return refuse('STALE_UPDATE')
        if (body.replyKey !== bodyOf<IntentBody>(existing.jwt).replyKey) return refuse('REPLY_KEY_CHANGED')
        const next: MarketIntent = { ...existing, jwt: v.jwt, messageId: v.id, seq: body.seq, category: body.category, expiresAt: Date.parse(body.expiresAt) }
        await store.batch([{ type: 'put', sublevel: store.market, key: next.id, value: next }])
        ctx.emit('market:intent-updated', { intentId: next.id, intent: marketIntentView(next) })
        return
      }
      try { limiter.consume('intents') } catch { return refuse('RATE_LIMITED') }
      if (held >= config.vendor.maxIntents) return refuse('STORE_FULL')
      const rec: MarketIntent = { id: body.intentId, pairwiseDid: v.payload.iss, jwt: v.jwt, messageId: v.id, seq: body.seq, category: body.category, expiresAt: Date.parse(body.expiresAt), receivedAt: ctx.now(), via }
      // Not synced: nothing is acknowledged to anyone for a received intent, and gossip is best
      // effort anyway; an intent lost in a power cut is one this vendor never heard. (The
      // webhook's queue, which the CRM relies on, syncs its own writes.)
      await store.batch([{ type: 'put', sublevel: store.market, key: rec.id, value: rec }], { sync: false })
      held++
      ctx.emit('market:intent', { intentId: rec.id, intent: marketIntentView(rec) })
    })
    await autoOffer(body).catch(err => { ctx.refuse('AUTO_OFFER_FAILED', { intentId: body.intentId, error: (err as Error).message.slice(0, 200) }) })
  }

  const autoOffer = async (body: IntentBody): Promise<void> => {
    const rule = config.vendor.autoOffers.find(r => matches(r, body))
    if (rule === undefined) return
    if ((await sentFor(body.intentId)).length > 0) return
    await vendor.offer(body.intentId, rule.offer as OfferInput, true)
  }

  const vendor: Vendor = {
    active,
    async start () {
      if (!active) return
      key = inboxKey(ctx.masterSeed)
      held = (await store.entries(store.market)).length
      for (const c of categories) ctx.topics.subscribe(categoryTopic(c))
      ctx.topics.subscribe(inboxTopic(ctx.did))
      // an acceptance that came while the agreement proposal was still on its way
      offEvents = ctx.on(event => {
        if (event.type !== 'agreement:decision') return
        const id = String(event.data.agreementId)
        const waiting = awaiting.get(id)
        if (waiting !== undefined) acceptLater(id, waiting.did, waiting.offer, 20)
      })
    },

    stop () {
      offEvents()
      awaiting.clear()
    },

    async intents () {
      const recs = await store.values<MarketIntent>(store.market)
      return recs.sort((a, b) => b.receivedAt - a.receivedAt).map(marketIntentView)
    },
    intent: async id => marketIntentView(await getMarket(id)),

    async offer (intentId, input, auto = false) {
      if (typeof input !== 'object' || input === null) throw invalidArgument('offer', 'must be an object')
      const v = input.validForSeconds
      if (!Number.isSafeInteger(v) || v < 60) throw invalidArgument('validForSeconds', 'must be a whole number of seconds, at least 60')
      return await ctx.exclusive(`market:${intentId}`, async () => {
        const rec = await getMarket(intentId)
        const now = ctx.now()
        if (rec.expiresAt <= now) throw invalidState(`intent ${intentId} has expired`)
        const intent = bodyOf<IntentBody>(rec.jwt)
        const validUntil = Math.floor(Math.min(now + v * 1000, rec.expiresAt) / 1000)
        const body: OfferBody = {
          offerId: newRandomId(),
          intentId,
          intentHash: rec.messageId,
          vendor: { did: ctx.did, ...(config.vendor.name !== null ? { name: config.vendor.name } : {}) },
          items: input.items,
          total: input.total,
          fulfilment: input.fulfilment,
          ...(input.conditions !== undefined ? { conditions: input.conditions } : {}),
          acceptsTerms: intentTerms() as OfferBody['acceptsTerms'],
          ...(input.proposedAgreement !== undefined ? { proposedAgreement: input.proposedAgreement } : {}),
          validUntil: new Date(validUntil * 1000).toISOString()
        }
        let signed
        try {
          signed = signIntentcast(ctx.identity, { kind: 'vrm.Offer', body, aud: rec.pairwiseDid, exp: validUntil, now })
        } catch (err) {
          if (isHearthError(err, 'INVALID_MESSAGE')) throw invalidArgument(String(err.details?.field ?? 'offer').replace(/^body\.?/, '') || 'offer', err.message)
          throw err
        }
        const sent: SentOffer = { id: body.offerId, intentId, pairwiseDid: rec.pairwiseDid, jwt: signed.jwt, messageId: signed.id, status: 'open', createdAt: now, validUntil: validUntil * 1000, auto }
        await store.batch([{ type: 'put', sublevel: store.marketOffers, key: sent.id, value: sent }])
        // sealed to the intent's reply key, on its shared bucket: only she can read it
        await ctx.topics.publish(replyTopic(intentId), seal(decodeX25519PublicKey(intent.replyKey), utf8(signed.jwt), 'offer'))
        ctx.emit('market:offer-sent', { intentId, offerId: sent.id, auto, total: body.total })
        return offerView(sent)
      })
    },

    async sent (intentId) {
      const recs = await store.values<SentOffer>(store.marketOffers)
      return recs.filter(o => intentId === undefined || o.intentId === intentId).sort((a, b) => a.createdAt - b.createdAt).map(offerView)
    },

    async onCategory (v) {
      if (!active) return
      if (v.kind === 'vrm.IntentWithdrawal') {
        const body = v.payload.body as IntentWithdrawalBody
        await ctx.exclusive(`market:${body.intentId}`, async () => {
          const rec = await store.get<MarketIntent>(store.market, body.intentId)
          if (rec === undefined) return
          if (rec.pairwiseDid !== v.payload.iss) return ctx.refuse('NOT_THE_AUTHOR', { intentId: body.intentId })
          await remove(rec, 'withdrawn')
        })
        return
      }
      if (!categories.includes((v.payload.body as IntentBody).category)) return
      await receiveIntent(v, 'topic')
    },

    async onInbox (data) {
      if (key === undefined) return
      let v: VerifiedIntentcast
      try {
        const jwt = fromUtf8(openSealed(key, data, 'inbox'))
        v = verifyIntentcast(jwt, { kinds: ['vrm.Intent', 'vrm.IntentUpdate', 'vrm.IntentWithdrawal', 'vrm.OfferResponse'], audience: ctx.did, now: ctx.now() })
      } catch (err) {
        // a sealed message for another vendor of the same bucket fails to open: not a refusal
        if (isHearthError(err) && err.details?.wire === 'UNSEALABLE') return
        ctx.refuse(isHearthError(err) ? String(err.details?.wire ?? err.code) : 'INVALID_MESSAGE')
        return
      }
      if (v.kind === 'vrm.Intent' || v.kind === 'vrm.IntentUpdate') return await receiveIntent(v, 'direct')
      if (v.kind === 'vrm.IntentWithdrawal') return await vendor.onCategory(v)
      const body = v.payload.body as OfferResponseBody
      // an acceptance comes over a direct stream, with her DID; the inbox carries declines only
      if (body.decision !== 'decline') return ctx.refuse('ACCEPT_NOT_DIRECT', { offerId: body.offerId })
      await ctx.exclusive(`offer:${body.offerId}`, async () => {
        const offer = await store.get<SentOffer>(store.marketOffers, body.offerId)
        if (offer === undefined || offer.pairwiseDid !== v.payload.iss || offer.intentId !== body.intentId) return ctx.refuse('UNKNOWN_OFFER', { offerId: body.offerId })
        if (offer.status !== 'open') return
        await store.batch([{ type: 'put', sublevel: store.marketOffers, key: offer.id, value: { ...offer, status: 'declined', decline: { code: body.code, reason: body.reason } } }])
        ctx.emit('market:offer-declined', { intentId: offer.intentId, offerId: offer.id, code: body.code ?? null, reason: body.reason ?? null })
      })
    },

    async onAccept (jwt) {
      let v: VerifiedIntentcast
      try {
        v = verifyIntentcast(jwt, { kinds: ['vrm.OfferResponse'], audience: ctx.did, now: ctx.now() })
      } catch (err) {
        const code = isHearthError(err) ? String(err.details?.wire ?? err.code) : 'INVALID_MESSAGE'
        ctx.refuse(code)
        return { ok: false, code }
      }
      const body = v.payload.body as OfferResponseBody
      if (body.decision !== 'accept') return { ok: false, code: 'DECISION_MISMATCH' }
      return await ctx.exclusive(`offer:${body.offerId}`, async () => {
        const offer = await store.get<SentOffer>(store.marketOffers, body.offerId)
        // only the intent's own pairwise key can accept an offer made to it
        if (offer === undefined || offer.pairwiseDid !== v.payload.iss || offer.intentId !== body.intentId) {
          ctx.refuse('UNKNOWN_OFFER', { offerId: body.offerId })
          return { ok: false as const, code: 'UNKNOWN_OFFER' }
        }
        if (offer.status === 'accepted' && offer.acceptedBy?.agreementId === body.agreementId) return { ok: true as const }
        if (offer.status !== 'open') return { ok: false as const, code: 'OFFER_CLOSED' }
        if (offer.validUntil <= ctx.now()) return { ok: false as const, code: 'OFFER_EXPIRED' }
        const next: SentOffer = { ...offer, status: 'accepted', acceptedBy: { did: body.did!, agreementId: body.agreementId!, at: ctx.now() } }
        await store.batch([{ type: 'put', sublevel: store.marketOffers, key: offer.id, value: next }])
        ctx.emit('market:offer-accepted', { intentId: offer.intentId, offerId: offer.id, did: body.did, agreementId: body.agreementId })
        awaiting.set(body.agreementId!, { did: body.did!, offer: next })
        acceptLater(body.agreementId!, body.did!, next, 1)
        return { ok: true as const }
      })
    },

    async sweep (now) {
      let n = 0
      for (const rec of await store.values<MarketIntent>(store.market)) {
        if (rec.expiresAt > now) continue
        await ctx.exclusive(`market:${rec.id}`, async () => {
          const cur = await store.get<MarketIntent>(store.market, rec.id)
          if (cur !== undefined && cur.expiresAt <= now) { await remove(cur, 'expired'); n++ }
        })
      }
      for (const o of await store.values<SentOffer>(store.marketOffers)) {
        if (o.status === 'open' && o.validUntil <= now) {
          await store.batch([{ type: 'put', sublevel: store.marketOffers, key: o.id, value: { ...o, status: 'expired' } }])
        }
      }
      return n
    }
  }

  /**
   * Her agreement proposal for an offer we made: accept it when it asks for no more than the
   * offer proposed (the vendor already said yes to those terms). Otherwise it waits for a
   * person (agreement:decision), like any proposal.
   */
  /** In the background; a failure (the node stopping, say) leaves the proposal to a person. */
  function acceptLater (agreementId: string, did: string, offer: SentOffer, tries: number): void {
    acceptAgreement(agreementId, did, offer, tries).catch(err => {
      ctx.refuse('AUTO_ACCEPT_FAILED', { agreementId, error: (err as Error).message.slice(0, 200) })
    })
  }

  async function acceptAgreement (agreementId: string, did: string, offer: SentOffer, tries: number): Promise<void> {
    let rec = await ctx.agreements.get(agreementId)
    // the decision event comes as the proposal is being stored: give it a moment
    for (let i = 1; rec === undefined && i < tries; i++) {
      await new Promise(resolve => setTimeout(resolve, 100))
      rec = await ctx.agreements.get(agreementId)
    }
    if (rec === undefined) return // not here yet: agreement:decision brings us back
    awaiting.delete(agreementId)
    const proposed = bodyOf<OfferBody>(offer.jwt).proposedAgreement
    if (rec.counterparty !== did || rec.state !== 'proposed' || rec.awaiting !== 'us' || proposed === undefined) return
    const t = rec.terms
    const within = t.termId === proposed.termId &&
      t.share.every(f => (proposed.share as string[]).includes(f)) &&
      t.purposes.every(p => proposed.purposes.includes(p))
    if (!within) return
    await ctx.agreements.accept(agreementId)
  }

  return vendor
}

/** A rule matches an intent of its category that has one of its tags (or any, with no tags). */
function matches (rule: AutoOfferRule, intent: IntentBody): boolean {
  if (rule.category !== intent.category) return false
  if (rule.tags.length > 0 && !rule.tags.some(t => intent.tags?.includes(t))) return false
  // never offer more than her budget, or in another currency
  if (intent.budget !== undefined) {
    if (intent.budget.currency !== rule.offer.total.currency) return false
    if (compareDecimal(rule.offer.total.amount, intent.budget.max) > 0) return false
  }
  return true
}
