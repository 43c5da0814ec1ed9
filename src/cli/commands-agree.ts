import { HearthError } from '../errors.ts'
import { resolveRepo } from '../repo/index.ts'
import { connectClient } from './client.ts'
import { print, table, dim } from './output.ts'

export interface AgreeOptions {
  repo?: string
  json?: boolean
  terms?: string
  share?: string
  purpose?: string[]
  for?: string
  also?: string
  reason?: string
  format?: string
}

const client = async (opts: AgreeOptions) => await connectClient(resolveRepo(opts.repo))
const list = (s: string | undefined): string[] => s === undefined || s === '' ? [] : s.split(',').map(x => x.trim()).filter(x => x !== '')

/** '30d', '12h', '90m', '45s', '2w' -> seconds */
export function parseDuration (text: string): number {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim())
  if (m === null) throw new HearthError('INVALID_ARGUMENT', `--for: ${JSON.stringify(text)} is not a duration such as 30d, 12h, 90m or 45s`)
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2] as 's']
}

interface Agreement { id: string, state: string, awaiting: string, role: string, counterparty: string, terms: { termId: string, share: string[], validUntil: string }, rejection?: { code: string }, deletionReceipt?: { fields: string[], completedAt: string }, held?: { fields: Record<string, string> }, outbox?: Array<{ kind: string, attempts: number, lastError?: string }> }

const describe = (a: Agreement): string => [
  `Agreement ${a.id}  (${a.role === 'proposer' ? 'you proposed' : 'proposed to you'})`,
  `  With      ${a.counterparty}`,
  `  Terms     ${a.terms.termId}; shares ${a.terms.share.length > 0 ? a.terms.share.join(', ') : 'nothing'}; until ${a.terms.validUntil}`,
  `  State     ${a.state}${a.awaiting === 'us' ? ' (waiting for YOUR decision: accept, counter or reject)' : a.awaiting === 'them' ? ' (waiting for them)' : ''}`,
  ...(a.rejection !== undefined ? [`  Rejected  ${a.rejection.code}`] : []),
  ...(a.deletionReceipt !== undefined ? [`  Deleted   ${a.deletionReceipt.fields.join(', ') || 'nothing held'} at ${a.deletionReceipt.completedAt} (signed receipt)`] : []),
  ...(a.held !== undefined ? [`  Held      ${Object.entries(a.held.fields).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
  ...((a.outbox ?? []).length > 0 ? [`  Queued    ${a.outbox!.map(o => `${o.kind.replace('vrm.', '')} (tries ${o.attempts}${o.lastError !== undefined ? `: ${o.lastError}` : ''})`).join('; ')}`] : [])
].join('\n')

export async function cmdPropose (did: string, opts: AgreeOptions): Promise<void> {
  if (opts.terms === undefined) throw new HearthError('INVALID_ARGUMENT', '--terms is required (a roster id such as SD-BASE; see: hearth agree terms)')
  const body = {
    to: did,
    termId: opts.terms,
    share: list(opts.share),
    purposes: opts.purpose ?? [],
    validForSeconds: parseDuration(opts.for ?? '30d'),
    ...(opts.also !== undefined ? { acceptable: list(opts.also) } : {})
  }
  const a = await (await client(opts)).post<Agreement>('/v1/agreements', body)
  print(opts, a, () => `${describe(a)}\n${dim('It is delivered now, or as soon as they are reachable. Follow it with: hearth agreements')}`)
}

export async function cmdAgreements (opts: AgreeOptions): Promise<void> {
  const { agreements } = await (await client(opts)).get<{ agreements: Agreement[] }>('/v1/agreements')
  print(opts, { agreements }, () => agreements.length === 0
    ? 'No agreements yet. Propose one: hearth agree propose <did> --terms SD-BASE --share email --for 30d'
    : table([['ID', 'STATE', 'TERMS', 'WITH', 'NEXT'], ...agreements.map(a => [a.id, a.state, a.terms.termId, a.counterparty, a.awaiting === 'us' ? 'you decide' : a.awaiting === 'them' ? 'them' : '-'])]))
}

export async function cmdShow (id: string, opts: AgreeOptions): Promise<void> {
  const a = await (await client(opts)).get<Agreement>(`/v1/agreements/${encodeURIComponent(id)}`)
  print(opts, a, () => describe(a))
}

export function cmdDecide (verb: 'accept' | 'reject' | 'terminate') {
  return async (id: string, opts: AgreeOptions): Promise<void> => {
    const a = await (await client(opts)).post<Agreement>(`/v1/agreements/${encodeURIComponent(id)}/${verb}`, opts.reason !== undefined ? { reason: opts.reason } : {})
    print(opts, a, () => describe(a))
  }
}

export async function cmdCounter (id: string, opts: AgreeOptions): Promise<void> {
  if (opts.terms === undefined) throw new HearthError('INVALID_ARGUMENT', '--terms is required: the roster id you offer instead')
  const body = { termId: opts.terms, ...(opts.share !== undefined ? { share: list(opts.share) } : {}), ...(opts.for !== undefined ? { validForSeconds: parseDuration(opts.for) } : {}) }
  const a = await (await client(opts)).post<Agreement>(`/v1/agreements/${encodeURIComponent(id)}/counter`, body)
  print(opts, a, () => describe(a))
}

export async function cmdExport (id: string, opts: AgreeOptions): Promise<void> {
  const c = await client(opts)
  const path = opts.format === 'jwt' ? 'thread' : 'record'
  if (opts.format !== undefined && opts.format !== 'jwt' && opts.format !== 'record') throw new HearthError('INVALID_ARGUMENT', '--format: record (ISO/IEC TS 27560 JSON) or jwt (the signed messages)')
  const out = await c.get<unknown>(`/v1/agreements/${encodeURIComponent(id)}/${path}`)
  process.stdout.write(JSON.stringify(out, null, 2) + '\n')
}

export async function cmdTerms (did: string | undefined, opts: AgreeOptions): Promise<void> {
  const c = await client(opts)
  if (did !== undefined) {
    const t = await c.get<{ did: string, accepts: string[], autoAccept: string[] }>(`/v1/terms/${encodeURIComponent(did)}`, { timeoutMs: 35_000 })
    print(opts, t, () => `${did} accepts: ${t.accepts.join(', ') || '(nothing advertised)'}\n  automatically: ${t.autoAccept.join(', ') || '-'}`)
    return
  }
  const t = await c.get<{ roster: Array<{ id: string, title: string }>, accepts: string[], autoAccept: string[] }>('/v1/terms')
  print(opts, t, () => [table([['TERM', 'TITLE', 'YOU ACCEPT'], ...t.roster.map(r => [r.id, r.title, t.autoAccept.includes(r.id) ? 'automatically' : t.accepts.includes(r.id) ? 'yes' : '-'])])].join('\n'))
}

export async function cmdProfile (opts: AgreeOptions): Promise<void> {
  const p = await (await client(opts)).get<{ version: number, fields: Record<string, string>, holders: Array<{ counterparty: string, termId: string, fields: string[], upToDate: boolean }> }>('/v1/profile')
  print(opts, p, () => [
    `Profile (version ${p.version})`,
    ...Object.entries(p.fields).map(([k, v]) => `  ${k.padEnd(14)} ${v}`),
    ...(p.holders.length > 0 ? ['Held by:', ...p.holders.map(h => `  ${h.counterparty}  ${h.fields.join(', ')} under ${h.termId}${h.upToDate ? '' : ' (update on its way)'}`)] : [])
  ].join('\n'))
}

export async function cmdProfileSet (field: string, value: string | undefined, opts: AgreeOptions): Promise<void> {
  const r = await (await client(opts)).post<{ version: number, pushes: Array<{ counterparty: string, fields: string[] }> }>('/v1/profile', { set: { [field]: value ?? null } })
  print(opts, r, () => [
    `${field} ${value === undefined ? 'removed' : 'set'} (profile version ${r.version}).`,
    r.pushes.length === 0 ? 'No active agreement covers it: nobody else gets it.' : `Sent to ${r.pushes.length} counterpart${r.pushes.length === 1 ? 'y' : 'ies'}:`,
    ...r.pushes.map(p => `  ${p.counterparty} (${p.fields.join(', ')})`)
  ].join('\n'))
}

export async function cmdLedgerVerify (opts: AgreeOptions): Promise<void> {
  const r = await (await client(opts)).get<{ ok: boolean, count?: number, problems?: Array<{ index: number, kind: string, detail: string }> }>('/v1/ledger/verify')
  print(opts, r, () => r.ok
    ? `Ledger OK: ${r.count ?? 0} entries, every hash recomputed.`
    : ['Ledger FAILED verification:', ...(r.problems ?? []).map(p => `  entry ${p.index}: ${p.kind}: ${p.detail}`)].join('\n'))
  if (!r.ok) process.exitCode = 1
}
