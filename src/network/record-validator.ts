import { invalidRecord } from '../errors.ts'
import { didFromKey, verifyDidRecord } from './did-record.ts'
import type { DidRecord } from './did-record.ts'

/** How many DIDs' newest sequence numbers a node remembers (bounded memory under a flood). */
export const MAX_SEEN_DIDS = 10_000

/**
 * kad-dht's PUT handler stores whatever passes the validator, without asking the selector
 * (research/libp2p-engineering.md s2b), so a replayed old record could overwrite a newer one.
 * This validator also remembers the newest seq it accepted per DID and refuses anything older.
 */
export interface RecordValidator {
  validate (key: Uint8Array, value: Uint8Array): Promise<void>
  /** tell the validator about a record learned another way (own record, contact) */
  saw (record: DidRecord): void
  newestSeq (did: string): number | undefined
}

export function createRecordValidator (): RecordValidator {
  const newest = new Map<string, number>()
  const saw = (record: DidRecord): void => {
    const prev = newest.get(record.did)
    if (prev !== undefined && prev >= record.seq) return
    newest.delete(record.did)
    newest.set(record.did, record.seq)
    if (newest.size > MAX_SEEN_DIDS) newest.delete(newest.keys().next().value!)
  }
  return {
    async validate (key, value) {
      const did = didFromKey(key)
      const record = verifyDidRecord(value, did)
      const prev = newest.get(did)
      if (prev !== undefined && record.seq < prev) throw invalidRecord(`stale: seq ${record.seq} is older than ${prev}, which this node has already seen`)
      saw(record)
    },
    saw,
    newestSeq: did => newest.get(did)
  }
}
