/**
 * A plain libp2p node with the transports and services Hearth uses (src/network/libp2p.ts),
 * and nothing of Hearth: no DID records, no LevelDB store, no Hearth protocols. Imports only
 * libp2p, so the idle-RSS child that uses it loads no Hearth module.
 */
import { randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { Libp2p } from '@libp2p/interface'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'

export type RawNode = Libp2p<{ identify: Identify, ping: Ping, dht: KadDHT, pubsub?: GossipSub }>

/** Not Hearth's /vrm/kad: the raw DHT is a network of its own, with a trivial record namespace. */
export const RAW_DHT_PROTOCOL = '/hearth-bench/kad/1.0.0'
export const RAW_NAMESPACE = 'bench'

export interface RawNodeOptions {
  /**
   * ping streams allowed per connection, each way (@libp2p/ping's defaults are 1 out, 2 in).
   * The ping floor raises them: now and then a finished ping stream stays listed for seconds,
   * and libp2p's connection monitor pings on the same protocol, so back-to-back pings would
   * now and then be refused.
   */
  pingStreams?: number
  /** add gossipsub as Hearth runs it (StrictNoSign, publish with no subscriber allowed): the intentcast floor */
  gossipsub?: boolean
}

export async function createRawNode (transport: 'tcp' | 'memory', options: RawNodeOptions = {}): Promise<RawNode> {
  return await createLibp2p({
    addresses: { listen: [transport === 'memory' ? `/memory/raw-bench-${randomBytes(8).toString('hex')}` : '/ip4/127.0.0.1/tcp/0'] },
    transports: transport === 'memory' ? [memory()] : [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxInboundStreams: 256, streamOptions: { maxReadBufferLength: 1 << 20 } } as any)],
    connectionManager: { maxConnections: 100, inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 10 },
    services: {
      ...(options.gossipsub === true ? { pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, allowPublishToZeroTopicPeers: true, ignoreDuplicatePublishError: true, emitSelf: false, fallbackToFloodsub: false } as any) } : {}),
      identify: identify(),
      ping: ping(options.pingStreams !== undefined ? { maxOutboundStreams: options.pingStreams, maxInboundStreams: options.pingStreams } : {}),
      dht: kadDHT({
        protocol: RAW_DHT_PROTOCOL,
        clientMode: false,
        peerInfoMapper: passthroughMapper,
        validators: { [RAW_NAMESPACE]: async () => {} },
        selectors: { [RAW_NAMESPACE]: () => 0 }
      } as any)
    }
  }) as unknown as RawNode
}

export function dhtTableSize (node: Libp2p<{ dht: KadDHT }>): number {
  return (node.services.dht as unknown as { routingTable?: { size: number } }).routingTable?.size ?? 0
}

/**
 * Close every connection between two nodes (both directions) and wait until both sides see
 * them gone, so that the next contact between them starts with a fresh dial. Returns whether
 * they were connected.
 */
export async function separate (a: Libp2p, b: Libp2p): Promise<boolean> {
  const linked = (): boolean => a.getConnections(b.peerId).length > 0 || b.getConnections(a.peerId).length > 0
  if (!linked()) return false
  await Promise.all([a.hangUp(b.peerId), b.hangUp(a.peerId)])
  const end = Date.now() + 5_000
  while (linked()) {
    if (Date.now() > end) throw new Error('connections did not close within 5 s')
    await new Promise(resolve => setTimeout(resolve, 2))
  }
  return true
}
