import type { FastifyInstance } from 'fastify'
import { HearthError, invalidConfig, notInitialised } from '../errors.ts'
import { buildApp } from './app.ts'
import { removeApiFiles, writeApiFiles } from './api-files.ts'
import { DEFAULT_AUTH_FAILURE_DELAY_MS, FailureWindow, newToken } from './auth.ts'
import type { ApiBackend } from './backend.ts'
import type { InternalErrorSink } from './errors.ts'
import { DEFAULT_EVENT_LIMITS } from './events.ts'
import { listenLoopback } from './listen.ts'

export const DEFAULT_API_PORT = 7012
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024

export interface ApiInit {
  /** Data directory: `<repo>/api` (base URL) and `<repo>/api.token` are written at start, removed at stop. */
  repo: string
  /** Default 7012; 0 lets the OS choose (tests). */
  port?: number
  /** Only loopback for now: 127.0.0.1 and, where available, ::1 on the same port. */
  host?: 'loopback'
  /** Default 64 KiB. */
  maxBodyBytes?: number
  version: string
  /** Pause before answering a bad token. Default 250 ms; tests lower it. */
  authFailureDelayMs?: number
  /** Where unexpected errors (answered as a bare 500) are reported; default: console.error. */
  onInternalError?: InternalErrorSink
}

export interface ApiServer {
  start (): Promise<{ url: string, port: number, token: string }>
  stop (): Promise<void>
  /** Base URL while running (`http://127.0.0.1:<port>`), '' otherwise. */
  readonly url: string
}

export function createApiServer (backend: ApiBackend, init: ApiInit): ApiServer {
  const port = init.port ?? DEFAULT_API_PORT
  const maxBodyBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  const delay = init.authFailureDelayMs ?? DEFAULT_AUTH_FAILURE_DELAY_MS
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidConfig('api.port', 'must be an integer from 0 to 65535')
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 2) throw invalidConfig('api.maxBodyBytes', 'must be an integer of at least 2')
  if (!Number.isInteger(delay) || delay < 0) throw invalidConfig('api.authFailureDelayMs', 'must be a non-negative integer')
  if ((init.host ?? 'loopback') !== 'loopback') throw invalidConfig('api.host', "only 'loopback' is supported")
  const onInternalError = init.onInternalError ?? ((err, where) => { console.error(`api: ${where.method} ${where.path} failed:`, err) })

  const failures = new FailureWindow()
  let app: FastifyInstance | undefined
  let closeExtra = async (): Promise<void> => {}
  let url = ''

  return {
    get url () { return url },

    async start () {
      if (app !== undefined) throw new HearthError('INTERNAL', 'the API server is already running')
      const token = newToken()
      const instance = buildApp(backend, {
        token, failures, version: init.version, url: () => url, maxBodyBytes, authFailureDelayMs: delay, events: DEFAULT_EVENT_LIMITS, onInternalError
      })
      app = instance
      let wroteFiles = false
      try {
        const bound = await listenLoopback(instance, port)
        closeExtra = bound.closeExtra
        url = `http://127.0.0.1:${bound.port}`
        wroteFiles = true
        await writeApiFiles(init.repo, url, token)
        return { url, port: bound.port, token }
      } catch (err) {
        await closeServers().catch(() => {})
        // Only our own files: after EADDRINUSE they may belong to a daemon that is running.
        if (wroteFiles) await removeApiFiles(init.repo).catch(() => {})
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notInitialised(init.repo)
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new HearthError('INVALID_CONFIG', `API port ${port} is already in use on 127.0.0.1; choose another (0 lets the OS pick)`, { cause: err, details: { field: 'api.port' } })
        }
        throw err
      }
    },

    async stop () {
      if (app === undefined) return
      // Files first: a client must not find a token for a server that is going away.
      await removeApiFiles(init.repo)
      await closeServers()
    }
  }

  async function closeServers (): Promise<void> {
    const instance = app
    const extra = closeExtra
    app = undefined
    url = ''
    closeExtra = async () => {}
    await Promise.all([extra(), instance?.close()])
  }
}
