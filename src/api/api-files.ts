import { rm, stat } from 'node:fs/promises'
import { insecurePermissions } from '../errors.ts'
import { writeFileAtomic } from '../fs/index.ts'
import { repoPaths } from '../repo/paths.ts'

/**
 * `<repo>/api` (the base URL) and `<repo>/api.token` tell local clients where the API is and
 * how to get in, so they never guess a port (a squatter could be on it) and never see the
 * token anywhere but a 0600 file (research/security.md E.1, Kubo's `api` file).
 */
export const apiFilePaths = (repo: string): { url: string, token: string } =>
  ({ url: repoPaths(repo).api, token: repoPaths(repo).apiToken })

export async function writeApiFiles (repo: string, url: string, token: string): Promise<void> {
  const paths = apiFilePaths(repo)
  await writePrivateFile(paths.token, `${token}\n`)
  await writePrivateFile(paths.url, `${url}\n`)
}

export async function removeApiFiles (repo: string): Promise<void> {
  const paths = apiFilePaths(repo)
  await Promise.all([rm(paths.url, { force: true }), rm(paths.token, { force: true })])
}

/** Atomic 0600 write, then the mode is checked again: a umask, ACL or odd file system may have had the last word. */
async function writePrivateFile (path: string, content: string): Promise<void> {
  await writeFileAtomic(path, content, 0o600)
  const st = await stat(path)
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    await rm(path, { force: true })
    throw insecurePermissions(path, st.mode)
  }
}
