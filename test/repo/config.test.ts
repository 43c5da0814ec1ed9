import { chmod, mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it, expect } from 'vitest'
import { defaultConfig, loadConfig, parseConfig, saveConfig, MAX_CONFIG_BYTES } from '../../src/repo/config.ts'
import { tempDir } from '../fixtures/node.ts'

const PEER = '12D3KooWNFZCg7dBe3hTfKesvriXKRvoMQrJvd4f1NnjJ3kSYNoa'

async function configFile (content: string | Uint8Array): Promise<string> {
  const path = join(await tempDir('hearth-config-'), 'config.json')
  await writeFile(path, content, { mode: 0o600 })
  return path
}
const json = (o: unknown): string => JSON.stringify(o, null, 2)
/** A full default config with `patch` applied to one section. */
const withNetwork = (patch: Record<string, unknown>): Record<string, unknown> => {
  const c = defaultConfig()
  return { ...c, network: { ...c.network, ...patch } }
}
const invalid = (message: RegExp | string) => ({
  code: 'INVALID_CONFIG',
  message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message)
})

describe('config.json', () => {
  it('round-trips through saveConfig and loadConfig, written with mode 0600', async () => {
    const path = join(await tempDir('hearth-config-'), 'config.json')
    const config = defaultConfig()
    config.network.bootstrap = [`/ip4/192.0.2.1/tcp/4012/p2p/${PEER}`]
    config.network.maxConnections = 10_000
    config.api.port = 0
    await saveConfig(path, config)
    expect(await loadConfig(path)).toEqual(config)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readFile(path, 'utf8')).toBe(JSON.stringify(config, null, 2) + '\n')
  })

  it('is replaced by saveConfig with a 0600 file even when the old one was 0644', async () => {
    const path = await configFile(json(defaultConfig()))
    await chmod(path, 0o644)
    const config = defaultConfig()
    config.api.port = 7100
    await saveConfig(path, config)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await loadConfig(path)).api.port).toBe(7100)
  })

  it('is not saved when invalid, and the old file stays', async () => {
    const path = await configFile(json(defaultConfig()))
    const before = await readFile(path, 'utf8')
    const bad = defaultConfig()
    bad.network.maxConnections = 1e9
    await expect(saveConfig(path, bad)).rejects.toMatchObject(invalid('network.maxConnections'))
    expect(await readFile(path, 'utf8')).toBe(before)
  })

  it('fills missing sections and keys from the defaults', async () => {
    expect(await loadConfig(await configFile('{"version":1}'))).toEqual(defaultConfig())
    expect(parseConfig({ version: 1, api: { port: 9000 } })).toEqual({ ...defaultConfig(), api: { port: 9000 } })
  })

  it('accepts a UTF-8 byte order mark (as Windows editors write)', async () => {
    const path = await configFile('\uFEFF' + json({ version: 1, api: { port: 7100 } }))
    expect((await loadConfig(path)).api.port).toBe(7100)
  })

  describe('is refused with INVALID_CONFIG', () => {
    it('when it is not JSON, with advice to fix or restore it', async () => {
      await expect(loadConfig(await configFile('{ version: 1 }'))).rejects.toMatchObject(
        invalid(/config file .*config\.json is not valid JSON \(.+\); fix it or restore it from a backup$/))
    })

    it.each([
      ['truncated', json(defaultConfig()).slice(0, 40)],
      ['empty', ''],
      ['only a BOM', '\uFEFF'],
      ['two documents', '{"version":1}{"version":1}']
    ])('when %s', async (_name, text) => {
      await expect(loadConfig(await configFile(text))).rejects.toMatchObject(invalid('fix it or restore it from a backup'))
    })

    it('when missing, or not a file', async () => {
      const dir = await tempDir('hearth-config-')
      await expect(loadConfig(join(dir, 'config.json'))).rejects.toMatchObject(invalid(/config\.json is missing/))
      await mkdir(join(dir, 'config.json'))
      await expect(loadConfig(join(dir, 'config.json'))).rejects.toMatchObject(invalid(/is not a regular file/))
    })

    it('for an unknown key (a typo), naming the key', async () => {
      await expect(loadConfig(await configFile(json({ version: 1, apiListn: '127.0.0.1:5001' })))).rejects.toMatchObject({
        ...invalid(/^config apiListn: unknown key \(allowed: version, profile, network, api, agreements, intentcast, webhook\)$/),
        details: { field: 'apiListn' }
      })
      expect(() => parseConfig(withNetwork({ maxConnection: 50 }))).toThrow(expect.objectContaining(invalid(/^config network\.maxConnection: unknown key/)))
      expect(() => parseConfig({ version: 1, api: { port: 7012, host: '0.0.0.0' } })).toThrow(expect.objectContaining(invalid(/^config api\.host: unknown key/)))
    })

    it.each([
      ['"port": "5001"', { version: 1, api: { port: '5001' } }, /^config api\.port: must be an integer from 0 to 65535$/],
      ['"mdns": "true"', withNetwork({ mdns: 'true' }), /^config network\.mdns: must be true or false$/],
      ['"listen" as one string', withNetwork({ listen: '/ip4/0.0.0.0/tcp/4012' }), /^config network\.listen: must be a list of multiaddrs$/],
      ['a listen entry that is a number', withNetwork({ listen: [4012] }), /^config network\.listen\[0\]: must be a multiaddr string of at most 256 characters$/],
      ['"dhtMode": "full"', withNetwork({ dhtMode: 'full' }), /^config network\.dhtMode: must be one of auto, client, server$/],
      ['"network": []', { version: 1, network: [] }, /^config network: must be an object$/],
      ['"api": null', { version: 1, api: null }, /^config api: must be an object$/],
      ['the root is an array', [], /^config \(root\): must be an object$/],
      ['no version', { api: { port: 7012 } }, /^config version: must be 1$/],
      ['"version": "1"', { version: '1' }, /^config version: must be 1$/],
      ['version 2', { version: 2 }, /^config version: must be 1$/]
    ])('for a wrong type: %s', (_name, raw, why) => {
      expect(() => parseConfig(raw)).toThrow(expect.objectContaining(invalid(why)))
    })

    it('for a wrong type read from the file', async () => {
      await expect(loadConfig(await configFile('{"version":1,"api":{"port":"5001"}}'))).rejects.toMatchObject(invalid('api.port'))
    })

    it.each([
      ['maxConnections 1e9', withNetwork({ maxConnections: 1e9 }), /^config network\.maxConnections: must be an integer from 1 to 10000$/],
      ['maxConnections 0', withNetwork({ maxConnections: 0 }), /network\.maxConnections/],
      ['maxConnections 1.5', withNetwork({ maxConnections: 1.5 }), /network\.maxConnections/],
      ['inboundConnectionThreshold 0', withNetwork({ inboundConnectionThreshold: 0 }), /^config network\.inboundConnectionThreshold: must be an integer from 1 to 100000$/],
      ['negative port', { version: 1, api: { port: -1 } }, /^config api\.port: must be an integer from 0 to 65535$/],
      ['port 65536', { version: 1, api: { port: 65536 } }, /api\.port/],
      ['more than 64 listen addresses', withNetwork({ listen: Array.from({ length: 65 }, (_, i) => `/ip4/127.0.0.1/tcp/${i + 1}`) }), /^config network\.listen: at most 64 entries$/],
      ['a listen address over 256 characters (the longest a DID record carries)', withNetwork({ listen: [`/dns4/${'a'.repeat(300)}/tcp/1`] }), /^config network\.listen\[0\]: must be a multiaddr string of at most 256 characters$/],
      ['intentcast.router "yes"', { version: 1, intentcast: { router: 'yes' } }, /^config intentcast\.router: must be true or false$/],
      ['a vendor category in capitals', { version: 1, intentcast: { vendor: { categories: ['Bikes'] } } }, /^config intentcast\.vendor\.categories\[0\]: must be a category id/],
      ['vendor maxIntents 0', { version: 1, intentcast: { vendor: { maxIntents: 0 } } }, /^config intentcast\.vendor\.maxIntents: must be an integer from 1 to 1000000$/],
      ['a vendor name of 101 characters', { version: 1, intentcast: { vendor: { name: 'x'.repeat(101) } } }, /^config intentcast\.vendor\.name: must be null or a name of 1 to 100 characters$/],
      ['an unknown vendor key', { version: 1, intentcast: { vendor: { category: ['bicycles'] } } }, /^config intentcast\.vendor\.category: unknown key/],
      ['an auto-offer valid for 10 s', { version: 1, intentcast: { vendor: { autoOffers: [{ category: 'bicycles', offer: { validForSeconds: 10 } }] } } }, /^config intentcast\.vendor\.autoOffers\[0\]\.offer\.validForSeconds: must be an integer from 60/]
    ])('for an out-of-range value: %s', (_name, raw, why) => {
      expect(() => parseConfig(raw)).toThrow(expect.objectContaining(invalid(why)))
    })

    it('for a number beyond range read from the file (1e9 is valid JSON)', async () => {
      await expect(loadConfig(await configFile('{"version":1,"network":{"maxConnections":1e9}}'))).rejects.toMatchObject(invalid('network.maxConnections'))
    })

    it.each([
      ['at the root', '{"version":1,"__proto__":{"polluted":true}}', /^config __proto__: unknown key/],
      ['in network', '{"version":1,"network":{"__proto__":{"polluted":true}}}', /^config network\.__proto__: unknown key/],
      ['in api', '{"version":1,"api":{"__proto__":{"polluted":true,"port":1}}}', /^config api\.__proto__: unknown key/],
      ['constructor', '{"version":1,"constructor":{"prototype":{"polluted":true}}}', /^config constructor: unknown key/]
    ])('for a __proto__-style key %s, without polluting any prototype', async (_name, text, why) => {
      await expect(loadConfig(await configFile(text))).rejects.toMatchObject(invalid(why))
      expect(() => parseConfig(JSON.parse(text))).toThrow(expect.objectContaining(invalid(why)))
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
    })

    it(`when larger than ${MAX_CONFIG_BYTES} bytes, without reading it`, async () => {
      // a sparse 8 GiB file: reading it would take long or fail with ERR_FS_FILE_TOO_LARGE instead
      const path = await configFile('{"version":1}')
      await truncate(path, 8 * 2 ** 30)
      const started = performance.now()
      await expect(loadConfig(path)).rejects.toMatchObject(invalid(`is over the ${MAX_CONFIG_BYTES}-byte limit`))
      expect(performance.now() - started).toBeLessThan(1000)
    })

    it(`at ${MAX_CONFIG_BYTES} + 1 bytes of valid JSON, but not at ${MAX_CONFIG_BYTES}`, async () => {
      const text = (size: number): string => { const t = json(defaultConfig()); return t + ' '.repeat(size - t.length) }
      expect((await loadConfig(await configFile(text(MAX_CONFIG_BYTES)))).version).toBe(1)
      await expect(loadConfig(await configFile(text(MAX_CONFIG_BYTES + 1)))).rejects.toMatchObject(invalid(`is over the ${MAX_CONFIG_BYTES}-byte limit`))
    })

    it.each([
      ['no /p2p at all', '/ip4/192.0.2.1/tcp/4012'],
      ['/p2p not at the end', `/ip4/192.0.2.1/tcp/4012/p2p/${PEER}/p2p-circuit`],
      ['a DNS name only', '/dnsaddr/bootstrap.example.org']
    ])('for a bootstrap entry without /p2p/<peerId>: %s', (_name, entry) => {
      expect(() => parseConfig(withNetwork({ bootstrap: [`/ip4/192.0.2.2/tcp/4012/p2p/${PEER}`, entry] })))
        .toThrow(expect.objectContaining({ ...invalid(/^config network\.bootstrap\[1\]: must end in \/p2p\/<peerId>$/), details: { field: 'network.bootstrap[1]' } }))
    })

    it('for a bootstrap entry that is not a multiaddr', () => {
      expect(() => parseConfig(withNetwork({ bootstrap: [`192.0.2.1:4012/p2p/${PEER}`] })))
        .toThrow(expect.objectContaining(invalid(/^config network\.bootstrap\[0\]: ".*" is not a multiaddr$/)))
    })
  })

  it('accepts bootstrap entries ending in /p2p/<peerId>, direct or relayed', () => {
    const bootstrap = [`/ip4/192.0.2.1/tcp/4012/p2p/${PEER}`, `/dns4/boot.example.org/tcp/4012/p2p/${PEER}`,
      `/ip4/192.0.2.1/tcp/4012/p2p/${PEER}/p2p-circuit/p2p/${PEER}`]
    expect(parseConfig(withNetwork({ bootstrap })).network.bootstrap).toEqual(bootstrap)
  })
})
