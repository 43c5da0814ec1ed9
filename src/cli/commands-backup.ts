import type { Command } from 'commander'
import { HearthError, isHearthError } from '../errors.ts'
import { exportBundle, restoreBundle, ENTRIES_HEADER } from '../backup/index.ts'
import type { Snapshot } from '../backup/index.ts'
import { resolveRepo, repoPaths } from '../repo/index.ts'
import type { HearthConfig } from '../repo/index.ts'
import { exists } from '../fs/index.ts'
import { getPassphrase } from './passphrase.ts'
import { readDaemonAddress } from './client.ts'
import { info, print } from './output.ts'

type Runner = (fn: (...args: any[]) => Promise<unknown>) => (...args: any[]) => Promise<void>

export interface BackupOptions {
  repo?: string
  json?: boolean
  out?: string
  force?: boolean
  passphraseFile?: string
  bundlePassphraseFile?: string
  bundle?: string
  dryRun?: boolean
}

/** `hearth export` (docs/backup.md); `restore --bundle` is an option of `restore` (main.ts). */
export function registerBackupCommands (program: Command, run: Runner): void {
  program.command('export')
    .description('write an encrypted backup bundle: the keystore, config.json and a consistent snapshot of the whole store')
    .option('--out <file>', 'the bundle to write (default: ./hearth-backup-<date>.hbk); never replaced without --force')
    .option('--force', 'replace an existing file at --out')
    .option('--passphrase-file <file>', 'the node\'s passphrase (else HEARTH_PASSPHRASE, else asked); it also seals the bundle by default')
    .option('--bundle-passphrase-file <file>', 'seal the bundle with this passphrase instead of the node\'s own')
    .addHelpText('after', `
The bundle is sealed with the node's own passphrase unless --bundle-passphrase-file is given
(scrypt + AES-256-GCM, as the keystore). It works whether the node is running (the daemon takes
the snapshot) or not. Restore it on a new machine or directory with:
  $ hearth --repo <new dir> restore --bundle <file> [--dry-run]
Details and limits: docs/backup.md`)
    .action(run(cmdBackupExport))
}

const defaultOut = (): string => `hearth-backup-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.hbk`

export async function cmdBackupExport (opts: BackupOptions): Promise<void> {
  const repo = resolveRepo(opts.repo)
  if (!(await exists(repoPaths(repo).keystore))) {
    throw new HearthError('REPO_NOT_INITIALISED', `no Hearth repo at ${repo}: nothing to export (pass --repo?)`)
  }
  const passphrase = await getPassphrase(opts)
  const bundlePassphrase = opts.bundlePassphraseFile !== undefined ? await getPassphrase({ passphraseFile: opts.bundlePassphraseFile }) : undefined
  const daemon = await daemonSnapshot(repo)
  if (opts.json !== true) info(daemon !== undefined ? 'The node is running: it took the snapshot.' : 'The node is not running: reading the store directly.')
  const result = await exportBundle({
    repo,
    passphrase,
    ...(bundlePassphrase !== undefined ? { bundlePassphrase } : {}),
    out: opts.out ?? defaultOut(),
    force: opts.force === true,
    ...(daemon !== undefined ? { snapshot: daemon } : {}),
    onProgress: p => { info(`  snapshot: ${p.entries} entries, ${(p.bytes / 1048576).toFixed(0)} MiB…`) }
  })
  const { file, bytes, entries, sha256 } = result
  print(opts, { file, bytes, entries, sha256 }, () => [
    `Wrote ${file} (${bytes} bytes, mode 0600)`,
    `  DID      ${result.did}`,
    `  entries  ${entries} (every sublevel of the store)`,
    `  sha256   ${sha256}`,
    'It holds your keys (sealed by the passphrase) and every agreement: keep it as safe as the passphrase.'
  ].join('\n'))
}

/**
 * When a daemon runs on this repo, it holds the LevelDB lock: ask it for the snapshot. No
 * daemon (no api file, or nobody answering) means the store can be read directly.
 */
async function daemonSnapshot (repo: string): Promise<(() => Promise<Snapshot>) | undefined> {
  const found = await readDaemonAddress(repo)
  if (found === undefined) return undefined
  const { url, token } = found
  let res: Response
  try {
    res = await fetch(`${url}/v1/backup`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(300_000)
    })
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') return undefined // a stale api file
    throw new HearthError('INTERNAL', `cannot reach the daemon at ${url}: ${(err as Error).message}`)
  }
  if (!res.ok) {
    let e: { code?: unknown, message?: unknown } | undefined
    try { e = ((await res.json()) as { error?: typeof e }).error } catch {}
    throw new HearthError(typeof e?.code === 'string' ? e.code as 'INTERNAL' : 'INTERNAL', typeof e?.message === 'string' ? e.message : `the daemon answered ${res.status} to POST /v1/backup`)
  }
  const bytes = new Uint8Array(await res.arrayBuffer())
  const entries = Number(res.headers.get(ENTRIES_HEADER))
  if (!Number.isSafeInteger(entries)) throw new HearthError('INTERNAL', 'the daemon sent a snapshot without its entry count')
  return async () => ({ bytes, entries })
}

/** `hearth restore --bundle <file> [--dry-run]`: called by `restore` when --bundle is given. */
export async function cmdRestoreBundle (opts: BackupOptions, configure?: (c: HearthConfig) => HearthConfig): Promise<void> {
  const repo = resolveRepo(opts.repo)
  const passphrase = await getPassphrase(opts)
  const bundlePassphrase = opts.bundlePassphraseFile !== undefined ? await getPassphrase({ passphraseFile: opts.bundlePassphraseFile }) : undefined
  if (opts.json !== true) info(`Checking ${opts.bundle} (deriving the keys takes a moment)…`)
  let r
  try {
    r = await restoreBundle({
      bundle: opts.bundle!,
      repo,
      passphrase,
      ...(bundlePassphrase !== undefined ? { bundlePassphrase } : {}),
      dryRun: opts.dryRun === true,
      ...(configure !== undefined ? { configure } : {})
    })
  } catch (err) {
    if (isHearthError(err, 'NOT_FOUND')) throw new HearthError('NOT_FOUND', `${err.message} (--bundle)`)
    throw err
  }
  print(opts, r, () => [
    r.dryRun ? `The bundle is good. Nothing was written; without --dry-run it would restore into ${r.repo}:` : `Restored into ${r.repo}:`,
    `  DID         ${r.did}`,
    `  PeerId      ${r.peerId}  (the same device key: the same node, moved)`,
    `  made        ${r.created}`,
    `  agreements  ${r.agreements}`,
    `  contacts    ${r.contacts}`,
    `  entries     ${r.entries}  (${Object.entries(r.sublevels).map(([k, v]) => `${k} ${v}`).join(', ') || 'empty store'})`,
    ...(r.files.length > 0 ? [`  files       keystore/identity.json, config.json, ${r.files.join(', ')}`] : []),
    '',
    'Never run the old copy again: two nodes with one PeerId and one DID would fight over the same',
    'connections and agreements.',
    ...(r.dryRun ? [] : ['', `Start it with: npx hearth --repo ${r.repo} start`])
  ].join('\n'))
}
