import { peerIdFromString } from '@libp2p/peer-id'
import { RateLimiter } from '@libp2p/utils'
import { HearthError } from '../errors.ts'
import { signMessage, verifyMessage } from '../messages/index.ts'
import { commit, createExclusive, createIndex, loadAgreement, putAgreement, replayGuard } from './context.ts'
import { createJtiFilter, createKeyFilter } from './key-filter.ts'
import { createRecordCache } from './cache.ts'
import type { AgreementPolicy, AgreementsComponents, Ctx } from './context.ts'
import type { AgreementRecord, HeldData, Profile, StoredMessage } from './model.ts'
import { createOutbox } from './outbox.ts'
import type { OutboxInit, OutboxItem } from './outbox.ts'
import { onAck } from './acks.ts'
import { erasureOps } from './erasure.ts'
import { receive } from './inbound.ts'
import { createActions } from './actions.ts'
import type { ProposeOptions, TermChoice } from './actions.ts'
import { isExpired } from './state-machine.ts'
import { serve, request, AGREEMENT_PROTOCOL, TERMS_PROTOCOL, utf8, fromUtf8 } from './protocol.ts'

export const EXPIRY_SWEEP_MS = 1_000
/** records kept in memory (cache.ts): agreements in flight and recently active, a few MB at most */
export const CACHED_AGREEMENTS = 4096
export const CACHED_MESSAGES = 2048
/** adverts stand outside any agreement: a fixed, valid thread id (protocols/agreement/README.md) */
export const TERMS_THREAD = 'AAAAAAAAAAAAAAAAAAAAAA'

export interface AgreementsInit extends OutboxInit {
  policy?: Partial<AgreementPolicy>
  now?: () => number
}

export interface AgreementView extends AgreementRecord {
  /** the counterparty's acknowledgement state of our queued messages */
  outbox: Array<{ messageId: string, kind: string, attempts: number, lastError?: string }>
}

export interface Agreements {
  /** register the protocol handlers; before the network starts, so no peer finds them missing */
  listen (): Promise<void>
  start (): Promise<void>
  stop (): Promise<void>
  propose (o: ProposeOptions): Promise<AgreementRecord>
  accept (id: string): Promise<AgreementRecord>
  counter (id: string, choice: TermChoice): Promise<AgreementRecord>
  reject (id: string, reason?: string): Promise<AgreementRecord>
  terminate (id: string, reason?: string): Promise<AgreementRecord>
  list (): Promise<AgreementRecord[]>
  get (id: string): Promise<AgreementView | undefined>
  /** the exact signed messages of one agreement, in stored order */
  thread (id: string): Promise<StoredMessage[]>
  held (id: string): Promise<HeldData | undefined>
  profile (): Promise<Profile>
  setProfile (changes: Record<string, string | null>): ReturnType<ReturnType<typeof createActions>['setProfile']>
  /** our r-button: the term ids we accept */
  advertisedTerms (): { accepts: string[], autoAccept: string[] }
  /** read another node's r-button, signed by its DID */
  fetchTerms (did: string, options?: { signal?: AbortSignal }): Promise<{ did: string, accepts: string[], autoAccept: string[] }>
  /** expire what is due now (also runs every second) */
  sweep (): Promise<number>
}

export function createAgreements (components: AgreementsComponents, init: AgreementsInit = {}): Agreements {
  const autoAccept = init.policy?.autoAccept ?? []
  const policy: AgreementPolicy = {
    autoAccept,
    accepts: [...new Set([...(init.policy?.accepts ?? []), ...autoAccept])],
    maxPendingPerPeer: init.policy?.maxPendingPerPeer ?? 32,
    maxProposalsPerSecond: init.policy?.maxProposalsPerSecond ?? 20
  }
  const { store } = components
  const cache = createRecordCache(store, [
    { sublevel: store.agreements, max: CACHED_AGREEMENTS },
    // our messages, which acks.ts reads back when their Ack comes (the rest are seldom read again)
    { sublevel: store.messages, max: CACHED_MESSAGES, values: m => (m as StoredMessage).direction === 'sent' && (m as StoredMessage).kind !== 'vrm.Ack' },
    { sublevel: store.held, max: CACHED_AGREEMENTS },
    { sublevel: store.profile, max: 1 },
    // the last seq per (thread, sender); jti markers are looked up once each, caching them would only evict
    { sublevel: store.replay, max: CACHED_AGREEMENTS, keys: key => key.startsWith('seq/') }
  ])
  const jtis = createJtiFilter(store.replay)
  const agreementIds = createKeyFilter(store.agreements, {})
  const ctx: Ctx = {
    ...components,
    did: components.identity.did,
    policy,
    now: init.now ?? Date.now,
    exclusive: createExclusive(),
    index: createIndex(),
    proposalLimiter: new RateLimiter({ points: policy.maxProposalsPerSecond * 2, duration: 2 }),
    kick: () => { outbox.kick() },
    cache,
    replay: replayGuard(store, cache, jtis),
    jtis,
    agreementIds,
    written: ops => { outbox.written(ops) }
  }
  const outbox = createOutbox(ctx, async (item: OutboxItem, ack: string) => { await onAck(ctx, outbox, item, ack) }, init)
  const actions = createActions(ctx, outbox)
  let sweeper: NodeJS.Timeout | undefined

  const sweep = async (): Promise<number> => {
    const now = ctx.now()
    let count = 0
    for (const id of ctx.index.due(now)) {
      count += await ctx.exclusive(id, async () => {
        const rec = await loadAgreement(ctx, id)
        if (rec === undefined || !isExpired(rec, now)) return 0
        // each node enforces expiry on its own store: data held under it goes with it
        const erase = rec.role === 'responder' ? await erasureOps(ctx, rec) : []
        await commit(ctx, [...erase, putAgreement(ctx, { ...rec, state: 'expired', awaiting: 'none', updatedAt: now })])
        ctx.emit('agreement:state', { agreementId: rec.id, state: 'expired', awaiting: 'none' })
        return 1
      })
    }
    return count
  }

  const agreements: Agreements = {
    async listen () {
      // before the handlers: an inbound message may enqueue replies and count pending proposals
      for (const rec of await ctx.store.values<AgreementRecord>(ctx.store.agreements)) ctx.index.track(rec)
      // every jti marker and agreement id on disk, before the first message is checked (until then each is read)
      await Promise.all([jtis.load(), agreementIds.load()])
      await outbox.init()
      await serve(ctx.libp2p, AGREEMENT_PROTOCOL, async (frame, conn) => await receive(ctx, outbox, frame, conn), () => undefined)
      await serve(ctx.libp2p, TERMS_PROTOCOL, async () => utf8(signMessage(ctx.identity, {
        kind: 'vrm.TermsAdvert', aud: ctx.did, thread: TERMS_THREAD, prev: null, seq: 1, body: agreements.advertisedTerms(), ttlSeconds: 3600, now: ctx.now()
      }).jwt), () => undefined)
    },
    async start () {
      await outbox.start()
      await sweep()
      sweeper = setInterval(() => { void sweep().catch(() => {}) }, EXPIRY_SWEEP_MS)
      sweeper.unref()
    },
    async stop () {
      clearInterval(sweeper)
      await outbox.stop()
      await ctx.libp2p.unhandle(AGREEMENT_PROTOCOL).catch(() => {})
      await ctx.libp2p.unhandle(TERMS_PROTOCOL).catch(() => {})
      await ctx.exclusive('*', async () => {})
    },
    propose: actions.propose,
    accept: actions.accept,
    counter: actions.counter,
    reject: actions.reject,
    terminate: actions.terminate,
    setProfile: actions.setProfile,
    async list () {
      return (await ctx.store.values<AgreementRecord>(ctx.store.agreements)).sort((a, b) => a.createdAt - b.createdAt)
    },
    async get (id) {
      const rec = await ctx.store.get<AgreementRecord>(ctx.store.agreements, id)
      if (rec === undefined) return undefined
      const queued = (await outbox.pending(rec.counterparty)).filter(i => i.thread === id)
      return { ...rec, outbox: queued.map(i => ({ messageId: i.messageId, kind: i.kind, attempts: i.attempts, ...(i.lastError !== undefined ? { lastError: i.lastError } : {}) })) }
    },
    async thread (id) {
      const rec = await ctx.store.get<AgreementRecord>(ctx.store.agreements, id)
      if (rec === undefined) throw new HearthError('NOT_FOUND', `no agreement ${id}`)
      const out: StoredMessage[] = []
      for (const m of rec.messages) {
        const msg = await ctx.store.get<StoredMessage>(ctx.store.messages, m)
        if (msg !== undefined) out.push(msg)
      }
      return out
    },
    async held (id) { return await ctx.store.get<HeldData>(ctx.store.held, id) },
    async profile () { return await ctx.store.get<Profile>(ctx.store.profile, 'current') ?? { version: 0, fields: {} } },
    advertisedTerms: () => ({ accepts: policy.accepts, autoAccept: policy.autoAccept }),
    async fetchTerms (did, options) {
      const r = await ctx.connect(did, options)
      const conn = ctx.libp2p.getConnections(peerIdFromString(r.peerId)).find(c => c.status === 'open')
      if (conn === undefined) throw new HearthError('UNREACHABLE', `lost the connection to ${did}`)
      const answer = fromUtf8(await request(conn, TERMS_PROTOCOL, utf8('terms'), options))
      const v = verifyMessage(answer, { kinds: ['vrm.TermsAdvert'], audience: did, now: ctx.now(), maxLifetimeSeconds: 3600 })
      if (v.payload.iss !== did) throw new HearthError('INVALID_MESSAGE', 'the terms advert is signed by another DID', { details: { wire: 'ISSUER_MISMATCH' } })
      const advert = v.payload.body as { accepts: string[], autoAccept: string[] }
      return { did, accepts: advert.accepts, autoAccept: advert.autoAccept }
    },
    sweep
  }
  return agreements
}
