/**
 * Key files are refused when others could read them, as OpenSSH refuses an "UNPROTECTED PRIVATE
 * KEY FILE" (openssh authfile.c, sshkey_perm_ok): the file must be ours with no group/other bits,
 * and so must its directory, or someone could read or swap the file.
 */
import { lstat, mkdir, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { HearthError, insecurePermissions, invalidArgument } from '../errors.ts'

const GROUP_OTHER_BITS = 0o077
export const PRIVATE_FILE_MODE = 0o600
export const PRIVATE_DIR_MODE = 0o700

export function assertPath (path: unknown): string {
  if (typeof path !== 'string' || path === '') throw invalidArgument('path', 'must be a non-empty string')
  return path
}

export const isErrno = (err: unknown, code: string): boolean =>
  err instanceof Error && (err as NodeJS.ErrnoException).code === code

function assertOwnedPrivate (path: string, stats: Stats): void {
  if ((stats.mode & GROUP_OTHER_BITS) !== 0) throw insecurePermissions(path, stats.mode)
  const uid = process.getuid?.()
  if (uid !== undefined && stats.uid !== uid) {
    throw new HearthError('INSECURE_PERMISSIONS', `${path} is owned by uid ${stats.uid}, not by the user running Hearth (uid ${uid})`,
      { details: { path, uid: stats.uid } })
  }
}

/** Throws INSECURE_PERMISSIONS unless the file (a keystore, a token) and its directory are private to this user. */
export async function checkPrivateFile (path: string): Promise<void> {
  const file = resolve(assertPath(path))
  let stats: Stats
  try {
    stats = await lstat(file)
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new HearthError('NOT_FOUND', `no file at ${file}`, { details: { path: file } })
    throw err
  }
  // a link's own mode says nothing about its target, and the target may be anyone's file
  if (stats.isSymbolicLink()) throw new HearthError('INSECURE_PERMISSIONS', `${file} is a symbolic link; it must be a regular file`, { details: { path: file } })
  if (!stats.isFile()) throw new HearthError('CORRUPT_KEYSTORE', `${file} is not a regular file`)
  assertOwnedPrivate(file, stats)
  await checkPrivateDirectory(dirname(file))
}

export async function checkPrivateDirectory (dir: string): Promise<void> {
  // stat, not lstat: a repo directory reached through a symlink is fine if the target is private
  const stats = await stat(dir)
  if (!stats.isDirectory()) throw invalidArgument('path', `${dir} is not a directory`)
  assertOwnedPrivate(dir, stats)
}

/**
 * Creates `dir` with mode 0700 if it is missing. An existing directory is checked, never
 * chmod-ed: changing the mode of a directory we did not create is the user's decision.
 */
export async function ensurePrivateDirectory (dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  await checkPrivateDirectory(dir)
}
