/**
 * What the bundle encrypts: a manifest, then three sections back to back.
 *
 *   manifest length   u32 big-endian, at most MAX_MANIFEST_BYTES
 *   manifest          UTF-8 JSON (BackupManifest)
 *   keystore          keystore/identity.json exactly as on disk (still sealed by the node passphrase)
 *   config            config.json exactly as on disk
 *   snapshot          every LevelDB entry (./snapshot.ts)
 *   files             other private repo files that exist (EXTRA_FILES), each in manifest order
 *
 * The manifest gives each section's length and SHA-256, so a reader checks all three before
 * it uses any. It runs only after the AEAD tag verified; a mismatch here means a buggy writer.
 */
import { createHash } from 'node:crypto'
import { utf8 } from '../identity/bytes.ts'
import { damagedBundle } from './bundle-file.ts'

export const MANIFEST_FORMAT = 'hearth-backup-manifest'
export const MANIFEST_VERSION = 1
const MAX_MANIFEST_BYTES = 64 * 1024
const SECTIONS = ['keystore', 'config', 'snapshot'] as const
type SectionName = typeof SECTIONS[number]
/**
 * Secrets beside the keystore that a moved node must keep: the CRM webhook's HMAC key (its CRM
 * would reject a new one). Restored 0600 by name; nothing else in a bundle becomes a file.
 */
export const EXTRA_FILES = ['webhook.key'] as const
export const MAX_EXTRA_FILE_BYTES = 64 * 1024

export interface SectionInfo { bytes: number, sha256: string }
export interface FileInfo extends SectionInfo { name: typeof EXTRA_FILES[number] }

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT
  version: number
  did: string
  /** the device's PeerId: a restore keeps it (the same node, moved) */
  peerId: string
  created: string
  /** the store's format version (src/store/layout.ts) when the snapshot was taken */
  storeFormat: number
  /** LevelDB entries in the snapshot, every sublevel included */
  entries: number
  keystore: SectionInfo
  config: SectionInfo
  snapshot: SectionInfo
  files: FileInfo[]
}

export type BundleSections = Record<SectionName, Uint8Array> & {
  files: Array<{ name: typeof EXTRA_FILES[number], bytes: Uint8Array }>
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** The plaintext as parts, in order: the sections are not copied into one buffer. */
export function encodePlaintext (m: Omit<BackupManifest, 'format' | 'version' | SectionName | 'files'>, sections: BundleSections): Uint8Array[] {
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    ...m,
    keystore: { bytes: sections.keystore.length, sha256: sha256(sections.keystore) },
    config: { bytes: sections.config.length, sha256: sha256(sections.config) },
    snapshot: { bytes: sections.snapshot.length, sha256: sha256(sections.snapshot) },
    files: sections.files.map(f => ({ name: f.name, bytes: f.bytes.length, sha256: sha256(f.bytes) }))
  }
  const json = utf8(JSON.stringify(manifest))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(json.length)
  return [length, json, sections.keystore, sections.config, sections.snapshot, ...sections.files.map(f => f.bytes)]
}

function section (value: unknown, name: string): SectionInfo {
  const v = value as Partial<SectionInfo> | null
  if (typeof v !== 'object' || v === null || typeof v.bytes !== 'number' || !Number.isSafeInteger(v.bytes) || v.bytes < 0 ||
    typeof v.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(v.sha256)) {
    throw damagedBundle(`manifest ${name} is not { bytes, sha256 }`)
  }
  return { bytes: v.bytes, sha256: v.sha256 }
}

function files (value: unknown): FileInfo[] {
  if (!Array.isArray(value) || value.length > EXTRA_FILES.length) throw damagedBundle('manifest files is not a short list')
  const seen = new Set<string>()
  return value.map((f, i) => {
    const name = (f as { name?: unknown } | null)?.name
    // a name from the list, never a path: a bundle must not be able to write anywhere else
    if (!(EXTRA_FILES as readonly unknown[]).includes(name) || seen.has(name as string)) throw damagedBundle(`manifest files[${i}] is not one of ${EXTRA_FILES.join(', ')}`)
    seen.add(name as string)
    const info = section(f, `files[${i}]`)
    if (info.bytes > MAX_EXTRA_FILE_BYTES) throw damagedBundle(`manifest files[${i}] is too large`)
    return { name: name as FileInfo['name'], ...info }
  })
}

export function decodePlaintext (plaintext: Uint8Array): { manifest: BackupManifest, sections: BundleSections } {
  const buf = Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.length)
  if (buf.length < 4) throw damagedBundle('no manifest')
  const length = buf.readUInt32BE(0)
  if (length > MAX_MANIFEST_BYTES || 4 + length > buf.length) throw damagedBundle('manifest length out of range')
  let m: Record<string, unknown>
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(4, 4 + length)))
  } catch {
    throw damagedBundle('the manifest is not UTF-8 JSON')
  }
  if (typeof m !== 'object' || m === null || m.format !== MANIFEST_FORMAT) throw damagedBundle(`the manifest has no "format": "${MANIFEST_FORMAT}"`)
  if (m.version !== MANIFEST_VERSION) throw damagedBundle(`manifest version ${JSON.stringify(m.version)} (this Hearth reads ${MANIFEST_VERSION})`)
  for (const key of ['did', 'peerId', 'created'] as const) {
    if (typeof m[key] !== 'string' || (m[key] as string).length > 200) throw damagedBundle(`manifest ${key} is not a string`)
  }
  for (const key of ['storeFormat', 'entries'] as const) {
    if (typeof m[key] !== 'number' || !Number.isSafeInteger(m[key]) || (m[key] as number) < 0) throw damagedBundle(`manifest ${key} is not a count`)
  }
  const manifest = {
    ...m,
    keystore: section(m.keystore, 'keystore'),
    config: section(m.config, 'config'),
    snapshot: section(m.snapshot, 'snapshot'),
    files: files(m.files)
  } as BackupManifest

  let offset = 4 + length
  const sections = {} as BundleSections
  for (const name of SECTIONS) {
    const { bytes, sha256: want } = manifest[name]
    if (offset + bytes > buf.length) throw damagedBundle(`the ${name} section is shorter than the manifest says`)
    const body = buf.subarray(offset, offset + bytes)
    if (sha256(body) !== want) throw damagedBundle(`the ${name} section does not match its SHA-256 in the manifest`)
    sections[name] = body
    offset += bytes
  }
  sections.files = []
  for (const f of manifest.files) {
    if (offset + f.bytes > buf.length) throw damagedBundle(`the file ${f.name} is shorter than the manifest says`)
    const body = buf.subarray(offset, offset + f.bytes)
    if (sha256(body) !== f.sha256) throw damagedBundle(`the file ${f.name} does not match its SHA-256 in the manifest`)
    sections.files.push({ name: f.name, bytes: body })
    offset += f.bytes
  }
  if (offset !== buf.length) throw damagedBundle(`${buf.length - offset} bytes after the last section`)
  return { manifest, sections }
}
