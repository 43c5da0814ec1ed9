/**
 * The pieces under the relay work: the config keys, the libp2p internals Hearth relies on
 * (src/network/internals.ts), when the hop protocol is offered, when UPnP runs.
 */
import { describe, it, expect } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { startTestNode } from '../fixtures/node.ts'
import { defaultConfig, parseConfig } from '../../src/repo/config.ts'
import { libp2pInternals } from '../../src/network/internals.ts'
import { wantsUpnp } from '../../src/network/libp2p.ts'
import { RELAY_HOP_PROTOCOL } from '../../src/network/relay-service.ts'
import { isPublicAddr, relayOf } from '../../src/network/reachability.ts'
import type { HearthNode } from '../../src/node.ts'

const hop = async (n: HearthNode): Promise<{ handled: boolean, advertised: boolean }> => ({
  handled: n.network.libp2p.getProtocols().includes(RELAY_HOP_PROTOCOL),
  advertised: (await n.network.libp2p.peerStore.get(peerIdFromString(n.peerId))).protocols.includes(RELAY_HOP_PROTOCOL)
})

describe('relay setup', () => {
  it('config: relay, relayReservations and upnp have defaults and are checked strictly', () => {
    expect(defaultConfig().network).toMatchObject({ relay: 'auto', relayReservations: 2, upnp: true })
    const net = (network: object): unknown => ({ version: 1, network })
    expect(parseConfig(net({ relay: 'on', relayReservations: 0, upnp: false })).network).toMatchObject({ relay: 'on', relayReservations: 0, upnp: false })
    expect(() => parseConfig(net({ relay: 'sometimes' }))).toThrow(/network\.relay: must be one of auto, on, off/)
    expect(() => parseConfig(net({ relayReservations: 5 }))).toThrow(/network\.relayReservations: must be an integer from 0 to 4/)
    expect(() => parseConfig(net({ upnp: 'yes' }))).toThrow(/network\.upnp: must be true or false/)
  })

  it('refuses relay addresses in network.listen (reservations are made on chosen relays only)', async () => {
    await expect(startTestNode({ configure: c => { c.network.listen = ['/p2p-circuit']; return c } }))
      .rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('network.relayReservations') })
  })

  it('reaches the libp2p internals it relies on', async () => {
    const n = await startTestNode()
    const internals = libp2pInternals(n.network.libp2p)
    expect(internals.addressManager.getAddressesWithMetadata().length).toBeGreaterThan(0)
    expect(typeof internals.transportManager.listen).toBe('function')
  })

  it('offers the hop protocol only while it serves as a relay', async () => {
    // 'auto' on loopback: not publicly reachable, so no relay (and nobody is told there is one)
    const auto = await startTestNode()
    expect(await hop(auto)).toEqual({ handled: false, advertised: false })
    expect((await auto.status()).relayService).toMatchObject({ mode: 'auto', active: false })
    expect((await auto.status()).reachability).toBe('private')
    const on = await startTestNode({ configure: c => { c.network.relay = 'on'; return c } })
    expect(await hop(on)).toEqual({ handled: true, advertised: true })
    expect((await on.status()).relayService).toMatchObject({ mode: 'on', active: true })
    const off = await startTestNode({ configure: c => { c.network.relay = 'off'; return c } })
    expect(await hop(off)).toEqual({ handled: false, advertised: false })
    expect((await off.status()).relayService).toMatchObject({ mode: 'off', active: false, reservations: [] })
  })

  it('asks a router for a port mapping only for a fixed TCP port on a LAN address', () => {
    const net = (listen: string[], upnp = true) => ({ ...defaultConfig().network, listen, upnp })
    expect(wantsUpnp(net(['/ip4/0.0.0.0/tcp/4012']), 'tcp')).toBe(true)
    expect(wantsUpnp(net(['/ip4/192.168.1.10/tcp/4012']), 'tcp')).toBe(true)
    expect(wantsUpnp(net(['/ip4/0.0.0.0/tcp/4012'], false), 'tcp')).toBe(false)
    expect(wantsUpnp(net(['/ip4/0.0.0.0/tcp/0']), 'tcp')).toBe(false)
    expect(wantsUpnp(net(['/ip4/127.0.0.1/tcp/4012']), 'tcp')).toBe(false)
    expect(wantsUpnp(net(['/ip6/::/tcp/4012']), 'tcp')).toBe(false)
    expect(wantsUpnp(net(['/memory/x']), 'memory')).toBe(false)
  })

  it('tells public, relay and private addresses apart', () => {
    const relay = '12D3KooWMwiMo3uFMASwAxHtYZR3UnG11LVmseoXYViCHG5AtwzW'
    expect(isPublicAddr('/ip4/5.5.5.20/tcp/4012')).toBe(true)
    expect(isPublicAddr('/ip4/192.168.1.10/tcp/4012')).toBe(false)
    expect(isPublicAddr('/ip4/127.0.0.1/tcp/4012')).toBe(false)
    expect(isPublicAddr('/ip4/100.64.1.1/tcp/4012')).toBe(false) // carrier-grade NAT
    expect(isPublicAddr(`/ip4/5.5.5.10/tcp/4012/p2p/${relay}/p2p-circuit`)).toBe(false)
    expect(isPublicAddr('/memory/x')).toBe(false)
    expect(relayOf(`/ip4/5.5.5.10/tcp/4012/p2p/${relay}/p2p-circuit/p2p/12D3KooWDUNT1HV1ewZ9oRRa3g8rDKKu9B8x4bojESXEnJvn8NHd`)).toBe(relay)
    expect(relayOf('/ip4/5.5.5.10/tcp/4012')).toBeUndefined()
  })
})
