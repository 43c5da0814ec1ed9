import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createLibp2p } from 'libp2p'
import { memory } from '@libp2p/memory'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it, onTestFinished } from 'vitest'
import { defaultConfig, parseConfig, LOW_POWER } from '../../src/repo/config.ts'
import type { HearthConfig } from '../../src/repo/config.ts'
import { exists } from '../../src/fs/index.ts'
import { hearth } from '../fixtures/cli.ts'
import { initTestRepo, startTestNode, tempDir, waitFor } from '../fixtures/node.ts'

const invalid = (message: string) => ({ code: 'INVALID_CONFIG', message: expect.stringContaining(message) })

/** A test repo whose config.json says `profile`, with the network keys a fresh init writes. */
async function repoWithProfile (profile: string, network: Partial<HearthConfig['network']> = {}): Promise<string> {
  const { repo } = await initTestRepo()
  const file = join(repo, 'config.json')
  const config = JSON.parse(await readFile(file, 'utf8'))
  // test configs pin the DHT to server mode; put it back to the default 'auto' the profile replaces
  config.network = { ...config.network, dhtMode: 'auto', ...network }
  await writeFile(file, JSON.stringify({ ...config, profile }), { mode: 0o600 })
  return repo
}

describe('config profile "low-power"', () => {
  it('caps connections at 32, runs the DHT as a client and asks mDNS every 5 minutes, on a fresh or a full config', () => {
    const low = { maxConnections: 32, dhtMode: 'client', mdnsIntervalMs: 300_000 }
    expect(LOW_POWER).toEqual(low)
    expect(parseConfig({ version: 1, profile: 'low-power' }).network).toMatchObject(low)
    // what `hearth init` writes holds every key at its default: the profile still applies
    expect(parseConfig({ ...defaultConfig(), profile: 'low-power' }).network).toMatchObject(low)
    expect(parseConfig({ version: 1 })).toMatchObject({ profile: 'default', network: { maxConnections: 100, dhtMode: 'auto', mdnsIntervalMs: 10_000 } })
    expect(parseConfig({ version: 1, profile: 'low-power' }).network.listen).toEqual(defaultConfig().network.listen)
  })

  it('gives way to any network key set to something else than its default', () => {
    const mine = { maxConnections: 64, dhtMode: 'server', mdnsIntervalMs: 60_000 }
    expect(parseConfig({ version: 1, profile: 'low-power', network: mine }).network).toMatchObject(mine)
    expect(parseConfig({ version: 1, profile: 'low-power', network: { maxConnections: 8 } }).network)
      .toMatchObject({ maxConnections: 8, dhtMode: 'client', mdnsIntervalMs: 300_000 })
  })

  it('refuses an unknown profile or a bad mDNS interval with INVALID_CONFIG naming the key', () => {
    expect(() => parseConfig({ version: 1, profile: 'turbo' })).toThrow(expect.objectContaining(invalid('config profile: must be one of default, low-power')))
    expect(() => parseConfig({ version: 1, profile: 1 })).toThrow(expect.objectContaining(invalid('config profile: must be one of')))
    expect(() => parseConfig({ version: 1, network: { mdnsIntervalMs: 10 } })).toThrow(expect.objectContaining(invalid('config network.mdnsIntervalMs: must be an integer from 1000 to 3600000')))
  })

  it('is refused by `hearth start` with a clear error, before anything runs', async () => {
    const repo = await repoWithProfile('Low-Power')
    const r = await hearth(['--repo', repo, 'start'], { env: { HEARTH_PASSPHRASE: 'correct horse battery staple' } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('config profile: must be one of default, low-power [INVALID_CONFIG]')
    expect(await exists(join(repo, 'api'))).toBe(false)
  })

  it('shows in the status of a started node: profile, connection cap, DHT client (where the default turns server)', async () => {
    const [low, normal] = await Promise.all([startTestNode({ repo: await repoWithProfile('low-power') }), startTestNode({ repo: await repoWithProfile('default') })])
    // on the memory transport every address counts as public, so 'auto' soon turns server
    await waitFor('the default node to become a DHT server', async () => (await normal.status()).dht.mode === 'server')
    expect(await normal.status()).toMatchObject({ profile: 'default', maxConnections: 100 })
    expect(await low.status()).toMatchObject({ profile: 'low-power', maxConnections: 32, dht: { mode: 'client' } })
  })

  it('refuses inbound connections beyond the cap of 32', async () => {
    const node = await startTestNode({ repo: await repoWithProfile('low-power') })
    const target = multiaddr(node.network.addresses()[0]!)
    const dialers = await Promise.all(Array.from({ length: 40 }, async () => {
      const d = await createLibp2p({ addresses: { listen: [] }, transports: [memory()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
      onTestFinished(async () => { await d.stop() })
      return d
    }))
    const results = await Promise.allSettled(dialers.map(async d => await d.dial(target)))
    const opened = results.filter(r => r.status === 'fulfilled').length
    expect(opened).toBeGreaterThan(0)
    expect(opened).toBeLessThanOrEqual(32)
    expect((await node.status()).connections).toBeLessThanOrEqual(32)
    expect(results.length - opened).toBeGreaterThanOrEqual(8)
  })
})

describe('config profile, on a config written before init', () => {
  it('is kept by init, so a Pi can start low-power from its first run', async () => {
    const repo = join(await tempDir('hearth-profile-'), 'repo')
    await mkdir(repo, { mode: 0o700 })
    await writeFile(join(repo, 'config.json'), JSON.stringify({ version: 1, profile: 'low-power', network: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, upnp: false }, api: { port: 0 } }), { mode: 0o600 })
    const r = await hearth(['--repo', repo, '--json', 'init'], { env: { HEARTH_PASSPHRASE: 'correct horse battery staple' } })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')).profile).toBe('low-power')
  })
})
