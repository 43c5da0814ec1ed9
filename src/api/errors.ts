import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import { HearthError } from '../errors.ts'
import type { ErrorCode } from '../errors.ts'

/**
 * The one place a HearthError code becomes an HTTP status. A Record (not a switch) so that a
 * new ErrorCode fails to compile until someone decides its status here.
 */
const STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  INVALID_DID: 400,
  INVALID_INVITATION: 400,
  INVALID_MNEMONIC: 400,
  INVALID_RECORD: 400,
  UNSUPPORTED_FORMAT: 400,
  NO_PASSPHRASE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  WRONG_PASSPHRASE: 403,
  NOT_FOUND: 404,
  REPO_EXISTS: 409,
  REPO_LOCKED: 409,
  INVALID_STATE: 409,
  INVALID_MESSAGE: 422,
  RATE_LIMITED: 429,
  UNREACHABLE: 502,
  DAEMON_NOT_RUNNING: 503,
  TIMEOUT: 504,
  // Faults of the daemon itself, not of the request.
  INVALID_CONFIG: 500,
  REPO_NOT_INITIALISED: 500,
  INSECURE_PERMISSIONS: 500,
  CORRUPT_KEYSTORE: 500,
  INTERNAL: 500
}

export function apiErrorStatus (code: ErrorCode): number {
  return STATUS[code] ?? 500
}

/** The error envelope every non-2xx JSON response uses. `code` is always an ErrorCode. */
export interface ApiErrorBody { error: { code: ErrorCode, message: string } }

export const errorBody = (code: ErrorCode, message: string): ApiErrorBody => ({ error: { code, message } })

/** Answer with the envelope; `status` overrides the code's status for HTTP-level refusals (405, 413, …). */
export function refuse (reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(code, message))
}

/** Fastify's own client errors keep their status; the message is fastify's, which never echoes the body. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body is too large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request body is empty; send a JSON object',
  // Also the answer to `__proto__` / `constructor.prototype` keys (secure-json-parse refuses them).
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'Content-Length does not match the body'
}

export type InternalErrorSink = (err: unknown, where: { method: string, path: string }) => void

/**
 * Fastify error handler: HearthErrors keep their code and message, validation errors become
 * INVALID_ARGUMENT naming the field, anything unexpected is a generic 500 (the detail goes to
 * `onInternalError`, never to the client, since it may describe the node's internals).
 */
export function errorHandler (onInternalError: InternalErrorSink) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (err instanceof HearthError) return refuse(reply, apiErrorStatus(err.code), err.code, err.message)
    if (err.validation !== undefined) return refuse(reply, 400, 'INVALID_ARGUMENT', err.message)
    // Only fastify's own 4xx errors keep their status; any other error with a statusCode came
    // from some library inside the backend, and its message is not ours to show.
    const status = typeof err.statusCode === 'number' && String(err.code).startsWith('FST_') ? err.statusCode : 500
    if (status >= 400 && status < 500) {
      const message = FASTIFY_MESSAGES[err.code] ?? err.message
      return refuse(reply, status, status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : 'INVALID_ARGUMENT', message)
    }
    onInternalError(err, { method: request.method, path: pathOf(request.url) })
    return refuse(reply, 500, 'INTERNAL', 'internal error')
  }
}

/**
 * Validation errors as `field: why`, the shape of invalidArgument() in src/errors.ts, naming
 * the field even where Ajv's own text does not (a missing or an unknown property).
 */
export function formatValidationError (errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0]
  if (first === undefined) return new Error(`${dataVar}: invalid`)
  const at = `${dataVar}${first.instancePath}`
  if (first.keyword === 'required') return new Error(`${at}/${String(first.params.missingProperty)}: is required`)
  if (first.keyword === 'additionalProperties') return new Error(`${at}/${String(first.params.additionalProperty)}: is not a known field`)
  return new Error(`${at}: ${first.message ?? 'is invalid'}`)
}

/** The path without its query string, so nothing a client put in `?…` reaches a log. */
export const pathOf = (url: string): string => url.split('?', 1)[0] ?? ''
