import { randomBytes } from 'node:crypto'
import { lpStream, RateLimiter } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { HearthError } from '../errors.ts'
import type { HearthLibp2p } from './libp2p.ts'
import { anySignal } from './record-protocol.ts'

/**
 * /vrm/ping/1.0.0: the dialer sends length-prefixed frames of 1 to 64 bytes, the answering node
 * echoes each one; either side may close. A Hearth-level round trip that works before a direct
 * path exists (over a relay).
 *
 * The pattern for every Hearth protocol that must work over relayed (limited) connections:
 * - handle() and newStream()/dialProtocol() both with `runOnLimitedConnection: true`
 *   (without it libp2p refuses to open the stream on a relayed connection);
 * - small messages (a relay for friends resets a connection after
 *   DEFAULT_RELAY_LIMITS.dataPerCircuit bytes, src/network/relay-service.ts), `maxDataLength`
 *   on every lpStream, a small `maxInboundStreams`, a read timeout per message;
 * - a per-peer rate limit, so that a peer cannot make us echo a flood back through a relay.
 */
export const PING_PROTOCOL = '/vrm/ping/1.0.0'
export const PING_MAX_BYTES = 64
export const PING_TIMEOUT_MS = 10_000
const MAX_INBOUND_STREAMS = 2
/** frames per peer per second; over it the stream is reset */
export const PINGS_PER_SECOND = 50

export async function servePing (node: HearthLibp2p): Promise<void> {
  const limiter = new RateLimiter({ points: PINGS_PER_SECOND, duration: 1 })
  await node.handle(PING_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const lp = lpStream(stream, { maxDataLength: PING_MAX_BYTES })
    const peer = connection.remotePeer.toString()
    try {
      while (true) {
        const frame = await lp.read({ signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
        limiter.consume(peer)
        await lp.write(frame, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) })
      }
    } catch (err) {
      // the dialer closing its side ends the loop; anything else resets the stream
      if ((err as Error).name === 'UnexpectedEOFError' || stream.readStatus !== 'readable') {
        await stream.close({ signal: AbortSignal.timeout(PING_TIMEOUT_MS) }).catch(() => { stream.abort(err as Error) })
      } else {
        stream.abort(err as Error)
      }
    }
  }, { maxInboundStreams: MAX_INBOUND_STREAMS, runOnLimitedConnection: true })
}

/** One round trip on `connection` (a new stream each time); resolves to milliseconds. */
export async function ping (connection: Connection, options: { signal?: AbortSignal } = {}): Promise<number> {
  const signal = anySignal(options.signal, AbortSignal.timeout(PING_TIMEOUT_MS))
  const stream = await connection.newStream(PING_PROTOCOL, { signal, runOnLimitedConnection: true })
  try {
    const lp = lpStream(stream, { maxDataLength: PING_MAX_BYTES })
    const nonce = randomBytes(32)
    const t0 = performance.now()
    await lp.write(nonce, { signal })
    const echo = (await lp.read({ signal })).subarray()
    const ms = performance.now() - t0
    if (Buffer.compare(Buffer.from(echo), nonce) !== 0) throw new Error('the echo differs from what was sent')
    await stream.close({ signal }).catch(() => {})
    return ms
  } catch (err) {
    stream.abort(err as Error)
    throw new HearthError('UNREACHABLE', `ping to ${connection.remotePeer.toString()} failed: ${(err as Error).message}`, { cause: err })
  }
}
