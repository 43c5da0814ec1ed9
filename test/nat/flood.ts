/**
 * A contact that abuses a friend's relay: it connects through the relay to an accomplice that
 * swallows anything (so that nothing but the relay can stop it) and pushes junk as fast as the
 * streams take it, reconnecting whenever the relay resets the circuit, until `bytes` went out,
 * the relay refuses it, or `ms` passed. Used in-process by test/nat/relay.test.ts and as a
 * process in the lab (test/nat/flood-main.ts).
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { HearthNode } from '../../src/node.ts'

export const SINK_PROTOCOL = '/hearth-test/sink/1.0.0'

/** The accomplice: read and drop everything, over relayed connections too; counts what arrived. */
export async function serveSink (node: HearthNode): Promise<{ received: () => number }> {
  let received = 0
  await node.network.libp2p.handle(SINK_PROTOCOL, (stream: Stream) => {
    stream.addEventListener('message', (evt: any) => { received += evt.data.byteLength as number })
    stream.addEventListener('remoteCloseWrite', () => { void stream.close().catch(() => {}) })
  }, { runOnLimitedConnection: true, maxInboundStreams: 16 })
  return { received: () => received }
}

export interface FloodResult {
  /** bytes handed to relayed streams (more than went out: a reset stream drops what it still held) */
  sent: number
  /** relayed connections opened */
  circuits: number
  /** why it stopped: 'done', 'timeout', or the error of the last reconnect */
  stopped: string
  ms: number
}

const CHUNK = 16 * 1024

export async function flood (attacker: HearthNode, targetDid: string, options: { bytes: number, ms: number }): Promise<FloodResult> {
  const t0 = Date.now()
  const junk = new Uint8Array(CHUNK).fill(0x55)
  let sent = 0
  let circuits = 0
  let stopped = 'done'
  while (sent < options.bytes) {
    if (Date.now() - t0 > options.ms) { stopped = 'timeout'; break }
    let conn: Connection | undefined
    try {
      const r = await attacker.connect(targetDid, { signal: AbortSignal.timeout(10_000) })
      conn = attacker.network.libp2p.getConnections().find(c => c.remotePeer.toString() === r.peerId && c.status === 'open' && c.remoteAddr.toString().includes('/p2p-circuit'))
      if (conn === undefined) { stopped = `not relayed: ${r.remoteAddr}`; break }
      circuits++
    } catch (err) {
      stopped = (err as Error).message
      break
    }
    const c = conn
    // push on a few streams at once until the circuit dies
    await Promise.all([0, 1, 2, 3].map(async () => {
      try {
        const stream = await c.newStream(SINK_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(5_000) })
        while (sent < options.bytes && stream.status === 'open' && stream.writeStatus === 'writable' && c.status === 'open' && Date.now() - t0 < options.ms) {
          const more = stream.send(junk)
          sent += CHUNK
          if (!more) await stream.onDrain({ signal: AbortSignal.timeout(5_000) })
          // send() also says true while it is busy sending, and only queues: keep the queue short
          while (stream.writeBufferLength > 4 * CHUNK && stream.status === 'open') await new Promise(resolve => setTimeout(resolve, 1))
          await new Promise(resolve => setImmediate(resolve))
        }
        stream.abort(new Error('done'))
      } catch {}
    }))
    await c.close().catch(() => {})
  }
  return { sent, circuits, stopped, ms: Date.now() - t0 }
}
