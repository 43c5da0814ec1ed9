import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { mdns } from '@libp2p/mdns'
import { kadDHT, passthroughMapper, removePrivateAddressesMapper } from '@libp2p/kad-dht'
import { circuitRelayTransport, circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { dcutr } from '@libp2p/dcutr'
import { autoNATv2 } from '@libp2p/autonat-v2'
import { uPnPNAT } from '@libp2p/upnp-nat'
import { gossipsub, StrictNoSign } from '@libp2p/gossipsub'
import type { GossipSub } from '@libp2p/gossipsub'
import { isLoopback } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p, PrivateKey, PeerDiscovery } from '@libp2p/interface'
import type { LevelDatastore } from 'datastore-level'
import type { NetworkConfig } from '../repo/config.ts'
import { invalidConfig } from '../errors.ts'
import { RECORD_NAMESPACE, selectRecord } from './did-record.ts'
import type { RecordValidator } from './record-validator.ts'
import { RELAY_HOP_PROTOCOL } from './relay-service.ts'
import type { RelayGate, RelayLimits } from './relay-service.ts'

/** Our own DHT, so our records and routing stay apart from IPFS (DESIGN.md section 4). */
export const DHT_PROTOCOL = '/vrm/kad/1.0.0'
/** Our own mDNS service tag, so IPFS nodes on the LAN are ignored. */
export const MDNS_SERVICE_TAG = '_hearth-vrm._udp.local'

/** The shortest time libp2p's connection monitor waits for a ping answer before it aborts a connection (libp2p: 5 s). */
export const CONNECTION_PING_MIN_TIMEOUT_MS = 20_000
/** concurrent /ipfs/ping/1.0.0 streams per connection, each way (libp2p: 2 in, 1 out) */
const PING_STREAMS = 8

export type HearthLibp2p = Libp2p<{ identify: Identify, ping: Ping, dht: KadDHT, pubsub: GossipSub, relay?: CircuitRelayService }>

export interface Libp2pInit {
  privateKey: PrivateKey
  datastore: LevelDatastore
  network: NetworkConfig
  /** 'memory' for in-process test networks and benchmarks */
  transport: 'tcp' | 'memory'
  validator: RecordValidator
  /** connection gater hooks of the relay service (reservations for contacts only) */
  relayGate: RelayGate
  relayLimits: RelayLimits
  /** the only gossipsub topics this node takes part in (src/intentcast/topics.ts) */
  pubsubTopics: string[]
  /** largest gossipsub RPC frame accepted */
  pubsubMaxFrameBytes: number
}

/**
 * UPnP only makes sense for TCP on a LAN address and a fixed port: not on loopback-only or
 * in-process memory networks, and not for a port the system picks at each start (/tcp/0),
 * whose mapping would be stale on the router after a restart (and test networks listen there:
 * they must never ask a real router on the LAN for a mapping).
 */
export function wantsUpnp (network: NetworkConfig, transport: 'tcp' | 'memory'): boolean {
  if (!network.upnp || transport !== 'tcp') return false
  return network.listen.some(a => {
    try {
      const ma = multiaddr(a)
      return a.startsWith('/ip4/') && !isLoopback(ma) && !/\/tcp\/0(\/|$)/.test(a)
    } catch { return false }
  })
}

/**
 * The relay server registers the hop protocol when libp2p starts; take it off again at once, so
 * that peers never see a hop protocol we do not serve: src/network/relay-service.ts registers
 * its own (counting) handler while this node serves as a relay.
 */
function quietRelayServer (factory: (components: any) => CircuitRelayService): (components: any) => CircuitRelayService {
  return components => {
    const server = factory(components) as CircuitRelayService & { start (): Promise<void> }
    const start = server.start.bind(server)
    server.start = async () => {
      await start()
      await components.registrar.unhandle(RELAY_HOP_PROTOCOL)
    }
    return server
  }
}

export async function createHearthLibp2p (init: Libp2pInit): Promise<HearthLibp2p> {
  const { network, relayLimits: limits } = init
  // relay reservations are made by src/network/relay-client.ts, on relays we chose
  const circuit = network.listen.find(a => a.includes('/p2p-circuit'))
  if (circuit !== undefined) throw invalidConfig('network.listen', `${circuit}: relay addresses are not listened on by hand; set network.relayReservations instead`)
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (network.mdns && init.transport === 'tcp') peerDiscovery.push(mdns({ serviceTag: MDNS_SERVICE_TAG, interval: network.mdnsIntervalMs }))

  return await createLibp2p({
    privateKey: init.privateKey,
    datastore: init.datastore,
    addresses: {
      listen: network.listen,
      announce: network.announce
    },
    transports: [
      init.transport === 'memory' ? memory() : tcp(),
      // dial relay addresses, accept relayed connections; one stop stream per relayed connection
      circuitRelayTransport({ maxInboundStopStreams: 64, maxOutboundStopStreams: limits.maxCircuitsToPeer, reservationCompletionTimeout: 10_000 })
    ],
    connectionEncrypters: [noise()],
    // A Pi cannot buffer 1,000 streams x 4 MiB per connection (libp2p-engineering.md s7).
    streamMuxers: [yamux({ maxInboundStreams: 256, streamOptions: { maxReadBufferLength: 1 << 20 } } as any)],
    connectionManager: {
      maxConnections: network.maxConnections,
      inboundConnectionThreshold: network.inboundConnectionThreshold,
      maxIncomingPendingConnections: 10
    },
    // libp2p pings every connection each 10 s (/ipfs/ping/1.0.0) and aborts it when an answer
    // takes longer than an adaptive timeout of at least 5 s, or when the previous ping is still
    // running (ping allows one outbound stream): a busy Raspberry Pi, or a friend's relay under
    // load, then loses every connection, and relay reservations and relayed connections with
    // them (seen in the NAT lab). A longer floor, and room for overlapping pings (see `ping`
    // below); dead connections are still found within half a minute.
    connectionMonitor: { pingTimeout: { minTimeout: CONNECTION_PING_MIN_TIMEOUT_MS } },
    connectionGater: {
      denyInboundRelayReservation: async peer => init.relayGate.denyInboundRelayReservation(peer),
      denyOutboundRelayedConnection: async (source, destination) => init.relayGate.denyOutboundRelayedConnection(source, destination)
    },
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping({ maxInboundStreams: PING_STREAMS, maxOutboundStreams: PING_STREAMS }),
      // AutoNAT v2: v1's dial-back closes the very connection a relay reservation lives on
      autoNAT: autoNATv2(),
      dcutr: dcutr(),
      ...(wantsUpnp(network, init.transport) ? { upnp: uPnPNAT({ autoConfirmAddress: true }) } : {}),
      ...(network.relay !== 'off'
        ? {
            relay: quietRelayServer(circuitRelayServer({
              hopTimeout: limits.hopTimeoutMs,
              maxInboundHopStreams: limits.maxCircuitsPerConnection,
              maxOutboundStopStreams: limits.maxCircuitsToPeer,
              reservations: {
                maxReservations: limits.maxReservations,
                applyDefaultLimit: true,
                defaultDataLimit: limits.dataPerCircuit,
                defaultDurationLimit: limits.durationPerCircuitMs
              }
            }))
          }
        : {}),
      // Intentcasting (DESIGN.md section 7): StrictNoSign, so a message carries no author PeerId,
      // seqno or key, and its id is the hash of its data (every intentcast message has a random
      // jti). Only our own topics exist here, which bounds what a peer can make us track.
      pubsub: gossipsub({
        globalSignaturePolicy: StrictNoSign,
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        fallbackToFloodsub: false,
        allowedTopics: new Set(init.pubsubTopics),
        maxInboundDataLength: init.pubsubMaxFrameBytes,
        maxTopicBytesPerPeer: init.pubsubTopics.length * 1200 + 4096,
        messageProcessingConcurrency: 16
      } as any),
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
