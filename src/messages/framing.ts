import { lpStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { varint } from 'multiformats'
import { HearthError } from '../errors.ts'
import { MAX_MESSAGE_BYTES } from './kinds.ts'
import { invalidMessage } from './wire.ts'

/**
 * One length-prefixed frame (unsigned varint length, then the bytes) per message, as every
 * Hearth protocol frames its messages. lpStream only enforces a maximum when given one, and
 * its default is 4 MiB (security research 2.1), so each protocol passes its own here.
 */
/** protocols/agreement/README.md, "Limits": one frame carries one JWT. */
export const AGREEMENT_MAX_FRAME_BYTES = MAX_MESSAGE_BYTES
/** Default for one read or one write, the whole frame (a slow-dripping peer included, B.1 item 5). */
export const FRAME_TIMEOUT_MS = 10_000

export interface FramedStreamInit {
  /** the protocol's largest frame, e.g. AGREEMENT_MAX_FRAME_BYTES */
  maxBytes: number
  /** per read and per write; default FRAME_TIMEOUT_MS */
  timeoutMs?: number
}

export interface FramedStream {
  /**
   * The next frame. INVALID_MESSAGE (TOO_LARGE, MALFORMED) for a bad length prefix, TIMEOUT
   * when it does not arrive in time, UNREACHABLE when the stream ends or fails first.
   */
  read (options?: { signal?: AbortSignal }): Promise<Uint8Array>
  write (frame: Uint8Array, options?: { signal?: AbortSignal }): Promise<void>
  unwrap (): Stream
}

export function framedStream (stream: Stream, init: FramedStreamInit): FramedStream {
  const { maxBytes } = init
  const timeoutMs = init.timeoutMs ?? FRAME_TIMEOUT_MS
  const prefixBytes = varint.encodingLength(maxBytes)
  const lp = lpStream(stream, {
    maxDataLength: maxBytes,
    maxLengthLength: prefixBytes,
    lengthDecoder: boundedVarint(prefixBytes),
    // what may sit unread: this frame and the next one, not lpStream's default 4 MiB
    maxBufferSize: 2 * (maxBytes + prefixBytes)
  })
  return {
    async read (options = {}) {
      const scope = timeoutScope(timeoutMs, options.signal)
      try {
        return (await lp.read({ signal: scope.signal })).subarray()
      } catch (err) {
        throw frameError(err, scope.signal, options.signal, 'read')
      } finally {
        scope.end()
      }
    },
    async write (frame, options = {}) {
      if (frame.byteLength > maxBytes) throw invalidMessage('TOO_LARGE', `frame of ${frame.byteLength} bytes is over the ${maxBytes}-byte limit`)
      const scope = timeoutScope(timeoutMs, options.signal)
      try {
        await lp.write(frame, { signal: scope.signal })
      } catch (err) {
        throw frameError(err, scope.signal, options.signal, 'write')
      } finally {
        scope.end()
      }
    },
    unwrap: () => lp.unwrap()
  }
}

/**
 * One read's or write's signal (or any one operation's: src/agreements/protocol.ts uses it for
 * a whole exchange): aborted by the caller's signal or after timeoutMs, whichever comes first;
 * call end() when the operation is over. Its timer and listener are removed when the operation ends: AbortSignal.timeout
 * and AbortSignal.any, used before, left a 10 s timer behind each frame and tied the signals
 * together with weak references for the garbage collector to clear, which cost an agreement
 * more than its frames' framing (docs/performance.md).
 */
export function timeoutScope (timeoutMs: number, caller?: AbortSignal): { signal: AbortSignal, end: () => void } {
  const controller = new AbortController()
  if (caller?.aborted === true) {
    controller.abort(caller.reason)
    return { signal: controller.signal, end: () => {} }
  }
  const timer = setTimeout(() => { controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')) }, timeoutMs)
  // like AbortSignal.timeout: a pending frame alone does not keep the process alive
  timer.unref?.()
  const onAbort = (): void => { controller.abort(caller?.reason) }
  caller?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    end: () => {
      clearTimeout(timer)
      caller?.removeEventListener('abort', onAbort)
    }
  }
}

/**
 * lpStream checks maxLengthLength only once a varint has decoded, so a peer sending endless
 * continuation bytes (0x80 0x80 …) would be read until the timeout (B.1 item 2). This decoder
 * gives up as soon as the prefix is longer than the largest allowed length needs.
 */
function boundedVarint (maxPrefixBytes: number): (data: { byteLength: number, get (i: number): number }) => number {
  return (data) => {
    let value = 0
    for (let i = 0; i < data.byteLength; i++) {
      if (i >= maxPrefixBytes) throw Object.assign(new Error(`length prefix longer than ${maxPrefixBytes} bytes`), { name: 'FrameLengthError' })
      const byte = data.get(i)
      value += (byte & 0x7f) * 2 ** (7 * i)
      if ((byte & 0x80) === 0) return value
    }
    // lpStream's signal for "read one more byte"
    throw new RangeError('incomplete varint')
  }
}

function frameError (err: unknown, signal: AbortSignal, callerSignal: AbortSignal | undefined, op: string): unknown {
  if (err instanceof HearthError) return err
  // the caller's own abort stays theirs
  if (callerSignal?.aborted === true) return callerSignal.reason
  const name = (err as Error | undefined)?.name
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError' || name === 'FrameLengthError' || name === 'StreamBufferError') {
    return invalidMessage('TOO_LARGE', `frame ${op}: ${(err as Error).message}`)
  }
  if (name === 'InvalidMessageLengthError') return invalidMessage('MALFORMED', `frame ${op}: bad length prefix`)
  if (signal.aborted) return new HearthError('TIMEOUT', `frame ${op} timed out`, { cause: err })
  return new HearthError('UNREACHABLE', `frame ${op} failed: ${(err as Error | undefined)?.message ?? String(err)}`, { cause: err })
}
