import type { FastifyReply, FastifyRequest } from 'fastify'
import { HearthError, isHearthError } from '../errors.ts'
import type { ApiBackend, ConnectResult } from './backend.ts'
import { DEFAULT_CONNECT_TIMEOUT_MS } from './schemas.ts'

interface ConnectBody { target: string, timeoutMs?: number }

/**
 * POST /v1/connect. The backend gets one AbortSignal that fires on the deadline or when the
 * client goes away, so an abandoned dial stops costing the node anything. The deadline is
 * also enforced here, in case a backend ignores the signal: the client always gets its 504.
 */
export function connectHandler (backend: ApiBackend) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<ConnectResult> => {
    const { target, timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS } = request.body as ConnectBody
    const gone = new AbortController()
    // 'close' before 'finish' means the socket closed under us: the client gave up.
    const onClose = (): void => { if (!reply.raw.writableFinished) gone.abort(new Error('client disconnected')) }
    reply.raw.once('close', onClose)
    const deadline = new AbortController()
    const timer = setTimeout(() => {
      deadline.abort(new HearthError('TIMEOUT', `connect to ${shorten(target)} timed out after ${timeoutMs} ms`))
    }, timeoutMs)
    const signal = AbortSignal.any([deadline.signal, gone.signal])
    try {
      return await raceAbort(backend.connect(target, { signal }), signal)
    } catch (err) {
      // A backend that rejects with its own AbortError after our deadline still means TIMEOUT.
      if (deadline.signal.aborted && !isHearthError(err)) throw deadline.signal.reason
      throw err
    } finally {
      clearTimeout(timer)
      reply.raw.off('close', onClose)
    }
  }
}

function raceAbort<T> (work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    if (signal.aborted) { onAbort(); return }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}

/** Targets can be 4 KiB invitations; an error message needs only the start. */
const shorten = (target: string): string => target.length > 80 ? `${target.slice(0, 77)}...` : target
