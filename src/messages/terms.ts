import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { HearthError } from '../errors.ts'
import type { AgreementTerms } from '../agreements/types.generated.ts'
import { invalidMessage } from './wire.ts'

/**
 * The IEEE 7012 terms roster (protocols/terms/README.md): each agreement id with its plain-
 * language text, pinned by the SHA-256 of that text as JLINC pins its agreementURI. Shipped
 * with the node, so no registry has to be reached at run time (vrm-protocols research 8.6).
 */
export const ROSTER_URL = new URL('../../protocols/terms/roster.json', import.meta.url)

export interface TermFlags {
  /** obligations (true: required) */
  serviceDelivery: boolean
  dataPortability: boolean
  identityVerification: boolean
  deletionAtEnd: boolean
  /** what the second party is permitted (true) or prohibited (false) */
  analytics: boolean
  tracking: boolean
  profiling: boolean
  shareAnonymisedThirdParty: boolean
}
const FLAG_NAMES: ReadonlyArray<keyof TermFlags> = [
  'serviceDelivery', 'analytics', 'tracking', 'profiling', 'shareAnonymisedThirdParty', 'dataPortability', 'identityVerification', 'deletionAtEnd'
]

export interface RosterTerm {
  id: string
  iri: string
  title: string
  text: string
  /** 'sha256:' + hex(sha256(UTF-8 text)) */
  hash: string
  flags: TermFlags
  dpv: { label: string, definition: string, broader: string[] }
}

let roster: readonly RosterTerm[] | undefined
let byId: ReadonlyMap<string, RosterTerm> | undefined

/** Date.parse rolls 2026-02-31 over to March 3rd; refuse days the month does not have. */
function realDate (rfc3339: string): boolean {
  const [y, m, d] = rfc3339.slice(0, 10).split('-').map(Number) as [number, number, number]
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate() && Number.isFinite(Date.parse(rfc3339))
}

const hashOf = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`
const corrupt = (why: string): HearthError => new HearthError('INTERNAL', `the terms roster ${ROSTER_URL.pathname} is damaged: ${why}`)

/** The roster in file order, read and checked once: a text that no longer matches its hash stops the node. */
export function loadRoster (): readonly RosterTerm[] {
  if (roster !== undefined) return roster
  let doc: { version?: unknown, terms?: unknown }
  try {
    doc = JSON.parse(readFileSync(ROSTER_URL, 'utf8')) as typeof doc
  } catch (err) {
    throw corrupt(`not readable JSON (${(err as Error).message})`)
  }
  if (doc.version !== 1 || !Array.isArray(doc.terms)) throw corrupt('expected { version: 1, terms: [...] }')
  const out = new Map<string, RosterTerm>()
  for (const t of doc.terms as RosterTerm[]) {
    if (typeof t?.id !== 'string' || !/^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(t.id) || out.has(t.id)) throw corrupt(`bad or repeated id ${JSON.stringify(t?.id)}`)
    if (typeof t.title !== 'string' || typeof t.text !== 'string' || t.text.length === 0) throw corrupt(`${t.id}: title and text must be strings`)
    if (t.hash !== hashOf(t.text)) throw corrupt(`${t.id}: hash is not the SHA-256 of its text`)
    if (typeof t.flags !== 'object' || t.flags === null || !FLAG_NAMES.every(f => typeof t.flags[f] === 'boolean')) throw corrupt(`${t.id}: flags must be ${FLAG_NAMES.join(', ')} (booleans)`)
    out.set(t.id, Object.freeze(t))
  }
  byId = out
  roster = Object.freeze([...out.values()])
  return roster
}

/** The roster entry of `id`, or undefined when the roster has no such agreement. */
export function lookupTerm (id: string): RosterTerm | undefined {
  if (byId === undefined) loadRoster()
  return byId!.get(id)
}

/**
 * Terms from a proposal or counter-offer, already schema-valid, against the roster: the id must
 * be known (IEEE 7012: offers are always for a roster agreement), the hash must pin the same
 * text, the parameters must not grant what the agreement prohibits, and the validity period
 * must be one. Returns the roster entry.
 */
export function checkTerms (terms: Pick<AgreementTerms, 'termId' | 'termHash' | 'recipients' | 'onwardSharing' | 'validFrom' | 'validUntil'>): RosterTerm {
  const term = lookupTerm(terms.termId)
  if (term === undefined) throw invalidMessage('UNKNOWN_TERM', `term ${JSON.stringify(String(terms.termId).slice(0, 40))} is not in the roster`, { field: 'terms.termId' })
  if (terms.termHash !== term.hash) throw invalidMessage('TERM_HASH_MISMATCH', `termHash is not the hash of ${term.id}'s text`, { field: 'terms.termHash' })
  // only the S3P agreements permit third parties anything, and then only anonymised data
  if (!term.flags.shareAnonymisedThirdParty && terms.recipients !== 'secondPartyOnly') {
    throw invalidMessage('TERMS_CONFLICT', `${term.id} prohibits sharing with third parties (recipients must be secondPartyOnly)`, { field: 'terms.recipients' })
  }
  if (!term.flags.shareAnonymisedThirdParty && terms.onwardSharing) {
    throw invalidMessage('TERMS_CONFLICT', `${term.id} prohibits onward sharing`, { field: 'terms.onwardSharing' })
  }
  // the schema checks the RFC 3339 shape; here, that the dates exist and are in order
  if (!realDate(terms.validFrom) || !realDate(terms.validUntil) || !(Date.parse(terms.validUntil) > Date.parse(terms.validFrom))) {
    throw invalidMessage('TERMS_CONFLICT', 'validUntil must be a real date after validFrom', { field: 'terms.validUntil' })
  }
  return term
}
