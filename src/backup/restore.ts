/**
 * `hearth restore --bundle`: the same node, moved to a new data directory. Every check runs
 * before the first write; the repo is then built in a temp directory beside the target and
 * renamed into place, so a failure at any point leaves the target as it was.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { Level } from 'level'
import { HearthError } from '../errors.ts'
import { ensurePrivateDirectory, fsyncDirectory, writeNewPrivateFile } from '../fs/index.ts'
import { isErrno } from '../fs/private-files.ts'
import { parseConfig } from '../repo/config.ts'
import type { HearthConfig } from '../repo/config.ts'
import { repoPaths } from '../repo/paths.ts'
import { openStore } from '../store/store.ts'
import { STORE_FORMAT_VERSION } from '../store/layout.ts'
import { MAX_BUNDLE_BYTES, damagedBundle, openBundleFile } from './bundle-file.ts'
import { decodePlaintext } from './bundle-plaintext.ts'
import type { BundleSections } from './bundle-plaintext.ts'
import { keystoreIdentity, readBounded } from './node-keys.ts'
import { snapshotEntries, summarise } from './snapshot.ts'

const WRITE_BATCH = 1000

export interface RestoreInit {
  /** the bundle file */
  bundle: string
  /** the new data directory: absent or empty */
  repo: string
  /** the node's passphrase: the keystore inside must open with it */
  passphrase: string
  /** the bundle's passphrase, when it differs from the node's */
  bundlePassphrase?: string
  /** check everything, write nothing */
  dryRun?: boolean
  /** adjust the restored config (CLI network flags: a new port on the same machine) */
  configure?: (config: HearthConfig) => HearthConfig
}

export interface RestoreResult {
  repo: string
  dryRun: boolean
  did: string
  peerId: string
  /** when the bundle was made */
  created: string
  entries: number
  agreements: number
  contacts: number
  /** entries per LevelDB sublevel */
  sublevels: Record<string, number>
  /** other private files restored beside the keystore (webhook.key) */
  files: string[]
}

export async function restoreBundle (init: RestoreInit): Promise<RestoreResult> {
  const target = resolve(init.repo)
  await assertNewTarget(target)
  const bundlePath = resolve(init.bundle)
  const size = await stat(bundlePath).then(s => s.size, () => 0)
  if (size > MAX_BUNDLE_BYTES) throw damagedBundle(`larger than ${MAX_BUNDLE_BYTES} bytes`)
  const file = await readBounded(bundlePath, MAX_BUNDLE_BYTES, 'bundle')
  const { header, plaintext } = await openBundleFile(file, init.bundlePassphrase ?? init.passphrase)
  const { manifest, sections } = decodePlaintext(plaintext)
  if (manifest.did !== header.did) throw damagedBundle('the manifest and the header name different DIDs')

  if (manifest.storeFormat !== STORE_FORMAT_VERSION) {
    throw new HearthError('UNSUPPORTED_FORMAT', `the bundle holds a store of format ${manifest.storeFormat}; this Hearth reads format ${STORE_FORMAT_VERSION}; nothing was written`)
  }
  const summary = summarise(sections.snapshot)
  if (summary.entries !== manifest.entries) throw damagedBundle(`the snapshot holds ${summary.entries} entries, the manifest says ${manifest.entries}`)
  if (summary.entries > 0 && summary.storeFormat !== manifest.storeFormat) throw damagedBundle('the snapshot\'s store format differs from the manifest\'s')
  if (summary.storeDid !== undefined && summary.storeDid !== manifest.did) throw damagedBundle('the snapshot belongs to another DID')

  let identity
  try {
    identity = await keystoreIdentity(sections.keystore, init.passphrase)
  } catch (err) {
    if (err instanceof HearthError && err.code === 'WRONG_PASSPHRASE') {
      throw new HearthError('WRONG_PASSPHRASE', 'the keystore in the bundle does not open with this node passphrase (give it with --passphrase-file or HEARTH_PASSPHRASE; the bundle\'s own with --bundle-passphrase-file); nothing was written')
    }
    throw err
  }
  if (identity.did !== manifest.did) throw damagedBundle(`the keystore holds ${identity.did}, the manifest names ${manifest.did}`)
  if (identity.peerId !== manifest.peerId) throw damagedBundle('the keystore\'s device key is not the manifest\'s PeerId')

  let config: HearthConfig
  try {
    config = parseConfig(JSON.parse(Buffer.from(sections.config).toString('utf8')))
  } catch (err) {
    throw new HearthError('INVALID_CONFIG', `the config in the bundle is not valid here: ${(err as Error).message}; nothing was written`, { cause: err })
  }
  if (init.configure !== undefined) config = parseConfig(init.configure(config))

  const result: RestoreResult = {
    repo: target,
    dryRun: init.dryRun === true,
    did: manifest.did,
    peerId: manifest.peerId,
    created: manifest.created,
    entries: summary.entries,
    agreements: summary.sublevels.agreements ?? 0,
    contacts: summary.sublevels.contacts ?? 0,
    sublevels: summary.sublevels,
    files: sections.files.map(f => f.name)
  }
  if (init.dryRun === true) return result
  await writeRepo(target, sections, config, manifest.did)
  return result
}

/** A new place only: restoring over a node's data would mix two stores. */
async function assertNewTarget (target: string): Promise<void> {
  let entries: string[]
  try {
    if (!(await stat(target)).isDirectory()) throw new HearthError('REPO_EXISTS', `${target} exists and is not a directory; nothing was written`)
    entries = await readdir(target)
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return
    throw err
  }
  if (entries.length > 0) {
    throw new HearthError('REPO_EXISTS', `${target} is not empty; a bundle restores only into a new or empty directory (nothing was written)`, { details: { path: target } })
  }
}

async function writeRepo (target: string, sections: BundleSections, config: HearthConfig, did: string): Promise<void> {
  const parent = dirname(target)
  await mkdir(parent, { recursive: true, mode: 0o700 })
  const temp = join(parent, `.${basename(target)}.restore-${randomBytes(6).toString('hex')}`)
  await ensurePrivateDirectory(temp)
  try {
    const paths = repoPaths(temp)
    await writeNewPrivateFile(paths.config, new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'))
    await ensurePrivateDirectory(paths.keystoreDir)
    await writeNewPrivateFile(paths.keystore, sections.keystore)
    for (const f of sections.files) await writeNewPrivateFile(join(temp, f.name), f.bytes)
    if (sections.snapshot.length > 0) {
      await writeStore(paths.datastore, sections.snapshot)
      // what the node itself will do at start: the format and the DID must be accepted
      const store = await openStore({ location: paths.datastore, did })
      await store.close()
    }
    await fsyncDirectory(temp)
    await assertNewTarget(target)
    try {
      // rename(2) replaces an empty directory and fails on a non-empty one, so a file that
      // appeared since the check is never lost
      await rename(temp, target)
    } catch (err) {
      if (isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) throw new HearthError('REPO_EXISTS', `${target} is no longer empty; nothing was written`)
      throw err
    }
    await fsyncDirectory(parent)
  } catch (err) {
    await rm(temp, { recursive: true, force: true })
    throw err
  }
}

async function writeStore (location: string, snapshot: Uint8Array): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', errorIfExists: true })
  await db.open()
  try {
    let ops: Array<{ type: 'put', key: Uint8Array, value: Uint8Array }> = []
    for (const [key, value] of snapshotEntries(snapshot)) {
      ops.push({ type: 'put', key, value })
      if (ops.length >= WRITE_BATCH) {
        await db.batch(ops)
        ops = []
      }
    }
    // the last batch synced: LevelDB's log is sequential, so the earlier ones are on disk too
    await db.batch(ops, { sync: true } as object)
  } finally {
    await db.close()
  }
}
