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

export type HearthLibp2p = Libp2p<{ identify: Identify, ping: Ping, dht: KadDHT, relay?: CircuitRelayService }>

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
}

/**
 * UPnP only makes sense on TCP over a LAN address: not on loopback-only test networks nor on
 * in-process memory networks (where it would search the real LAN for a router).
 */
export function wantsUpnp (network: NetworkConfig, transport: 'tcp' | 'memory'): boolean {
  if (!network.upnp || transport !== 'tcp') return false
  return network.listen.some(a => {
    try { return a.startsWith('/ip4/') && !isLoopback(multiaddr(a)) } catch { return false }
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
  if (network.mdns && init.transport === 'tcp') peerDiscovery.push(mdns({ serviceTag: MDNS_SERVICE_TAG, interval: 10_000 }))

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
    connectionGater: {
      denyInboundRelayReservation: async peer => init.relayGate.denyInboundRelayReservation(peer),
      denyOutboundRelayedConnection: async (source, destination) => init.relayGate.denyOutboundRelayedConnection(source, destination)
    },
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping(),
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
