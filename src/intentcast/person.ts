import { peerIdFromString } from '@libp2p/peer-id'
import { HearthError, invalidArgument, isHearthError } from '../errors.ts'
import { publicKeyFromDidKey } from '../identity/index.ts'
import type { AgreementView } from '../agreements/index.ts'
import { newRandomId } from '../messages/index.ts'
import { request } from '../agreements/protocol.ts'
import { intentTerms, invalidState, notFound, fromUtf8, utf8 } from './context.ts'
import type { IcCtx } from './context.ts'
import { deriveIntentKeys, newIntentLabel } from './keys.ts'
import { encodeX25519PublicKey, openSealed, seal, x25519PublicFromEd25519 } from './seal.ts'
import type { X25519KeyPair } from './seal.ts'
import { categoryTopic, inboxTopic, replyTopic } from './topics.ts'
import { isCategory } from './categories.ts'
import { INTENTCAST_PROTOCOL, MAX_INTENT_LIFETIME_SECONDS, signIntentcast, verifyIntentcast } from './wire.ts'
import type { Ed25519Key } from '../identity/index.ts'
import { bodyOf, intentView, offerView } from './records.ts'
import type { IntentView, OfferView, OwnIntent, ReceivedOffer } from './records.ts'
import type { DeclineCode, IntentBody, IntentWithdrawalBody, OfferBody, OfferResponseBody } from './types.ts'

/** What she types or an app posts to create an intent (POST /v1/intents, `hearth intent`). */
export interface IntentInput {
  what: string
  category: string
  tags?: string[]
  items?: IntentBody['items']
  where?: IntentBody['where']
  when?: IntentBody['when']
  budget?: IntentBody['budget']
  fulfilment?: IntentBody['fulfilment']
  disclosureOnAccept?: IntentBody['disclosureOnAccept']
  /** one of the two is required: an intent always ends */
  expiresAt?: string
  expiresInSeconds?: number
  /** vendor DIDs to send it to directly (sealed to each, over its inbox topic) */
  to?: string[]
  /** publish on the category topic (default true; false needs `to`) */
  publish?: boolean
}

export type IntentChanges = Partial<Omit<IntentInput, 'to' | 'publish' | 'category'>>

export interface AcceptOptions { termId?: string, share?: string[], purposes?: string[], validForSeconds?: number, signal?: AbortSignal }

/** Default terms when an offer proposes none: basic service delivery, what she said she would disclose. */
const DEFAULT_AGREEMENT = { termId: 'SD-BASE', purposes: ['dpv:ServiceProvision'], validForSeconds: 30 * 24 * 3600 }

export interface Person {
  start (): Promise<void>
  create (input: IntentInput): Promise<IntentView>
  update (id: string, changes: IntentChanges): Promise<IntentView>
  withdraw (id: string, reason?: string): Promise<IntentView>
  list (): Promise<IntentView[]>
  get (id: string): Promise<IntentView>
  offers (intentId?: string): Promise<OfferView[]>
  accept (offerId: string, options?: AcceptOptions): Promise<{ offer: OfferView, agreement: AgreementView | null }>
  decline (offerId: string, options?: { code?: DeclineCode, reason?: string }): Promise<OfferView>
  /** a message on one of the reply buckets she listens to */
  onReply (topic: string, data: Uint8Array): Promise<void>
  sweep (now: number): Promise<number>
}

interface Keys { signing: Ed25519Key, reply: X25519KeyPair }

export function createPerson (ctx: IcCtx): Person {
  const { store } = ctx
  // keys of open intents, derived again from the master seed at start (the store keeps only labels)
  const keys = new Map<string, Keys>()
  const offerKey = (intentId: string, offerId: string): string => `${intentId}!${offerId}`

  const getIntent = async (id: string): Promise<OwnIntent> => {
    const rec = typeof id === 'string' && id.length <= 64 ? await store.get<OwnIntent>(store.intents, id) : undefined
    if (rec === undefined) throw notFound('intent', String(id).slice(0, 64))
    return rec
  }
  // What time can change, in memory, so that a sweep with nothing due touches no disk: when
  // each live intent ends (open, or closed until its expiry), and until when each open offer holds.
  const ends = new Map<string, number>()
  const openOffers = new Map<string, { intentId: string, until: number }>()
  const forget = (id: string): void => {
    ends.delete(id)
    if (keys.delete(id)) ctx.topics.unsubscribe(replyTopic(id))
  }
  const endOf = (rec: OwnIntent): number => Date.parse(bodyOf<IntentBody>(rec.versions.at(-1)!.jwt).expiresAt)
  const watch = (rec: OwnIntent): void => { ends.set(rec.id, endOf(rec)) }
  /** after a batch wrote these offers: keep the open ones' validity in view */
  const noteOffers = (offers: ReceivedOffer[]): void => {
    for (const o of offers) {
      const key = offerKey(o.intentId, o.id)
      if (o.status === 'open') openOffers.set(key, { intentId: o.intentId, until: Date.parse(bodyOf<OfferBody>(o.jwt).validUntil) })
      else openOffers.delete(key)
    }
  }
  const keysOf = (rec: OwnIntent): Keys => {
    let k = keys.get(rec.id)
    if (k === undefined) {
      k = deriveIntentKeys(ctx.masterSeed, rec.label)
      keys.set(rec.id, k)
    }
    return k
  }
  const offersOf = async (intentId: string): Promise<ReceivedOffer[]> =>
    (await store.entries<ReceivedOffer>(store.offers, { gt: `${intentId}!`, lt: `${intentId}!~` })).map(([, v]) => v)
  const view = async (rec: OwnIntent): Promise<IntentView> => intentView(rec, (await offersOf(rec.id)).length)
  const findOffer = async (offerId: string): Promise<ReceivedOffer> => {
    if (typeof offerId === 'string' && offerId.length <= 64) {
      for (const o of await store.values<ReceivedOffer>(store.offers)) if (o.id === offerId) return o
    }
    throw notFound('offer', String(offerId).slice(0, 64))
  }
  const putIntent = (rec: OwnIntent): { type: 'put', sublevel: typeof store.intents, key: string, value: OwnIntent } =>
    ({ type: 'put', sublevel: store.intents, key: rec.id, value: rec })
  const putOffer = (rec: ReceivedOffer): { type: 'put', sublevel: typeof store.offers, key: string, value: ReceivedOffer } =>
    ({ type: 'put', sublevel: store.offers, key: offerKey(rec.intentId, rec.id), value: rec })

  const expiryOf = (input: Pick<IntentInput, 'expiresAt' | 'expiresInSeconds'>, now: number): number => {
    let at: number
    if (input.expiresAt !== undefined) {
      at = typeof input.expiresAt === 'string' ? Date.parse(input.expiresAt) : NaN
      if (!Number.isFinite(at)) throw invalidArgument('expiresAt', 'must be an RFC 3339 date-time')
    } else if (input.expiresInSeconds !== undefined) {
      if (!Number.isSafeInteger(input.expiresInSeconds)) throw invalidArgument('expiresInSeconds', 'must be a whole number of seconds')
      at = now + input.expiresInSeconds * 1000
    } else {
      throw invalidArgument('expiresAt', 'an intent must say when it ends (expiresAt or expiresInSeconds; the CLI: --until 7d)')
    }
    // whole seconds: the JWT's exp claim must equal expiresAt
    at = Math.floor(at / 1000) * 1000
    if (at <= now + 1000) throw invalidArgument('expiresAt', 'must be in the future')
    if (at > now + MAX_INTENT_LIFETIME_SECONDS * 1000) throw invalidArgument('expiresAt', `must be within ${MAX_INTENT_LIFETIME_SECONDS / 86400} days`)
    return at
  }

  const sign = (k: Keys, body: IntentBody, now: number): { jwt: string, id: string } => {
    const kind = body.seq === 1 ? 'vrm.Intent' : 'vrm.IntentUpdate'
    // signing applies the rules a vendor applies, so a bad field is reported here, by name
    try {
      const s = signIntentcast(k.signing, { kind, body, exp: Date.parse(body.expiresAt) / 1000, now })
      return { jwt: s.jwt, id: s.id }
    } catch (err) { throw asArgument(err) }
  }

  /** Send to the category topic and/or sealed to each chosen vendor. */
  const broadcast = async (rec: OwnIntent, jwt: string, category: string): Promise<void> => {
    if (rec.published) await ctx.topics.publish(categoryTopic(category), utf8(jwt))
    for (const vendor of rec.to) {
      await ctx.topics.publish(inboxTopic(vendor), seal(x25519PublicFromEd25519(publicKeyFromDidKey(vendor)), utf8(jwt), 'inbox'))
    }
  }

  const close = async (rec: OwnIntent, status: 'withdrawn' | 'expired' | 'accepted', extra: Partial<OwnIntent> = {}): Promise<OwnIntent> => {
    const now = ctx.now()
    const next: OwnIntent = { ...rec, ...extra, status, updatedAt: now }
    const settled = (await offersOf(rec.id)).filter(o => o.status === 'open' && o.id !== extra.accepted?.offerId)
      .map(o => ({ ...o, status: status === 'expired' ? 'expired' as const : 'withdrawn' as const }))
    await store.batch([putIntent(next), ...settled.map(putOffer)])
    noteOffers(settled)
    // until its expiry she still opens offers to it, to refuse them by name (a late offer);
    // after that, it is as if it never existed
    if (status === 'expired') forget(rec.id)
    return next
  }

  const withdrawal = async (rec: OwnIntent, reason: string | undefined): Promise<void> => {
    const k = keysOf(rec)
    const current = bodyOf<IntentBody>(rec.versions.at(-1)!.jwt)
    const body: IntentWithdrawalBody = { intentId: rec.id, ...(reason !== undefined ? { reason } : {}) }
    const now = ctx.now()
    const w = signIntentcast(k.signing, { kind: 'vrm.IntentWithdrawal', body, exp: Math.max(Date.parse(current.expiresAt) / 1000, Math.floor(now / 1000) + 60), now })
    await broadcast(rec, w.jwt, current.category)
  }

  const person: Person = {
    async start () {
      const now = ctx.now()
      for (const rec of await store.values<OwnIntent>(store.intents)) {
        if (rec.status === 'expired') continue
        if (endOf(rec) > now) {
          keysOf(rec)
          watch(rec)
          ctx.topics.subscribe(replyTopic(rec.id))
          if (rec.status === 'open') noteOffers(await offersOf(rec.id))
        } else if (rec.status === 'open') {
          // it ended while the node was down
          await close(rec, 'expired')
          ctx.emit('intent:expired', { intentId: rec.id })
        }
      }
    },

    async create (input) {
      if (typeof input !== 'object' || input === null) throw invalidArgument('intent', 'must be an object')
      if (typeof input.category !== 'string' || !isCategory(input.category)) throw invalidArgument('category', `${JSON.stringify(String(input.category).slice(0, 40))} is not a category (hearth intent categories)`)
      const to = [...new Set(input.to ?? [])]
      if (to.length > 16) throw invalidArgument('to', 'at most 16 vendors')
      for (const did of to) {
        try { publicKeyFromDidKey(did) } catch { throw invalidArgument('to', `${JSON.stringify(String(did).slice(0, 80))} is not a did:key`) }
      }
      const published = input.publish ?? true
      if (!published && to.length === 0) throw invalidArgument('publish', 'an intent that is not published must go to at least one vendor (to)')
      const now = ctx.now()
      const expiresAt = expiryOf(input, now)
      const label = newIntentLabel()
      const k = deriveIntentKeys(ctx.masterSeed, label)
      const intentId = newRandomId()
      const body: IntentBody = {
        intentId,
        seq: 1,
        what: input.what,
        category: input.category,
        ...optional(input),
        terms: intentTerms() as IntentBody['terms'],
        replyKey: encodeX25519PublicKey(k.reply.publicKey),
        expiresAt: new Date(expiresAt).toISOString()
      }
      const signed = sign(k, body, now)
      const rec: OwnIntent = { id: intentId, label, pairwiseDid: k.signing.did, versions: [signed], status: 'open', to, published, createdAt: now, updatedAt: now }
      // stored (synced) before anything leaves: an offer may come back at once
      await store.batch([putIntent(rec)])
      keys.set(intentId, k)
      watch(rec)
      ctx.topics.subscribe(replyTopic(intentId))
      await broadcast(rec, signed.jwt, body.category)
      ctx.emit('intent:created', { intentId, category: body.category, expiresAt: body.expiresAt, published, to: to.length })
      return await view(rec)
    },

    async update (id, changes) {
      return await ctx.exclusive(`intent:${id}`, async () => {
        const rec = await getIntent(id)
        if (rec.status !== 'open') throw invalidState(`intent ${id} is ${rec.status}: only an open intent can change`)
        const current = bodyOf<IntentBody>(rec.versions.at(-1)!.jwt)
        const now = ctx.now()
        const expiresAt = changes.expiresAt !== undefined || changes.expiresInSeconds !== undefined ? new Date(expiryOf(changes, now)).toISOString() : current.expiresAt
        const { expiresAt: _e, expiresInSeconds: _s, ...rest } = changes
        const body: IntentBody = { ...current, ...optional(rest as IntentInput), ...(rest.what !== undefined ? { what: rest.what } : {}), seq: current.seq + 1, expiresAt }
        const signed = sign(keysOf(rec), body, now)
        const next: OwnIntent = { ...rec, versions: [...rec.versions, signed], updatedAt: now }
        await store.batch([putIntent(next)])
        watch(next)
        await broadcast(next, signed.jwt, body.category)
        ctx.emit('intent:updated', { intentId: id, version: body.seq })
        return await view(next)
      })
    },

    async withdraw (id, reason) {
      if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) throw invalidArgument('reason', 'at most 200 characters')
      return await ctx.exclusive(`intent:${id}`, async () => {
        const rec = await getIntent(id)
        if (rec.status !== 'open') throw invalidState(`intent ${id} is already ${rec.status}`)
        await withdrawal(rec, reason)
        const next = await close(rec, 'withdrawn')
        ctx.emit('intent:withdrawn', { intentId: id })
        return await view(next)
      })
    },

    async list () {
      const recs = await store.values<OwnIntent>(store.intents)
      return await Promise.all(recs.sort((a, b) => b.createdAt - a.createdAt).map(view))
    },
    get: async id => await view(await getIntent(id)),

    async offers (intentId) {
      const recs = intentId === undefined ? await store.values<ReceivedOffer>(store.offers) : await offersOf((await getIntent(intentId)).id)
      return recs.sort((a, b) => a.receivedAt - b.receivedAt).map(offerView)
    },

    async accept (offerId, options = {}) {
      const found = await findOffer(offerId)
      return await ctx.exclusive(`intent:${found.intentId}`, async () => {
        const offer = (await store.get<ReceivedOffer>(store.offers, offerKey(found.intentId, found.id)))!
        const rec = await getIntent(offer.intentId)
        const body = bodyOf<OfferBody>(offer.jwt)
        const now = ctx.now()
        if (offer.status !== 'open') throw invalidState(`offer ${offerId} is ${offer.status}`)
        if (rec.status !== 'open') throw invalidState(`its intent is ${rec.status}`)
        if (Date.parse(body.validUntil) <= now) throw invalidState(`offer ${offerId} ended at ${body.validUntil}`)
        const intent = bodyOf<IntentBody>(rec.versions.at(-1)!.jwt)
        const pa = body.proposedAgreement
        const terms = {
          termId: options.termId ?? pa?.termId ?? DEFAULT_AGREEMENT.termId,
          share: options.share ?? pa?.share ?? intent.disclosureOnAccept ?? [],
          purposes: options.purposes ?? pa?.purposes ?? DEFAULT_AGREEMENT.purposes,
          validForSeconds: options.validForSeconds ?? pa?.validForSeconds ?? DEFAULT_AGREEMENT.validForSeconds
        }
        // from here on the vendor learns who she is: her node connects with its own PeerId,
        // and the agreement is signed with her DID (DESIGN.md section 7)
        const reached = await ctx.connect(offer.vendor, { signal: options.signal })
        const agreement = await ctx.agreements.propose({ to: offer.vendor, termId: terms.termId, share: terms.share, purposes: terms.purposes, validForMs: terms.validForSeconds * 1000 })
        const response: OfferResponseBody = { offerId: offer.id, intentId: rec.id, decision: 'accept', did: ctx.did, agreementId: agreement.id }
        const signed = signIntentcast(keysOf(rec).signing, { kind: 'vrm.OfferResponse', body: response, aud: offer.vendor, exp: Math.floor(now / 1000) + 3600, now })
        const connection = ctx.libp2p.getConnections(peerIdFromString(reached.peerId))[0]
        if (connection === undefined) throw new HearthError('UNREACHABLE', `lost the connection to ${offer.vendor}`)
        const answer = parseAnswer(await request(connection, INTENTCAST_PROTOCOL, utf8(signed.jwt), { signal: options.signal }))
        if (!answer.ok) throw new HearthError('INVALID_STATE', `the vendor refused the acceptance: ${answer.code}`, { details: { wire: answer.code } })
        const accepted = { offerId: offer.id, agreementId: agreement.id, vendor: offer.vendor }
        const taken: ReceivedOffer = { ...offer, status: 'accepted', agreementId: agreement.id }
        await store.batch([putOffer(taken)])
        noteOffers([taken])
        // the intent is done: every vendor is told to delete it (PDC-INTENT)
        await withdrawal(rec, 'an offer was accepted').catch(() => {})
        await close(rec, 'accepted', { accepted })
        ctx.emit('offer:accepted', { intentId: rec.id, offerId: offer.id, vendor: offer.vendor, agreementId: agreement.id })
        const stored = (await store.get<ReceivedOffer>(store.offers, offerKey(rec.id, offer.id)))!
        return { offer: offerView(stored), agreement: await ctx.agreements.get(agreement.id) ?? null }
      })
    },

    async decline (offerId, options = {}) {
      if (options.reason !== undefined && (typeof options.reason !== 'string' || options.reason.length > 500)) throw invalidArgument('reason', 'at most 500 characters')
      const found = await findOffer(offerId)
      return await ctx.exclusive(`intent:${found.intentId}`, async () => {
        const offer = (await store.get<ReceivedOffer>(store.offers, offerKey(found.intentId, found.id)))!
        if (offer.status !== 'open') throw invalidState(`offer ${offerId} is ${offer.status}`)
        const rec = await getIntent(offer.intentId)
        const now = ctx.now()
        const body: OfferResponseBody = { offerId: offer.id, intentId: rec.id, decision: 'decline', ...(options.code !== undefined ? { code: options.code } : {}), ...(options.reason !== undefined ? { reason: options.reason } : {}) }
        let signed
        try {
          signed = signIntentcast(keysOf(rec).signing, { kind: 'vrm.OfferResponse', body, aud: offer.vendor, exp: Math.floor(now / 1000) + 24 * 3600, now })
        } catch (err) { throw asArgument(err) }
        const next: ReceivedOffer = { ...offer, status: 'declined', decline: { code: options.code, reason: options.reason } }
        await store.batch([putOffer(next)])
        noteOffers([next])
        // sealed to the vendor, over its inbox bucket: a decline reveals nothing about her
        await ctx.topics.publish(inboxTopic(offer.vendor), seal(x25519PublicFromEd25519(publicKeyFromDidKey(offer.vendor)), utf8(signed.jwt), 'inbox'))
        ctx.emit('offer:declined', { intentId: rec.id, offerId: offer.id, vendor: offer.vendor })
        return offerView(next)
      })
    },

    async onReply (topic, data) {
      // which of her open intents listen on this bucket: try each one's key (cheap: X25519 + AEAD)
      let opened: { rec: OwnIntent, jwt: string } | undefined
      for (const [intentId, k] of keys) {
        if (replyTopic(intentId) !== topic) continue
        try {
          opened = { rec: await getIntent(intentId), jwt: fromUtf8(openSealed(k.reply, data, 'offer')) }
          break
        } catch { /* someone else's offer in the same bucket */ }
      }
      if (opened === undefined) return
      await receiveOffer(opened.rec, opened.jwt)
    },

    /** Expire what is due: the in-memory views above say what, so an idle sweep reads nothing. */
    async sweep (now) {
      let n = 0
      for (const [id, end] of [...ends]) {
        if (end > now) continue
        n += await ctx.exclusive(`intent:${id}`, async () => {
          const rec = await store.get<OwnIntent>(store.intents, id)
          if (rec === undefined || rec.status !== 'open') { forget(id); return 0 }
          if (endOf(rec) > now) { watch(rec); return 0 }
          await close(rec, 'expired')
          ctx.emit('intent:expired', { intentId: id })
          return 1
        })
      }
      for (const [key, { intentId, until }] of [...openOffers]) {
        if (until > now) continue
        n += await ctx.exclusive(`intent:${intentId}`, async () => {
          const o = await store.get<ReceivedOffer>(store.offers, key)
          if (o === undefined || o.status !== 'open') { openOffers.delete(key); return 0 }
          const ended: ReceivedOffer = { ...o, status: 'expired' }
          await store.batch([putOffer(ended)])
          noteOffers([ended])
          return 1
        })
      }
      return n
    }
  }

  /** An offer sealed to one of her intents: verified, checked against the intent, stored once. */
  async function receiveOffer (found: OwnIntent, jwt: string): Promise<void> {
    const now = ctx.now()
    let body: OfferBody
    let id: string
    try {
      const v = verifyIntentcast(jwt, { kinds: ['vrm.Offer'], audience: found.pairwiseDid, now })
      body = v.payload.body as OfferBody
      id = v.id
    } catch (err) {
      ctx.refuse(isHearthError(err) ? String(err.details?.wire ?? err.code) : 'INVALID_MESSAGE', { intentId: found.id })
      return
    }
    await ctx.exclusive(`intent:${found.id}`, async () => {
      const rec = await getIntent(found.id)
      const refuse = (reason: string): void => { ctx.refuse(reason, { intentId: rec.id, offerId: body.offerId }) }
      if (body.intentId !== rec.id) return refuse('WRONG_INTENT')
      // a late offer: the intent is withdrawn, accepted or past its expiry
      if (rec.status !== 'open') return refuse('INTENT_CLOSED')
      if (endOf(rec) <= now) return refuse('INTENT_EXPIRED')
      if (!rec.versions.some(v => v.id === body.intentHash)) return refuse('UNKNOWN_INTENT_VERSION')
      if (body.acceptsTerms.termHash !== intentTerms().termHash) return refuse('TERMS_NOT_ACCEPTED')
      const budget = bodyOf<IntentBody>(rec.versions.at(-1)!.jwt).budget
      if (budget !== undefined && body.total.currency !== budget.currency) return refuse('CURRENCY_MISMATCH')
      const existing = await store.get<ReceivedOffer>(store.offers, offerKey(rec.id, body.offerId))
      if (existing !== undefined) return refuse(existing.messageId === id ? 'REPLAYED' : 'OFFER_ID_REUSED')
      if ((await offersOf(rec.id)).length >= ctx.config.maxOffersPerIntent) return refuse('TOO_MANY_OFFERS')
      const offer: ReceivedOffer = { id: body.offerId, intentId: rec.id, jwt, messageId: id, vendor: body.vendor.did, status: 'open', receivedAt: now }
      await store.batch([putOffer(offer)])
      noteOffers([offer])
      ctx.emit('offer:received', { intentId: rec.id, offerId: offer.id, vendor: offer.vendor, total: body.total })
    })
  }

  return person
}

/** The optional fields of an intent, as given (undefined ones left out: the JWT has no nulls). */
function optional (input: Partial<IntentInput>): Partial<IntentBody> {
  const out: Partial<IntentBody> = {}
  for (const k of ['tags', 'items', 'where', 'when', 'budget', 'fulfilment', 'disclosureOnAccept'] as const) {
    if (input[k] !== undefined && input[k] !== null) (out as Record<string, unknown>)[k] = input[k]
  }
  return out
}

/** A message we were about to sign failed our own check: that is the caller's input. */
function asArgument (err: unknown): unknown {
  if (isHearthError(err, 'INVALID_MESSAGE')) {
    const field = String(err.details?.field ?? 'intent').replace(/^body\.?/, '') || 'intent'
    return new HearthError('INVALID_ARGUMENT', `${field}: ${err.message}`, { details: { field, wire: err.details?.wire } })
  }
  return err
}

function parseAnswer (frame: Uint8Array): { ok: boolean, code?: string } {
  try {
    const a = JSON.parse(fromUtf8(frame)) as { ok?: unknown, code?: unknown }
    return { ok: a.ok === true, code: typeof a.code === 'string' ? a.code.slice(0, 40) : undefined }
  } catch {
    return { ok: false, code: 'MALFORMED' }
  }
}
