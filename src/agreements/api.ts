import { HearthError } from '../errors.ts'
import type { AgreementsApi } from '../api/backend.ts'
import type { Ledger } from '../ledger/index.ts'
import { loadRoster } from '../messages/index.ts'
import type { Agreements } from './engine.ts'

/** The admin API's view of agreements: the engine, plus the ledger and the roster. */
export function agreementsApi (agreements: Agreements, ledger: Ledger): AgreementsApi {
  return {
    list: async () => await agreements.list(),
    async get (id) {
      const view = await agreements.get(id)
      if (view === undefined) return undefined
      const held = await agreements.held(id)
      return { ...view, ...(held !== undefined ? { held: { profileVersion: held.profileVersion, fields: held.fields, updatedAt: held.updatedAt } } : {}) }
    },
    thread: async id => (await agreements.thread(id)).map(m => ({ id: m.id, kind: m.kind, direction: m.direction, at: m.at, jwt: m.jwt })),
    async record (id) {
      if ((await agreements.get(id)) === undefined) throw new HearthError('NOT_FOUND', `no agreement ${id}`)
      return await ledger.exportRecord(id)
    },
    propose: async o => await agreements.propose(o),
    accept: async id => await agreements.accept(id),
    counter: async (id, choice) => await agreements.counter(id, choice),
    reject: async (id, reason) => await agreements.reject(id, reason),
    terminate: async (id, reason) => await agreements.terminate(id, reason),
    async profile () {
      const profile = await agreements.profile()
      // who holds which field, under which agreement, and whether they have the latest version
      const holders = (await agreements.list())
        .filter(a => a.role === 'proposer' && a.state === 'active' && a.terms.share.length > 0)
        .map(a => ({ agreementId: a.id, counterparty: a.counterparty, termId: a.terms.termId, fields: a.terms.share, sentVersion: a.sentVersion ?? 0, ackedVersion: a.sharedVersion ?? 0, upToDate: (a.sharedVersion ?? 0) >= (a.sentVersion ?? 0) }))
      return { ...profile, holders }
    },
    setProfile: async changes => await agreements.setProfile(changes),
    verifyLedger: async () => await ledger.verify(),
    terms: () => ({ roster: loadRoster().map(t => ({ id: t.id, title: t.title, hash: t.hash, text: t.text })), ...agreements.advertisedTerms() }),
    remoteTerms: async (did, options) => await agreements.fetchTerms(did, options)
  }
}
