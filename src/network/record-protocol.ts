import { lpStream } from '@libp2p/utils'
import type { Connection, Stream } from '@libp2p/interface'
import { HearthError, invalidRecord } from '../errors.ts'
import { MAX_RECORD_BYTES, verifyDidRecord } from './did-record.ts'
import type { DidRecord } from './did-record.ts'
import type { HearthLibp2p } from './libp2p.ts'

/**
 * /vrm/record/1.0.0: the answering node sends its current signed DID record as one
 * length-prefixed frame and closes. A dialer learns (and can check) which DID the peer on the
 * other end of an authenticated connection speaks for: the record must list that PeerId.
 */
export const RECORD_PROTOCOL = '/vrm/record/1.0.0'
export const RECORD_TIMEOUT_MS = 5_000
const MAX_INBOUND_STREAMS = 16

export async function serveRecord (node: HearthLibp2p, current: () => Uint8Array | undefined): Promise<void> {
  await node.handle(RECORD_PROTOCOL, async (stream: Stream) => {
    const lp = lpStream(stream, { maxDataLength: MAX_RECORD_BYTES })
    const rec = current()
    if (rec === undefined) { stream.abort(new Error('no record yet')); return }
    await lp.write(rec, { signal: AbortSignal.timeout(RECORD_TIMEOUT_MS) })
    await stream.close({ signal: AbortSignal.timeout(RECORD_TIMEOUT_MS) })
  }, { maxInboundStreams: MAX_INBOUND_STREAMS, runOnLimitedConnection: true })
}

export interface FetchedRecord { record: DidRecord, bytes: Uint8Array }

/** Ask the peer on `connection` for its record; verify it and that it lists that peer. */
export async function fetchRecord (connection: Connection, options: { expectedDid?: string, signal?: AbortSignal } = {}): Promise<FetchedRecord> {
  const signal = anySignal(options.signal, AbortSignal.timeout(RECORD_TIMEOUT_MS))
  const stream = await connection.newStream(RECORD_PROTOCOL, { signal, runOnLimitedConnection: true })
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_RECORD_BYTES })
    const bytes = (await lp.read({ signal })).subarray()
    await stream.close({ signal }).catch(() => {})
    const record = verifyDidRecord(bytes, options.expectedDid)
    const peer = connection.remotePeer.toString()
    if (!record.devices.some(d => d.peerId === peer)) throw invalidRecord(`peer ${peer} is not a device of ${record.did}`)
    return { record, bytes }
  } catch (err) {
    stream.abort(err as Error)
    if (err instanceof HearthError) throw err
    throw new HearthError('UNREACHABLE', `could not read the DID record of ${connection.remotePeer.toString()}: ${(err as Error).message}`, { cause: err })
  }
}

export function anySignal (...signals: Array<AbortSignal | undefined>): AbortSignal {
  return AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined))
}
