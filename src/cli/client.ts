import { readFile } from 'node:fs/promises'
import { HearthError } from '../errors.ts'
import { repoPaths } from '../repo/paths.ts'

/** Talks to the running daemon through the admin API, with the address and token it wrote. */
export interface ApiClient {
  get<T> (path: string, options?: { timeoutMs?: number }): Promise<T>
  post<T> (path: string, body: unknown, options?: { timeoutMs?: number }): Promise<T>
}

/** The address and token a running daemon wrote into its repo; undefined when there are none. */
export async function readDaemonAddress (repo: string): Promise<{ url: string, token: string } | undefined> {
  const paths = repoPaths(repo)
  try {
    return { url: (await readFile(paths.api, 'utf8')).trim(), token: (await readFile(paths.apiToken, 'utf8')).trim() }
  } catch {
    return undefined
  }
}

export const daemonNotRunning = (repo: string): HearthError =>
  new HearthError('DAEMON_NOT_RUNNING', `no Hearth daemon is running on ${repo}: start one with 'hearth start' (or pass the right --repo)`)

export async function connectClient (repo: string): Promise<ApiClient> {
  const found = await readDaemonAddress(repo)
  if (found === undefined) throw daemonNotRunning(repo)
  const { url, token } = found
  const call = async <T>(method: string, path: string, body: unknown, timeoutMs = 60_000): Promise<T> => {
    let res: Response
    try {
      res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs)
      })
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause
      if (cause?.code === 'ECONNREFUSED') {
        throw new HearthError('DAEMON_NOT_RUNNING', `the Hearth daemon for ${repo} is not answering at ${url} (stale api file? start it with 'hearth start')`)
      }
      if ((err as Error).name === 'TimeoutError') throw new HearthError('TIMEOUT', `the daemon did not answer within ${timeoutMs} ms`)
      throw new HearthError('INTERNAL', `cannot reach the daemon at ${url}: ${(err as Error).message}`)
    }
    const text = await res.text()
    let json: any
    try { json = JSON.parse(text) } catch { throw new HearthError('INTERNAL', `the daemon answered ${res.status} with non-JSON`) }
    if (!res.ok) {
      const e = json?.error
      throw new HearthError(typeof e?.code === 'string' ? e.code : 'INTERNAL', typeof e?.message === 'string' ? e.message : `HTTP ${res.status}`)
    }
    return json as T
  }
  return {
    get: async (path, options) => await call('GET', path, undefined, options?.timeoutMs),
    post: async (path, body, options) => await call('POST', path, body, options?.timeoutMs)
  }
}
