import type { ErrorCode } from '../errors.ts'

/** The one place HearthError codes become exit codes. 0 ok, 1 failure, 2 usage. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
/** The daemon is not running (scripts can start it and retry). */
export const EXIT_NO_DAEMON = 3
/** Nothing found / unreachable peer (scripts may retry later). */
export const EXIT_UNREACHABLE = 4

export function exitCodeFor (code: ErrorCode | undefined): number {
  switch (code) {
    case 'INVALID_ARGUMENT':
    case 'INVALID_DID':
    case 'INVALID_INVITATION':
    case 'INVALID_MNEMONIC':
      return EXIT_USAGE
    case 'DAEMON_NOT_RUNNING':
      return EXIT_NO_DAEMON
    case 'NOT_FOUND':
    case 'UNREACHABLE':
    case 'TIMEOUT':
      return EXIT_UNREACHABLE
    default:
      return EXIT_FAILURE
  }
}
