/**
 * Writes a new private file so that a crash leaves either no file or the whole file, and an
 * existing file is never replaced: write a temp file in the same directory, fsync it, hard-link
 * it to the final name (link(2) fails with EEXIST instead of overwriting, where rename(2) would
 * silently replace), then fsync the directory so the new name itself survives power loss.
 */
import { randomBytes } from 'node:crypto'
import { chmod, link, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { HearthError } from '../errors.ts'
import { PRIVATE_FILE_MODE, isErrno } from './private-files.ts'

export const alreadyExists = (path: string): HearthError =>
  new HearthError('REPO_EXISTS', `${path} already exists; refusing to overwrite a keystore`, { details: { path } })

export async function fsyncDirectory (dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** A temp file beside `path`, created with O_EXCL at `mode` from the first byte, written and fsynced. */
async function writeTemp (path: string, data: string | Uint8Array, mode: number): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`)
  // 'wx' = O_CREAT | O_EXCL: never follows or reuses an existing name
  const handle = await open(temp, 'wx', mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (err) {
    await handle.close()
    await rm(temp, { force: true })
    throw err
  }
  await handle.close()
  return temp
}

export async function writeNewPrivateFile (path: string, data: Uint8Array): Promise<void> {
  let temp: string | undefined
  try {
    temp = await writeTemp(path, data, PRIVATE_FILE_MODE)
    try {
      await link(temp, path)
    } catch (err) {
      if (isErrno(err, 'EEXIST')) throw alreadyExists(path)
      throw err
    }
  } finally {
    if (temp !== undefined) await rm(temp, { force: true })
  }
  await fsyncDirectory(dirname(path))
}

/**
 * Replace a file (config, API token) so that a crash leaves the old or the new content, never a
 * torn one: temp file, fsync, rename over the target, fsync the directory (security.md s5).
 */
export async function writeFileAtomic (path: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): Promise<void> {
  let temp: string | undefined
  try {
    temp = await writeTemp(path, data, mode)
    await chmod(temp, mode) // the umask may have narrowed it; never widen it
    await rename(temp, path)
  } finally {
    if (temp !== undefined) await rm(temp, { force: true })
  }
  await fsyncDirectory(dirname(path))
}
