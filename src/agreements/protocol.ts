import { RateLimiter } from '@libp2p/utils'
import { framedStream, timeoutScope, AGREEMENT_MAX_FRAME_BYTES, FRAME_TIMEOUT_MS } from '../messages/index.ts'
import type { Connection, Stream } from '@libp2p/interface'
import { HearthError } from '../errors.ts'
import type { HearthLibp2p } from '../network/index.ts'

/**
 * /vrm/agreement/1.0.0 framing (protocols/agreement/README.md): the sender opens a stream,
 * writes one length-prefixed frame (a signed JWT), the receiver answers with one frame (its
 * signed Ack) and both close. One message per stream keeps every exchange independent, so a
 * reset never leaves half a conversation behind.
 */
export const AGREEMENT_PROTOCOL = '/vrm/agreement/1.0.0'
export const TERMS_PROTOCOL = '/vrm/terms/1.0.0'
/** protocols/agreement/README.md, limits */
export const MAX_FRAME_BYTES = AGREEMENT_MAX_FRAME_BYTES
export const READ_TIMEOUT_MS = FRAME_TIMEOUT_MS
/** enough for 16 agreements in flight each way, small enough to bound a connection's buffers */
export const MAX_INBOUND_STREAMS = 64
/**
 * Every frame from one peer: 5,000 per 2 s. Messages inside existing agreements are bounded by
 * the state machine; the unsolicited kind, new proposals, has its own, much lower limit
 * (agreements.maxProposalsPerSecond) and a cap on undecided ones (maxPendingPerPeer).
 */
export const RATE_POINTS = 5_000
export const RATE_DURATION_S = 2

export type Answer = (frame: Uint8Array, connection: Connection) => Promise<Uint8Array>

/** Serve a one-frame-in, one-frame-out protocol with size, time and rate limits. */
export async function serve (node: HearthLibp2p, protocol: string, answer: Answer, onLimited: (connection: Connection) => Uint8Array | undefined): Promise<void> {
  const limiter = new RateLimiter({ points: RATE_POINTS, duration: RATE_DURATION_S })
  await node.handle(protocol, async (stream: Stream, connection: Connection) => {
    const lp = framedStream(stream, { maxBytes: MAX_FRAME_BYTES, timeoutMs: READ_TIMEOUT_MS })
    try {
      const frame = await lp.read()
      let reply: Uint8Array | undefined
      try {
        limiter.consume(connection.remotePeer.toString())
        reply = await answer(frame, connection)
      } catch (err) {
        // over a limit: no answer at all, the stream just closes (cheap for us, clear to them)
        if ((err as Error).name !== 'RateLimitError') throw err
        reply = onLimited(connection)
      }
      if (reply !== undefined) await lp.write(reply)
      const closing = timeoutScope(READ_TIMEOUT_MS)
      try {
        await stream.close({ signal: closing.signal })
      } finally {
        closing.end()
      }
    } catch (err) {
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: MAX_INBOUND_STREAMS, runOnLimitedConnection: true })
}

/** Send one frame on a new stream over `connection` and read the one-frame answer. */
export async function request (connection: Connection, protocol: string, frame: Uint8Array, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
  // the whole exchange within READ_TIMEOUT_MS, or the caller's abort; timer and listener are
  // removed at the end (AbortSignal.any and .timeout left both behind for the GC, per message)
  const scope = timeoutScope(READ_TIMEOUT_MS, options.signal)
  const { signal } = scope
  let stream: Stream
  try {
    stream = await connection.newStream(protocol, { signal, runOnLimitedConnection: true })
  } catch (err) {
    scope.end()
    throw err
  }
  try {
    // the frame's read and write time out by themselves (framing.ts); they take only the
    // caller's signal, not one more composite of it (each costs timers and listeners per message)
    const own = options.signal !== undefined ? { signal: options.signal } : {}
    const lp = framedStream(stream, { maxBytes: MAX_FRAME_BYTES, timeoutMs: READ_TIMEOUT_MS })
    await lp.write(frame, own)
    const answer = await lp.read(own)
    await stream.close({ signal }).catch(() => {})
    return answer
  } catch (err) {
    stream.abort(err as Error)
    throw new HearthError('UNREACHABLE', `${protocol} exchange with ${connection.remotePeer.toString()} failed: ${(err as Error).message}`, { cause: err })
  } finally {
    scope.end()
  }
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: false }).decode(b)
