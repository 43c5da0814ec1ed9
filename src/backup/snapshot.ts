/**
 * A consistent copy of the whole LevelDB: every sublevel (ours, libp2p's datastore, and any a
 * later version adds) as raw key and value bytes. One iterator reads from one implicit LevelDB
 * snapshot (google/leveldb doc/index.md, "Snapshots"), so writes racing the export land either
 * wholly in it or not at all, even on a running node.
 *
 * Section layout: for each entry in key order, u32 big-endian key length, key, u32 value
 * length, value.
 */
import { Level } from 'level'
import type { AbstractLevel } from 'abstract-level'
import { HearthError } from '../errors.ts'
import { exists } from '../fs/index.ts'
import { MAX_BUNDLE_BYTES, damagedBundle } from './bundle-file.ts'

/** Keys of this store are short (a DID, an id); anything longer is not ours. */
const MAX_KEY_BYTES = 64 * 1024
const READ_BATCH = 1000
const CHUNK_BYTES = 1024 * 1024

type RawDb = AbstractLevel<any, any, any>
export interface Snapshot { bytes: Uint8Array, entries: number }
export type Progress = (p: { entries: number, bytes: number }) => void

export async function snapshotDb (db: RawDb, onProgress?: Progress): Promise<Snapshot> {
  // entries are copied into 1 MiB chunks: a small Buffer per field would cost more than the data
  const chunks: Buffer[] = []
  let chunk = Buffer.allocUnsafe(0)
  let used = 0
  let bytes = 0
  let entries = 0
  let reported = 0
  const it = db.iterator({ keyEncoding: 'view', valueEncoding: 'view' })
  try {
    for (;;) {
      const batch = await it.nextv(READ_BATCH) as Array<[Uint8Array, Uint8Array]>
      if (batch.length === 0) break
      for (const [key, value] of batch) {
        const size = 8 + key.length + value.length
        if (used + size > chunk.length) {
          if (used > 0) chunks.push(chunk.subarray(0, used))
          chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, size))
          used = 0
        }
        chunk.writeUInt32BE(key.length, used)
        chunk.set(key, used + 4)
        chunk.writeUInt32BE(value.length, used + 4 + key.length)
        chunk.set(value, used + 8 + key.length)
        used += size
        bytes += size
        entries++
      }
      // the restore side reads it all into memory, so the export stops where a restore would
      if (bytes > MAX_BUNDLE_BYTES) {
        throw new HearthError('INVALID_STATE', `the store is larger than the ${MAX_BUNDLE_BYTES}-byte limit of a backup bundle; nothing was written`)
      }
      if (onProgress !== undefined && bytes - reported >= 8 * 1024 * 1024) {
        reported = bytes
        onProgress({ entries, bytes })
      }
    }
  } finally {
    await it.close()
  }
  if (used > 0) chunks.push(chunk.subarray(0, used))
  return { bytes: Buffer.concat(chunks, bytes), entries }
}

/** The store of a node that is not running. A missing store (a node never started) is an empty snapshot. */
export async function snapshotDirectory (location: string, onProgress?: Progress): Promise<Snapshot> {
  if (!(await exists(location))) return { bytes: new Uint8Array(0), entries: 0 }
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false })
  try {
    await db.open()
  } catch (err: any) {
    if (err?.cause?.code === 'LEVEL_LOCKED') {
      throw new HearthError('REPO_LOCKED', `the store at ${location} is open in another process (a node starting or running?); try again, or export through the running daemon`, { cause: err })
    }
    throw new HearthError('INTERNAL', `cannot open the store at ${location}: ${String(err?.cause?.message ?? err?.message ?? err)}`, { cause: err })
  }
  try {
    return await snapshotDb(db, onProgress)
  } finally {
    await db.close()
  }
}

/** Each entry of a snapshot section; refuses a section whose framing does not add up. */
export function * snapshotEntries (section: Uint8Array): Generator<[Uint8Array, Uint8Array]> {
  const buf = Buffer.from(section.buffer, section.byteOffset, section.length)
  let offset = 0
  while (offset < buf.length) {
    if (offset + 4 > buf.length) throw damagedBundle('snapshot entry cut short')
    const keyLength = buf.readUInt32BE(offset)
    if (keyLength === 0 || keyLength > MAX_KEY_BYTES || offset + 8 + keyLength > buf.length) throw damagedBundle('snapshot key length out of range')
    const key = buf.subarray(offset + 4, offset + 4 + keyLength)
    const valueLength = buf.readUInt32BE(offset + 4 + keyLength)
    const start = offset + 8 + keyLength
    if (start + valueLength > buf.length) throw damagedBundle('snapshot value length out of range')
    yield [key, buf.subarray(start, start + valueLength)]
    offset = start + valueLength
  }
}

/** Sublevel of a raw key: abstract-level writes `!<name>!<key>`. */
export function sublevelOf (key: Uint8Array): string | undefined {
  if (key[0] !== 0x21) return undefined
  const end = key.indexOf(0x21, 1)
  return end < 0 ? undefined : Buffer.from(key.subarray(1, end)).toString('utf8')
}

export interface SnapshotSummary {
  entries: number
  /** entries per sublevel ('libp2p' is libp2p's peer store and DHT records) */
  sublevels: Record<string, number>
  /** meta!format and meta!did, JSON-decoded */
  storeFormat?: unknown
  storeDid?: unknown
}

export function summarise (section: Uint8Array): SnapshotSummary {
  const sublevels: Record<string, number> = {}
  let entries = 0
  const meta: Record<string, unknown> = {}
  let previous: Buffer | undefined
  for (const [key, value] of snapshotEntries(section)) {
    const k = Buffer.from(key)
    // LevelDB keys are unique and sorted; a copy that is not would not restore to the same store
    if (previous !== undefined && Buffer.compare(previous, k) >= 0) throw damagedBundle('snapshot keys are not in strictly increasing order')
    previous = k
    entries++
    const name = sublevelOf(key) ?? '(root)'
    sublevels[name] = (sublevels[name] ?? 0) + 1
    if (name === 'meta') {
      const local = k.subarray('!meta!'.length).toString('utf8')
      if (local === 'format' || local === 'did') {
        try { meta[local] = JSON.parse(Buffer.from(value).toString('utf8')) } catch { throw damagedBundle(`snapshot meta!${local} is not JSON`) }
      }
    }
  }
  return { entries, sublevels, storeFormat: meta.format, storeDid: meta.did }
}
