import { HearthError } from '../errors.ts'
import { publicKeyFromDidKey } from '../identity/index.ts'
import { checkTerms, lookupTerm, newRandomId } from '../messages/index.ts'
import type { Kind } from '../messages/index.ts'
import { applyMessage } from './state-machine.ts'
import { commit, ledgerOps, loadAgreement, newThread, putAgreement, signNext } from './context.ts'
import type { Ctx } from './context.ts'
import type { AgreementRecord, Profile, Terms } from './model.ts'
import { PROFILE_FIELDS } from './model.ts'
import { queueMessage } from './reactions.ts'
import type { Outbox } from './outbox.ts'

export interface ProposeOptions {
  to: string
  termId: string
  share: string[]
  purposes: string[]
  /** how long the agreement lasts once made */
  validForMs: number
  acceptable?: string[]
}

export interface TermChoice { termId: string, share?: string[], purposes?: string[], validForMs?: number }

/** Build terms from the roster: the hash pins the exact text both sides agree to. */
export function makeTerms (ctx: Ctx, choice: TermChoice & { share: string[], purposes: string[], validForMs: number }): Terms {
  const term = lookupTerm(choice.termId)
  if (term === undefined) throw new HearthError('INVALID_ARGUMENT', `terms: ${JSON.stringify(choice.termId)} is not in the roster (see: hearth agree terms)`)
  for (const f of choice.share) {
    if (!(PROFILE_FIELDS as readonly string[]).includes(f)) throw new HearthError('INVALID_ARGUMENT', `share: ${JSON.stringify(f)} is not a profile field (${PROFILE_FIELDS.join(', ')})`)
  }
  if (!Number.isSafeInteger(choice.validForMs) || choice.validForMs < 1000) throw new HearthError('INVALID_ARGUMENT', 'the agreement must last at least one second')
  const now = ctx.now()
  const terms: Terms = {
    termId: term.id,
    termHash: term.hash,
    purposes: choice.purposes.length > 0 ? choice.purposes : ['dpv:ServiceProvision'],
    share: [...new Set(choice.share)] as Terms['share'],
    recipients: 'secondPartyOnly',
    onwardSharing: false,
    retention: { until: 'agreementEnd' },
    onTermination: { action: 'delete', within: 'PT24H', receiptRequired: true },
    validFrom: new Date(now).toISOString(),
    validUntil: new Date(now + choice.validForMs).toISOString()
  }
  checkTerms(terms)
  return terms
}

/** Local decisions go through the same state machine, projected over what is still unacknowledged. */
async function act (ctx: Ctx, outbox: Outbox, id: string, kind: Kind, body: (rec: AgreementRecord) => unknown): Promise<AgreementRecord> {
  return await ctx.exclusive(id, async () => {
    const rec = await loadAgreement(ctx, id)
    if (rec === undefined) throw new HearthError('NOT_FOUND', `no agreement ${id}`)
    const b = body(rec)
    applyMessage(rec, { kind, id: 'projected', body: b, from: 'us', at: ctx.now() })
    if (rec.pending.length > 0 && kind !== 'vrm.AgreementEvent') {
      throw new HearthError('INVALID_STATE', `waiting for ${rec.counterparty} to acknowledge our last message first`)
    }
    const r = queueMessage(ctx, outbox, rec, kind, b)
    await commit(ctx, [...r.ops, putAgreement(ctx, r.rec)])
    ctx.kick()
    return r.rec
  })
}

export function createActions (ctx: Ctx, outbox: Outbox) {
  return {
    async propose (o: ProposeOptions): Promise<AgreementRecord> {
      publicKeyFromDidKey(o.to)
      if (o.to === ctx.did) throw new HearthError('INVALID_ARGUMENT', 'to: that is your own DID')
      const terms = makeTerms(ctx, { termId: o.termId, share: o.share, purposes: o.purposes, validForMs: o.validForMs })
      const agreementId = newRandomId()
      return await ctx.exclusive(agreementId, async () => {
        const body = { agreementId, terms, ...(o.acceptable !== undefined && o.acceptable.length > 0 ? { acceptable: o.acceptable } : {}) }
        const { jwt, id, seq } = signNext(ctx, { id: agreementId, seq: 0, lastId: null }, 'vrm.AgreementProposal', o.to, body)
        const at = ctx.now()
        const rec = { ...applyMessage(undefined, { kind: 'vrm.AgreementProposal', id, body, from: 'us', at }, { self: ctx.did, counterparty: o.to }), seq, lastId: id, pending: [{ id, kind: 'vrm.AgreementProposal' }] }
        const stored = { id, jwt, thread: agreementId, kind: 'vrm.AgreementProposal', direction: 'sent' as const, at }
        await commit(ctx, [
          { type: 'put', sublevel: ctx.store.messages, key: id, value: stored },
          ...ledgerOps(ctx, stored),
          outbox.enqueue({ did: o.to, messageId: id, jwt, thread: agreementId, kind: stored.kind }),
          putAgreement(ctx, rec)
        ])
        newThread(ctx, agreementId, o.to)
        ctx.emit('agreement:state', { agreementId, state: rec.state, awaiting: rec.awaiting })
        ctx.kick()
        return rec
      })
    },
    async accept (id: string) {
      return await act(ctx, outbox, id, 'vrm.AgreementAcceptance', rec => ({
        agreementId: rec.id, acceptedId: rec.counterOfferId ?? rec.proposalId, termId: rec.terms.termId, termHash: rec.terms.termHash
      }))
    },
    async counter (id: string, choice: TermChoice) {
      // outside the agreement's lock: from the store, not the cache (act() reads it again under the lock)
      const rec = await ctx.store.get<AgreementRecord>(ctx.store.agreements, id)
      if (rec === undefined) throw new HearthError('NOT_FOUND', `no agreement ${id}`)
      const left = Date.parse(rec.terms.validUntil) - Date.parse(rec.terms.validFrom)
      const terms = makeTerms(ctx, { termId: choice.termId, share: choice.share ?? rec.terms.share, purposes: choice.purposes ?? rec.terms.purposes, validForMs: choice.validForMs ?? left })
      return await act(ctx, outbox, id, 'vrm.AgreementCounterOffer', r => ({ agreementId: r.id, proposalId: r.proposalId, terms }))
    },
    async reject (id: string, reason?: string) {
      return await act(ctx, outbox, id, 'vrm.AgreementRejection', rec => ({
        agreementId: rec.id, rejectedId: rec.counterOfferId ?? rec.proposalId, code: 'refused', ...(reason !== undefined ? { reason } : {})
      }))
    },
    async terminate (id: string, reason?: string) {
      return await act(ctx, outbox, id, 'vrm.AgreementTermination', rec => ({
        agreementId: rec.id, effectiveAt: new Date(ctx.now()).toISOString(), ...(reason !== undefined ? { reason } : {})
      }))
    },
    /** One move, every company: the change goes to each active agreement that covers a changed field. */
    async setProfile (changes: Record<string, string | null>): Promise<{ version: number, pushes: Array<{ agreementId: string, counterparty: string, fields: string[] }> }> {
      for (const k of Object.keys(changes)) {
        if (!(PROFILE_FIELDS as readonly string[]).includes(k)) throw new HearthError('INVALID_ARGUMENT', `${JSON.stringify(k)} is not a profile field (${PROFILE_FIELDS.join(', ')})`)
        const v = changes[k]
        if (v !== null && (typeof v !== 'string' || v.length > 1000)) throw new HearthError('INVALID_ARGUMENT', `${k}: a text of at most 1000 characters, or null to remove it`)
      }
      return await ctx.exclusive('*', async () => {
        const old = await ctx.cache.get<Profile>(ctx.store.profile, 'current') ?? { version: 0, fields: {} }
        const fields: Record<string, string> = { ...old.fields }
        for (const [k, v] of Object.entries(changes)) { if (v === null) delete fields[k]; else fields[k] = v }
        const profile: Profile = { version: old.version + 1, fields }
        const ops = [{ type: 'put' as const, sublevel: ctx.store.profile, key: 'current', value: profile }]
        const pushes: Array<{ agreementId: string, counterparty: string, fields: string[] }> = []
        for (const rec of await ctx.store.values<AgreementRecord>(ctx.store.agreements)) {
          if (rec.state !== 'active' || rec.role !== 'proposer') continue
          // her termination is out (the state moves only on its Ack): no more data under it
          if (rec.pending.some(p => p.kind === 'vrm.AgreementTermination')) continue
          const delta: Record<string, string | null> = {}
          for (const k of Object.keys(changes)) if ((rec.terms.share as string[]).includes(k)) delta[k] = changes[k] ?? null
          if (Object.keys(delta).length === 0) continue
          const r = queueMessage(ctx, outbox, rec, 'vrm.AgreementEvent', { agreementId: rec.id, eventType: 'dataShared', profileVersion: profile.version, changes: delta })
          ops.push(...r.ops as any[], putAgreement(ctx, { ...r.rec, sentVersion: profile.version }) as any)
          pushes.push({ agreementId: rec.id, counterparty: rec.counterparty, fields: Object.keys(delta) })
        }
        await commit(ctx, ops)
        ctx.emit('profile:update', { version: profile.version, pushes: pushes.length })
        ctx.kick()
        return { version: profile.version, pushes }
      })
    }
  }
}
