import { GENESIS_HASH, HEAD_KEY, decodeJwtPayload, entryHash, isEntryKey, isHead, malformed } from './entry.ts'
import type { LedgerHead } from './entry.ts'

export type LedgerProblemKind = 'edited' | 'removed' | 'reordered' | 'inserted' | 'head-mismatch'

export interface LedgerProblem {
  /** the entry index (chain position) concerned; 0 for a key that is no entry at all */
  index: number
  kind: LedgerProblemKind
  /** one sentence for a person */
  detail: string
}

export type VerifyResult =
  | { ok: true, count: number, head: LedgerHead }
  /** problems in chain order: problems[0] names the first bad entry */
  | { ok: false, count: number, problems: LedgerProblem[] }

/** What verify keeps of each stored entry: a few hashes, never the JWT. */
interface Rec {
  position: number
  /** why the value is not a well-formed entry */
  why?: string
  index?: number
  hash?: string
  prevHash?: string
  /** its hash matches its content */
  selfOk: boolean
  /** well-formed and hashed right, but its jwt and messageId disagree */
  contentProblem?: string
  /** on the chain that runs back from the head */
  genuine: boolean
  /** already reported as edited */
  explained: boolean
}

interface Want {
  index: number
  hash?: string
  /** the link comes from an entry on the chain (not from one reported as edited) */
  trusted: boolean
  by: string
}

const KIND_ORDER: LedgerProblemKind[] = ['inserted', 'removed', 'edited', 'reordered', 'head-mismatch']

/**
 * Recomputes the chain from stored (key, raw JSON text) pairs in key order. The chain is
 * anchored at the head record and followed back through prevHash links, so an entry is judged
 * by what its successor (or the head) recorded about it, not by where it sits.
 */
export async function verifyRecords (records: AsyncIterable<[string, string]>, options: { messageIdOf: (jwt: string) => string, signal?: AbortSignal }): Promise<VerifyResult> {
  const positions = new Map<number, Rec>()
  const byHash = new Map<string, Rec>()
  const byIndex = new Map<number, Rec[]>()
  const junk: string[] = []
  let headText: string | undefined
  let n = 0
  for await (const [key, text] of records) {
    if ((++n & 1023) === 0) options.signal?.throwIfAborted()
    if (key === HEAD_KEY) { headText = text; continue }
    if (!isEntryKey(key)) { junk.push(key); continue }
    const rec = inspect(Number(key), text, options.messageIdOf)
    positions.set(rec.position, rec)
    if (rec.selfOk) {
      byHash.set(rec.hash!, rec)
      const list = byIndex.get(rec.index!) ?? []
      list.push(rec)
      byIndex.set(rec.index!, list)
    }
  }
  options.signal?.throwIfAborted()

  const problems: Array<LedgerProblem & { offset?: number }> = []
  const add = (index: number, kind: LedgerProblemKind, detail: string, offset?: number): void => {
    problems.push(offset === undefined ? { index, kind, detail } : { index, kind, detail, offset })
  }
  const sorted = [...positions.keys()].sort((a, b) => a - b)
  const maxPos = sorted.at(-1) ?? 0
  // every index something claims to be, to skip quickly over a long run of missing entries
  const landmarks = [...new Set([...sorted, ...byIndex.keys()])].sort((a, b) => a - b)

  /** the highest index below k where an entry could still be found */
  const usableBelow = (k: number): number => {
    let lo = 0
    let hi = landmarks.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (landmarks[mid]! < k) lo = mid + 1
      else hi = mid
    }
    for (let i = lo - 1; i >= 0; i--) {
      const x = landmarks[i]!
      const at = positions.get(x)
      if ((at !== undefined && !at.genuine) || (byIndex.get(x)?.some(r => !r.genuine) ?? false)) return x
    }
    return 0
  }

  let head: LedgerHead | undefined
  let want: Want | undefined
  const headValue = headText === undefined ? undefined : parse(headText)
  if (headText === undefined || !isHead(headValue)) {
    if (positions.size > 0 || headText !== undefined) {
      add(maxPos, 'head-mismatch', headText === undefined
        ? 'the head record is missing, so the end of the ledger cannot be checked (were the last entries removed?)'
        : 'the head record is not { index, hash }, so the end of the ledger cannot be checked')
    }
    if (maxPos > 0) want = { index: maxPos, trusted: false, by: 'the last stored entry' }
  } else {
    head = { index: headValue.index, hash: headValue.hash }
    const named = byHash.get(head.hash)
    if (head.index === 0) {
      if (head.hash !== GENESIS_HASH) add(0, 'head-mismatch', 'the head says the ledger is empty but does not hold the genesis hash')
    } else if (named !== undefined && named.index !== head.index) {
      add(head.index, 'head-mismatch', `the head says the last entry is ${head.index}, but its hash is that of entry ${named.index}`)
      want = { index: named.index!, hash: head.hash, trusted: true, by: 'the head' }
    } else {
      want = { index: head.index, hash: head.hash, trusted: true, by: 'the head' }
    }
  }

  while (want !== undefined && want.index >= 1) {
    const k = want.index
    const here = positions.get(k)
    const usable = (r: Rec | undefined): r is Rec => r !== undefined && r.selfOk && r.index === k && !r.genuine
    let rec: Rec | undefined
    if (want.hash !== undefined) {
      // the copy in its own place first: a duplicate elsewhere is the inserted one
      if (usable(here) && here.hash === want.hash) rec = here
      else if (usable(byHash.get(want.hash))) rec = byHash.get(want.hash)
    }
    if (rec === undefined && (want.hash === undefined || !want.trusted)) {
      rec = usable(here) ? here : byIndex.get(k)?.find(r => !r.genuine)
    }
    if (rec !== undefined) {
      rec.genuine = true
      if (rec.position !== k) {
        const occupant = positions.get(k)
        const holds = occupant === undefined ? `position ${k} is empty` : `position ${k} holds ${occupant.index === undefined ? 'something else' : `entry ${occupant.index}`}`
        add(k, 'reordered', `entry ${k} is stored at position ${rec.position}, and ${holds} (entries were swapped or moved)`, rec.position - k)
      }
      if (rec.contentProblem !== undefined) add(k, 'edited', `entry ${k} ${rec.contentProblem}`)
      want = { index: k - 1, hash: rec.prevHash!, trusted: true, by: `entry ${k}` }
      continue
    }
    const at = here
    if (at === undefined || at.genuine) {
      // entries (j, k] are gone: report the run once, at its first index
      const j = usableBelow(k)
      const first = j + 1
      const link = want.hash !== undefined && want.trusted ? ` (${want.by} links to entry ${k})` : ''
      add(first, 'removed', first === k ? `entry ${k} is missing${link}` : `entries ${first} to ${k} are missing${link}`)
      want = { index: j, trusted: false, by: `entry ${first}` }
      continue
    }
    at.explained = true
    let detail: string
    if (at.why !== undefined) detail = `entry ${k} is not a well-formed entry: ${at.why}`
    else if (!at.selfOk) detail = `entry ${k} was changed: its content no longer matches its hash`
    else if (at.index !== k) detail = `position ${k} holds an entry that claims index ${at.index} and is not the one ${want.by} links to`
    else detail = `entry ${k} was changed and its hash recomputed: ${want.by} still links to the original`
    add(k, 'edited', detail)
    want = { index: k - 1, ...(at.selfOk && at.index === k ? { hash: at.prevHash! } : {}), trusted: false, by: `entry ${k}` }
  }
  if (want !== undefined && want.index === 0 && want.trusted && want.hash !== GENESIS_HASH) {
    add(1, 'edited', 'entry 1 does not start from the genesis hash (the ledger was rewritten from its start)')
  }

  for (const rec of positions.values()) {
    if (rec.genuine || rec.explained) continue
    add(rec.position, 'inserted', head !== undefined && rec.position > head.index
      ? `position ${rec.position} is beyond the head (entry ${head.index}): it was not appended through the ledger`
      : `position ${rec.position} holds an entry that no other entry links to`)
  }
  for (const key of junk) add(0, 'inserted', `the key ${JSON.stringify(key.slice(0, 40))} is not a ledger key`)

  if (problems.length === 0) return { ok: true, count: positions.size, head: head ?? { index: 0, hash: GENESIS_HASH } }
  problems.sort((a, b) => a.index - b.index || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind))
  return { ok: false, count: positions.size, problems: collapseShifts(problems) }
}

function inspect (position: number, text: string, messageIdOf: (jwt: string) => string): Rec {
  const value = parse(text)
  const rec: Rec = { position, selfOk: false, genuine: false, explained: false }
  const why = value === undefined ? 'its value is not JSON' : malformed(value)
  if (why !== undefined) { rec.why = why; return rec }
  const e = value as Record<string, unknown> & { index: number, hash: string, prevHash: string, jwt: string, messageId: string }
  rec.index = e.index
  rec.hash = e.hash
  rec.prevHash = e.prevHash
  rec.selfOk = entryHash(e) === e.hash
  if (!rec.selfOk) return rec
  if (e.jwt === null) return rec // redacted: data deleted under its agreement (entry.ts REDACTABLE)
  if (decodeJwtPayload(e.jwt) === undefined) {
    rec.contentProblem = 'holds a jwt that cannot be decoded'
  } else {
    let id: string | undefined
    try { id = messageIdOf(e.jwt) } catch {}
    if (id !== e.messageId) rec.contentProblem = `has messageId ${e.messageId.slice(0, 80)}, which is not the id of its jwt (${id ?? 'none'})`
  }
  return rec
}

function parse (text: string): unknown {
  try { return JSON.parse(text) } catch { return undefined }
}

/** Runs of entries all shifted by the same offset (an insertion or removal that renumbered keys) read as one problem. */
function collapseShifts (problems: Array<LedgerProblem & { offset?: number }>): LedgerProblem[] {
  const out: LedgerProblem[] = []
  for (let i = 0; i < problems.length; i++) {
    const p = problems[i]!
    let j = i
    if (p.kind === 'reordered') {
      while (j + 1 < problems.length) {
        const q = problems[j + 1]!
        if (q.kind !== 'reordered' || q.offset !== p.offset || q.index !== problems[j]!.index + 1) break
        j++
      }
    }
    if (j - i >= 2) {
      const last = problems[j]!.index
      const d = p.offset!
      out.push({ index: p.index, kind: 'reordered', detail: `entries ${p.index} to ${last} are each stored ${Math.abs(d)} position${Math.abs(d) === 1 ? '' : 's'} ${d > 0 ? 'later' : 'earlier'} than their index (an entry was inserted or removed and the rest renumbered)` })
      i = j
    } else {
      out.push({ index: p.index, kind: p.kind, detail: p.detail })
    }
  }
  return out
}
