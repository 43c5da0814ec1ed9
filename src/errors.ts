/**
 * Every error Hearth raises on purpose is a HearthError with a stable `code`.
 * Callers match on `code`, never on message text. HTTP status and CLI exit codes are
 * derived from the code in exactly one place each (src/api/errors.ts, src/cli/exit.ts).
 */
export type ErrorCode =
  // usage and configuration
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'REPO_NOT_INITIALISED'
  | 'REPO_EXISTS'
  | 'REPO_LOCKED'
  | 'UNSUPPORTED_FORMAT'
  // identity and keys
  | 'INSECURE_PERMISSIONS'
  | 'WRONG_PASSPHRASE'
  | 'NO_PASSPHRASE'
  | 'CORRUPT_KEYSTORE'
  | 'INVALID_MNEMONIC'
  | 'INVALID_DID'
  // network
  | 'INVALID_RECORD'
  | 'INVALID_INVITATION'
  | 'NOT_FOUND'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  // protocol messages (details.wire holds the protocol spec's wire code)
  | 'INVALID_MESSAGE'
  | 'RATE_LIMITED'
  | 'INVALID_STATE'
  // daemon and API
  | 'DAEMON_NOT_RUNNING'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'INTERNAL'

export class HearthError extends Error {
  readonly code: ErrorCode
  readonly details?: Record<string, unknown>

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown, details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'HearthError'
    this.code = code
    if (options?.details !== undefined) this.details = options.details
  }
}

export const isHearthError = (err: unknown, code?: ErrorCode): err is HearthError =>
  err instanceof HearthError && (code === undefined || err.code === code)

export const invalidArgument = (field: string, why: string): HearthError =>
  new HearthError('INVALID_ARGUMENT', `${field}: ${why}`, { details: { field } })

export const invalidConfig = (field: string, why: string): HearthError =>
  new HearthError('INVALID_CONFIG', `config ${field}: ${why}`, { details: { field } })

export const insecurePermissions = (path: string, mode: number): HearthError =>
  new HearthError('INSECURE_PERMISSIONS',
    `${path} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}; it must not be readable by group or others (chmod 600 for files, 700 for directories)`,
    { details: { path, mode: mode & 0o777 } })

export const wrongPassphrase = (): HearthError =>
  new HearthError('WRONG_PASSPHRASE', 'wrong passphrase: the keystore could not be decrypted (nothing was changed)')

export const notInitialised = (repo: string): HearthError =>
  new HearthError('REPO_NOT_INITIALISED', `no Hearth repo at ${repo}: run 'hearth init' first (or pass --repo)`, { details: { repo } })

export const invalidRecord = (why: string): HearthError =>
  new HearthError('INVALID_RECORD', `invalid DID record: ${why}`)

export const invalidDid = (did: string, why: string): HearthError =>
  new HearthError('INVALID_DID', `invalid DID ${JSON.stringify(did.slice(0, 120))}: ${why}`)
