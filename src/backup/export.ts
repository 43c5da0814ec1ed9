/**
 * `hearth export`: the keystore (still sealed by the node passphrase), config.json and a
 * consistent snapshot of the whole store, in one bundle sealed by a passphrase.
 */
import { join, resolve } from 'node:path'
import { HearthError, notInitialised } from '../errors.ts'
import { exists, writeFileAtomic, writeNewPrivateFile } from '../fs/index.ts'
import { isErrno } from '../fs/private-files.ts'
import { DEFAULT_SCRYPT_LOG_N, MAX_KEYSTORE_BYTES } from '../identity/keystore-format.ts'
import { MAX_CONFIG_BYTES, parseConfig } from '../repo/config.ts'
import { repoPaths } from '../repo/paths.ts'
import { STORE_FORMAT_VERSION } from '../store/layout.ts'
import { sealBundle } from './bundle-file.ts'
import { EXTRA_FILES, MAX_EXTRA_FILE_BYTES, encodePlaintext, sha256 } from './bundle-plaintext.ts'
import type { BundleSections } from './bundle-plaintext.ts'
import { keystoreIdentity, readBounded, readPrivateFile } from './node-keys.ts'
import { snapshotDirectory, summarise } from './snapshot.ts'
import type { Progress, Snapshot } from './snapshot.ts'

export interface ExportInit {
  repo: string
  /** the node's passphrase: the export proves it opens the keystore, so the bundle will restore */
  passphrase: string
  /** seals the bundle; default: the node's passphrase */
  bundlePassphrase?: string
  /** the bundle file to write */
  out: string
  /** replace an existing file at `out` (default: refuse) */
  force?: boolean
  /** scrypt cost for the bundle, default 17 like the keystore; tests use 14 */
  scryptLogN?: number
  /**
   * The snapshot from a running daemon (it holds the LevelDB lock). Absent: the store is
   * opened directly, which fails with REPO_LOCKED while a node runs.
   */
  snapshot?: () => Promise<Snapshot>
  onProgress?: Progress
}

export interface ExportResult {
  file: string
  /** size of the bundle file */
  bytes: number
  /** LevelDB entries in the snapshot */
  entries: number
  /** SHA-256 of the bundle file, to check a copy */
  sha256: string
  did: string
  peerId: string
}

export async function exportBundle (init: ExportInit): Promise<ExportResult> {
  const paths = repoPaths(init.repo)
  const out = resolve(init.out)
  if (!(await exists(paths.keystore))) throw notInitialised(init.repo)
  // checked again, atomically, when the file is linked into place; this check saves the work
  if (init.force !== true && await exists(out)) throw bundleExists(out)

  const keystore = await readPrivateFile(paths.keystore, MAX_KEYSTORE_BYTES, 'keystore')
  const { did, peerId } = await keystoreIdentity(keystore, init.passphrase)
  const config = await readBounded(paths.config, MAX_CONFIG_BYTES, 'config file')
  try {
    parseConfig(JSON.parse(Buffer.from(config).toString('utf8')))
  } catch (err) {
    throw new HearthError('INVALID_CONFIG', `${paths.config} is not a valid config, so it would not restore: ${(err as Error).message}`, { cause: err })
  }

  const files: BundleSections['files'] = []
  for (const name of EXTRA_FILES) {
    const path = join(init.repo, name)
    if (await exists(path)) files.push({ name, bytes: await readPrivateFile(path, MAX_EXTRA_FILE_BYTES, name) })
  }

  const snapshot = init.snapshot !== undefined ? await init.snapshot() : await snapshotDirectory(paths.datastore, init.onProgress)
  const summary = summarise(snapshot.bytes)
  if (summary.entries !== snapshot.entries) throw new HearthError('INTERNAL', `the snapshot says ${snapshot.entries} entries but holds ${summary.entries}`)
  if (summary.entries > 0 && summary.storeFormat !== STORE_FORMAT_VERSION) {
    throw new HearthError('UNSUPPORTED_FORMAT', `the store has format ${JSON.stringify(summary.storeFormat)}; this Hearth exports format ${STORE_FORMAT_VERSION}`)
  }
  if (summary.storeDid !== undefined && summary.storeDid !== did) {
    throw new HearthError('INVALID_STATE', `the store belongs to ${String(summary.storeDid)}, the keystore to ${did}; nothing was written`)
  }

  const created = new Date().toISOString()
  const plaintext = encodePlaintext(
    { did, peerId, created, storeFormat: STORE_FORMAT_VERSION, entries: summary.entries },
    { keystore, config, snapshot: snapshot.bytes, files })
  const bundle = await sealBundle(plaintext, init.bundlePassphrase ?? init.passphrase, { logN: init.scryptLogN ?? DEFAULT_SCRYPT_LOG_N, did, created })
  if (init.force === true) {
    await writeFileAtomic(out, bundle, 0o600)
  } else {
    try {
      await writeNewPrivateFile(out, bundle)
    } catch (err) {
      if (err instanceof HearthError && err.code === 'REPO_EXISTS') throw bundleExists(out)
      if (isErrno(err, 'ENOENT')) throw new HearthError('NOT_FOUND', `cannot write ${out}: its directory does not exist`)
      throw err
    }
  }
  return { file: out, bytes: bundle.length, entries: summary.entries, sha256: sha256(bundle), did, peerId }
}

const bundleExists = (path: string): HearthError =>
  new HearthError('REPO_EXISTS', `${path} already exists; pass --force to replace it (nothing was written)`, { details: { path } })
