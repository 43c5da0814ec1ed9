import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { Level } from 'level'
import { onTestFinished } from 'vitest'
import { createLedger, entryHash, entryKey } from '../../src/ledger/index.ts'
import type { Ledger, LedgerAppend, LedgerEntry, LedgerInit } from '../../src/ledger/index.ts'
import { openStore } from '../../src/store/index.ts'
import type { BatchOp } from '../../src/store/index.ts'
import { tempDir } from '../fixtures/node.ts'

export type Db = Level<string, unknown>
export type Sub = BatchOp['sublevel']

/** The real Store, and its ledger sublevel: what the node itself uses. */
export interface LedgerDb {
  location: string
  ledgerSub: Sub
  messages: Sub
  batch: LedgerInit['batch']
  close: () => Promise<void>
}

export const sub = (db: Db, name: string): Sub => db.sublevel<string, unknown>(name, { valueEncoding: 'json' })

export async function openLedgerDb (location?: string): Promise<LedgerDb> {
  const loc = location ?? join(await tempDir('hearth-ledger-'), 'datastore')
  const store = await openStore({ location: loc })
  onTestFinished(async () => { await store.close().catch(() => {}) })
  return { location: loc, ledgerSub: store.ledger, messages: store.messages, batch: store.batch, close: store.close }
}

export async function openLedger (location?: string, init: Partial<LedgerInit> = {}): Promise<LedgerDb & { ledger: Ledger }> {
  const d = await openLedgerDb(location)
  return { ...d, ledger: await createLedger({ sublevel: d.ledgerSub, batch: d.batch, ...init }) }
}

/** Work on a closed ledger with the level package directly, as another tool (or an attacker) would. */
export async function tamper<T> (location: string, fn: (ledger: Sub, db: Db) => Promise<T>): Promise<T> {
  const db = new Level<string, unknown>(location, { valueEncoding: 'json' })
  await db.open()
  try { return await fn(sub(db, 'ledger'), db) } finally { await db.close() }
}

export const ALICE = 'did:key:z6MkkZP9HTxk5r5RBeMk7fyLu9NPmvqYLrtcKfxmVAoYgeEn'
export const BOB = 'did:key:z6MkrtT5XEHungvSMvz9ypw2PjPxgf5XJpEXjoLdkLZZZes2'

const b64url = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url')

/** A JWT-shaped message: the ledger checks no signature (the messages module did). */
export function fakeJwt (kind: string, payload: Record<string, unknown>): string {
  return `${b64url({ alg: 'EdDSA', typ: kind, kid: `${String(payload.iss)}#key` })}.${b64url({ jti: randomBytes(16).toString('base64url'), ...payload })}.${randomBytes(64).toString('base64url')}`
}

export function message (n: number, thread = 'thread-1', kind = 'vrm.AgreementProposal'): LedgerAppend {
  return { direction: n % 2 === 0 ? 'received' : 'sent', thread, kind, jwt: fakeJwt(kind, { iss: ALICE, aud: BOB, thread, seq: n, body: { agreementId: thread, n } }) }
}

export async function appendMany (ledger: Ledger, count: number, thread = 'thread-1'): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = []
  for (let n = 1; n <= count; n++) out.push(await ledger.append(message(n, thread)))
  return out
}

/** Re-seal an entry after changing it, as a careful forger would. */
export const rehash = (entry: Record<string, unknown>): Record<string, unknown> => ({ ...entry, hash: entryHash(entry) })

export { entryKey }
