import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { mdns } from '@libp2p/mdns'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { Libp2p, PrivateKey, PeerDiscovery } from '@libp2p/interface'
import type { LevelDatastore } from 'datastore-level'
import type { NetworkConfig } from '../repo/config.ts'
import { RECORD_NAMESPACE, selectRecord } from './did-record.ts'
import type { RecordValidator } from './record-validator.ts'

/** Our own DHT, so our records and routing stay apart from IPFS (DESIGN.md section 4). */
export const DHT_PROTOCOL = '/vrm/kad/1.0.0'
/** Our own mDNS service tag, so IPFS nodes on the LAN are ignored. */
export const MDNS_SERVICE_TAG = '_hearth-vrm._udp.local'

export type HearthLibp2p = Libp2p<{ identify: Identify, ping: Ping, dht: KadDHT }>

export interface Libp2pInit {
  privateKey: PrivateKey
  datastore: LevelDatastore
  network: NetworkConfig
  /** 'memory' for in-process test networks and benchmarks */
  transport: 'tcp' | 'memory'
  validator: RecordValidator
}

export async function createHearthLibp2p (init: Libp2pInit): Promise<HearthLibp2p> {
  const { network } = init
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (network.mdns && init.transport === 'tcp') peerDiscovery.push(mdns({ serviceTag: MDNS_SERVICE_TAG, interval: 10_000 }))

  return await createLibp2p({
    privateKey: init.privateKey,
    datastore: init.datastore,
    addresses: {
      listen: network.listen,
      announce: network.announce
    },
    transports: init.transport === 'memory' ? [memory()] : [tcp()],
    connectionEncrypters: [noise()],
    // A Pi cannot buffer 1,000 streams x 4 MiB per connection (libp2p-engineering.md s7).
    streamMuxers: [yamux({ maxInboundStreams: 256, streamOptions: { maxReadBufferLength: 1 << 20 } } as any)],
    connectionManager: {
      maxConnections: network.maxConnections,
      inboundConnectionThreshold: network.inboundConnectionThreshold,
      maxIncomingPendingConnections: 10
    },
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: network.dhtMode === 'auto' ? undefined : network.dhtMode === 'client',
        peerInfoMapper: network.privateAddresses ? passthroughMapper : removePrivateAddressesMapper,
        validators: { [RECORD_NAMESPACE]: init.validator.validate },
        selectors: { [RECORD_NAMESPACE]: selectRecord }
      } as any)
    }
  }) as unknown as HearthLibp2p
}
