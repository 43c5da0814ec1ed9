/**
 * The NAT lab (issue #5), root only. Real `hearth start` processes in network namespaces:
 *
 *   friend  5.5.5.10  public address (announced): DHT server, relay for its contacts
 *   alice   192.168.1.10 behind router 5.5.5.20 (nftables masquerade; miniupnpd from (c) on)
 *   bob     192.168.2.10 behind router 5.5.5.30 (nftables masquerade)
 *   stranger 192.168.3.10 behind router 5.5.5.40: bootstraps to the friend, is not its contact
 *   mallory + accomplice 5.5.5.50 (test/nat/flood-main.ts): contacts of the friend, listen nowhere
 *
 * Each daemon is driven through its admin API from inside its namespace (test/nat/api-agent.ts).
 * (b) makes a real agreement (SD-BASE, sharing alice's email) between the homes while their only
 * path is the friend's relay: alice proposes by DID, bob accepts, both reach active.
 * Every namespace, veth, process and file is removed afterwards, also when a step fails; a lab
 * whose process died is removed by the next run. Skipped (with the reason in its name) unless
 * root with ip, nft and miniupnpd (.ci/run installs them); run alone with
 *   sudo npx vitest run test/nat/lab.test.ts
 * It prints how long each step took. About 30 s on a 2-core machine.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { createInterface } from 'node:readline'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NatLab, labSkipReason, removeStaleLabs, sh } from './netns.ts'
import type { Home, Host } from './netns.ts'
import { Agent, LabDaemon, LAB_PASSPHRASE, P2P_PORT, hearthCli, labConfig, rss } from './lab-node.ts'
import { DEFAULT_RELAY_LIMITS } from '../../src/network/relay-service.ts'

const skip = labSkipReason()
const timings: Record<string, number> = {}
const waitFor = async (what: string, cond: () => Promise<boolean>, ms = 30_000): Promise<number> => {
  const t0 = Date.now()
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  return Date.now() - t0
}
const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const t0 = Date.now()
  try { return await fn() } finally { timings[name] = Date.now() - t0 }
}

interface FloodEvent { event: string, [k: string]: any }

describe.skipIf(skip !== undefined)(`NAT lab: homes behind NAT reach each other by DID${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  const labStarted = Date.now()
  let dir: string
  let lab: NatLab
  let friend: LabDaemon, alice: LabDaemon, bob: LabDaemon, stranger: LabDaemon
  let aliceHome: Home
  let bobHome: Home
  let strangerHome: Home
  let floodHost: Host
  let flooder: ChildProcess
  let floodEvents: AsyncIterator<string>
  let mallory: { did: string, peerId: string }
  let accomplice: { did: string, peerId: string }

  const floodCommand = async (line: string, expect: string): Promise<FloodEvent> => {
    flooder.stdin!.write(line + '\n')
    const next = await Promise.race([floodEvents.next(), new Promise<never>((_r, reject) => setTimeout(() => { reject(new Error(`flooder: no answer to ${line}`)) }, 60_000))])
    const ev = JSON.parse(next.value as string) as FloodEvent
    if (ev.event !== expect) throw new Error(`flooder answered ${JSON.stringify(ev)} to ${line}`)
    return ev
  }

  /** reserved on the friend, and the DID record that lists the relay address is out */
  const reserved = async (d: LabDaemon): Promise<boolean> => {
    const s = await d.status()
    return s.relays?.some(r => r.peerId === friend.peerId && r.status === 'reserved') === true &&
      s.record.publishedAt !== undefined && s.record.addresses?.some(a => a.includes(`/p2p/${friend.peerId}/p2p-circuit`)) === true
  }

  beforeAll(async () => {
    const stale = removeStaleLabs()
    if (stale.length > 0) console.log(`removed ${stale.length} namespaces an earlier lab left behind`)
    dir = await mkdtemp(join(tmpdir(), 'hearth-lab-'))
    await writeFile(join(dir, 'passphrase'), LAB_PASSPHRASE + '\n', { mode: 0o600 })
    lab = new NatLab(dir)
    let f!: Host
    await timed('setup: namespaces, veths, nftables', async () => {
      lab.start()
      f = lab.publicHost('f', '5.5.5.10')
      strangerHome = lab.home('s', '5.5.5.40', 3)
      floodHost = lab.publicHost('m', '5.5.5.50')
      aliceHome = lab.home('a', '5.5.5.20', 1)
      bobHome = lab.home('b', '5.5.5.30', 2)
    })
    await timed('setup: four hearth daemons started', async () => {
      friend = await LabDaemon.create('friend', lab, f, new Agent(lab, f), labConfig(c => { c.network.announce = [`/ip4/5.5.5.10/tcp/${P2P_PORT}`] }))
      await friend.start()
      const boot = labConfig(c => { c.network.bootstrap = [friend.addr] })
      alice = await LabDaemon.create('alice', lab, aliceHome, new Agent(lab, aliceHome), boot)
      bob = await LabDaemon.create('bob', lab, bobHome, new Agent(lab, bobHome), boot)
      stranger = await LabDaemon.create('stranger', lab, strangerHome, new Agent(lab, strangerHome), boot)
      await Promise.all([alice.start(), bob.start(), stranger.start()])
    })

    await timed('setup: the flooder process', async () => {
      flooder = lab.spawn(floodHost, process.execPath, [new URL('./flood-main.ts', import.meta.url).pathname, join(dir, 'flood'), friend.addr, friend.did])
      floodEvents = createInterface({ input: flooder.stdout! })[Symbol.asyncIterator]()
      const ready = JSON.parse((await floodEvents.next()).value as string) as FloodEvent
      mallory = ready.mallory
      accomplice = ready.accomplice
    })

    // friends: the friend adds each (they are connected, as their bootstrap peer), and each adds the friend
    await timed('setup: friendships and relay reservations', async () => {
      for (const did of [alice.did, bob.did, mallory.did, accomplice.did]) await friend.connect(did)
      await alice.connect(friend.did)
      await bob.connect(friend.did)
      await floodCommand('befriend', 'befriended')
      timings['reservation + record published (alice, after the friendship)'] = await waitFor('alice reserved', async () => await reserved(alice))
      await waitFor('bob reserved', async () => await reserved(bob))
    })
  }, 180_000)

  afterAll(async () => {
    try { flooder?.stdin?.write('stop\n') } catch {}
    await lab?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    const left = lab === undefined ? [] : sh('ip', ['netns', 'list']).split('\n').filter(l => l.startsWith(lab.prefix))
    if (left.length > 0) console.error(`NAT lab: could not remove ${left.join(', ')}`)
    timings['whole lab, setup to teardown'] = Date.now() - labStarted
    console.log('NAT lab timings (ms):\n' + Object.entries(timings).map(([k, v]) => `  ${String(v).padStart(6)}  ${k}`).join('\n'))
  }, 60_000)

  it('(a) bob reaches alice by her DID alone, through the friend\'s relay', async () => {
    expect((await alice.status()).reachability).toBe('relayed')
    const r = await timed('(a) bob connect(alice DID): DHT record + dial through the relay', async () => await bob.connect(alice.did))
    expect(r).toMatchObject({ did: alice.did, peerId: alice.peerId, via: 'dht' })
    expect(r.remoteAddr).toBe(`/ip4/5.5.5.10/tcp/${P2P_PORT}/p2p/${friend.peerId}/p2p-circuit/p2p/${alice.peerId}`)
    expect(await bob.peers()).toContainEqual(expect.objectContaining({
      peerId: alice.peerId, did: alice.did, path: 'relayed', limited: true, relay: { peerId: friend.peerId, did: friend.did }
    }))
    // what a person sees
    const peers = await hearthCli(lab, bobHome, ['--repo', bob.repo, 'peers'])
    expect(peers.stdout).toMatch(new RegExp(`${alice.peerId}\\s+${alice.did}\\s+relayed via ${friend.did}`))
    const status = await hearthCli(lab, aliceHome, ['--repo', alice.repo, 'status'])
    expect(status.stdout).toContain('Reachable    through relays only (behind NAT)')
    expect(status.stdout).toContain(`Relays       ${friend.did}: reserved`)
  }, 60_000)

  it('(b) they complete a Hearth protocol round trip, and an agreement, through the relay', async () => {
    // connect() to a DID already connected re-reads its signed record over that connection:
    // /vrm/record/1.0.0, a request and a signed answer through the relay
    const again = await timed('(b) bob -> alice record round trip over the relayed connection', async () => await bob.connect(alice.did))
    expect(again).toMatchObject({ via: 'connected', peerId: alice.peerId })
    expect(again.remoteAddr).toContain('/p2p-circuit')
    // alice never met bob by DID: she finds him among her connections (or in the DHT) and reads his record over the relay
    const back = await timed('(b) alice -> bob record round trip over the same connection', async () => await alice.connect(bob.did))
    expect(back).toMatchObject({ did: bob.did, via: expect.stringMatching(/^(connected|dht)$/) })
    expect(back.remoteAddr).toContain('/p2p-circuit')
    timings['(b) round trip as measured by connect (ms field)'] = again.ms

    // the agreement itself, by DID, while the only path between the homes is the friend's relay
    const relayed = async (): Promise<void> => {
      expect(await bob.peers()).toContainEqual(expect.objectContaining({ peerId: alice.peerId, path: 'relayed', relay: expect.objectContaining({ peerId: friend.peerId }) }))
      expect(await alice.peers()).toContainEqual(expect.objectContaining({ peerId: bob.peerId, path: 'relayed', relay: expect.objectContaining({ peerId: friend.peerId }) }))
    }
    await relayed()
    await alice.ok('POST', '/v1/profile', { set: { email: 'alice@example.org' } })
    const agreementOf = async (d: LabDaemon, id: string): Promise<any> => {
      const a = await d.api('GET', `/v1/agreements/${id}`)
      if (a.status === 404) return undefined
      if (a.status >= 300) throw new Error(`${d.name} GET /v1/agreements/${id}: ${a.status} ${JSON.stringify(a.body)}`)
      return a.body
    }
    const show = async (id: string): Promise<string> => JSON.stringify({ alice: await agreementOf(alice, id), bob: await agreementOf(bob, id) })
    const t0 = Date.now()
    const proposed = await alice.ok('POST', '/v1/agreements', { to: bob.did, termId: 'SD-BASE', share: ['email'], validForSeconds: 3600 }) as { id: string, state: string }
    expect(proposed).toMatchObject({ state: 'proposed', awaiting: 'them', counterparty: bob.did })
    const id = proposed.id
    timings['(b) agreement: proposal reaches bob, awaiting him'] = await waitFor(`bob to hold the proposal ${id}`, async () => (await agreementOf(bob, id))?.awaiting === 'us', 20_000)
    // the state moves when alice acknowledges; until then the acceptance is pending in bob's outbox
    expect(await bob.ok('POST', `/v1/agreements/${id}/accept`, {})).toMatchObject({ id, pending: [expect.objectContaining({ kind: 'vrm.AgreementAcceptance' })] })
    await waitFor(`both sides active, bob holding her email ${await show(id)}`, async () => {
      const [a, b] = await Promise.all([agreementOf(alice, id), agreementOf(bob, id)])
      return a?.state === 'active' && b?.state === 'active' && b?.held?.fields?.email === 'alice@example.org'
    }, 20_000).catch(async err => { throw new Error(`${(err as Error).message}; now ${await show(id)}`) })
    timings['(b) agreement over the relay: propose -> both active, email held'] = Date.now() - t0
    const [a, b] = await Promise.all([agreementOf(alice, id), agreementOf(bob, id)])
    expect(a).toMatchObject({ id, role: 'proposer', counterparty: bob.did, state: 'active', awaiting: 'none', terms: expect.objectContaining({ termId: 'SD-BASE', share: ['email'] }) })
    expect(b).toMatchObject({ id, counterparty: alice.did, state: 'active', awaiting: 'none', held: expect.objectContaining({ fields: { email: 'alice@example.org' } }) })
    expect(await alice.ok('GET', '/v1/ledger/verify')).toMatchObject({ ok: true })
    expect(await bob.ok('GET', '/v1/ledger/verify')).toMatchObject({ ok: true })
    // still the relay: nothing upgraded the connection underneath the agreement
    await relayed()
  }, 90_000)

  it('(d) a stranger that is not a contact of the friend is refused a relay reservation', async () => {
    await waitFor('the stranger to be refused', async () => (await stranger.status()).relays?.some(r => r.status === 'refused') === true)
    const s = await stranger.status()
    expect(s.reachability).toBe('private')
    expect(s.relays).toEqual([expect.objectContaining({ peerId: friend.peerId, status: 'refused', error: expect.stringMatching(/permission denied/) })])
    expect(s.record.addresses?.some(a => a.includes('/p2p-circuit'))).toBe(false)
    const f = await friend.status()
    expect(f.reachability).toBe('public')
    expect(f.publicAddresses).toEqual([{ address: `/ip4/5.5.5.10/tcp/${P2P_PORT}`, source: 'announce' }])
    expect(f.relayService).toMatchObject({ mode: 'auto', active: true })
    expect(f.relayService?.recentRefusals).toContainEqual(expect.objectContaining({ peerId: stranger.peerId, reason: 'not a contact' }))
    const reservations = f.relayService?.reservations.map(r => r.peerId)
    expect(reservations).toEqual(expect.arrayContaining([alice.peerId, bob.peerId, accomplice.peerId, mallory.peerId]))
    expect(reservations).not.toContain(stranger.peerId)
  }, 60_000)

  it('relay abuse: a contact that floods through the relay is cut off, and the friend\'s memory stays bounded', async () => {
    const budget = DEFAULT_RELAY_LIMITS.abuseBytesPerWindow
    const attempt = 64 * budget
    const before = friend.rssKb()
    let peak = before
    const sampler = setInterval(() => { try { peak = Math.max(peak, rss(friend.pid)) } catch {} }, 50)
    let result: FloodEvent
    try {
      result = await timed('flood: mallory pushes junk through the relay until cut off', async () => await floodCommand(`flood ${attempt} 30000`, 'flooded'))
    } finally {
      clearInterval(sampler)
    }
    expect(result.stopped).toMatch(/PERMISSION_DENIED/)
    expect(result.received).toBeLessThan(budget + 2 * Number(DEFAULT_RELAY_LIMITS.dataPerCircuit))
    const f = await friend.status()
    expect(f.relayService?.cutOff).toContainEqual(expect.objectContaining({ peerId: mallory.peerId, did: mallory.did, reason: expect.stringMatching(/bytes through the relay/) }))
    // mallory tried to push 256 MiB; the friend's resident memory grew by a small fraction of it
    const grewMiB = (peak - before) / 1024
    timings['flood: friend RSS growth (MiB, peak - before)'] = Math.round(grewMiB)
    timings['flood: bytes that reached the accomplice (KiB)'] = Math.round(result.received / 1024)
    expect(grewMiB).toBeLessThan(48)
    // and the relay still serves the others
    const r = await bob.connect(alice.did)
    expect(r.remoteAddr).toContain('/p2p-circuit')
  }, 90_000)

  it('(c) when alice\'s router does UPnP, the homes connect directly', async () => {
    expect(await alice.stop()).toBe(0)
    await lab.upnp(aliceHome)
    await alice.start()
    timings['(c) alice start -> UPnP mapping confirmed (public, DHT server)'] = await waitFor('alice to be public through UPnP', async () => {
      const s = await alice.status()
      return s.reachability === 'public' && s.dht.mode === 'server' && s.record.publishedAt !== undefined && s.record.addresses?.includes(`/ip4/5.5.5.20/tcp/${P2P_PORT}`) === true
    }, 60_000)
    const s = await alice.status()
    expect(s.publicAddresses).toEqual([{ address: `/ip4/5.5.5.20/tcp/${P2P_PORT}`, source: 'upnp' }])
    expect(s.relayService?.active).toBe(true)
    expect((await bob.peers()).some(p => p.peerId === alice.peerId)).toBe(false)

    // alice (public now) dials bob, who is still only reachable through the relay: DCUtR on bob's
    // side sees alice's public address and dials it, then drops the relayed connection
    const r = await timed('(c) alice connect(bob DID) through the relay', async () => await alice.connect(bob.did))
    expect(r.remoteAddr).toContain('/p2p-circuit')
    const show = async (): Promise<string> => JSON.stringify({ alice: await alice.peers(), bob: await bob.peers() }, null, 1)
    timings['(c) relayed -> direct by DCUtR'] = await waitFor(`DCUtR to upgrade the connection ${await show()}`, async () =>
      (await alice.peers()).some(p => p.peerId === bob.peerId && p.path === 'hole-punched' && p.remoteAddr.startsWith('/ip4/5.5.5.30/')) &&
      (await bob.peers()).some(p => p.peerId === alice.peerId && p.path === 'hole-punched'), 20_000)
    await waitFor('the relayed connection to go', async () => !(await bob.peers()).some(p => p.peerId === alice.peerId && p.path === 'relayed'), 10_000)
    const direct = await bob.connect(alice.did)
    expect(direct).toMatchObject({ via: 'connected', remoteAddr: `/ip4/5.5.5.20/tcp/${P2P_PORT}/p2p/${alice.peerId}` })
    expect(await bob.peers()).toContainEqual(expect.objectContaining({ peerId: alice.peerId, path: 'hole-punched', remoteAddr: `/ip4/5.5.5.20/tcp/${P2P_PORT}/p2p/${alice.peerId}` }))

    // someone who never met alice dials her mapped address straight from her DID record
    const fresh = await timed('(c) stranger connect(alice DID): direct to the UPnP mapping', async () => await stranger.connect(alice.did))
    expect(fresh).toMatchObject({ via: 'dht', remoteAddr: `/ip4/5.5.5.20/tcp/${P2P_PORT}/p2p/${alice.peerId}` })
    expect(await stranger.peers()).toContainEqual(expect.objectContaining({ peerId: alice.peerId, path: 'direct' }))
  }, 120_000)
})
