/**
 * Damaged, truncated, hostile and misdirected bundles (research/security.md B.7): each is
 * refused with a clear code before anything is written, so the target stays as it was.
 */
import * as crypto from 'node:crypto'
import { mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { MAX_BUNDLE_BYTES, restoreBundle } from '../../src/backup/index.ts'
import { sealBundle } from '../../src/backup/bundle-file.ts'
import { encodePlaintext } from '../../src/backup/bundle-plaintext.ts'
import { TEST_PASSPHRASE, initTestRepo, tempDir } from '../fixtures/node.ts'
import { BUNDLE_PASSPHRASE, bundleOf, listing, repoPaths, stoppedNodeRepo } from './helpers.ts'

// count scrypt runs, so that "refused before scrypt" is observed rather than inferred from timing
const scryptCalls = vi.hoisted(() => ({ count: 0 }))
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>()
  const scrypt = ((...args: Parameters<typeof original.scrypt>) => {
    scryptCalls.count++
    return original.scrypt(...args)
  }) as typeof original.scrypt
  return { ...original, scrypt, default: { ...original, scrypt } }
})

const HEADER_START = 12 // "HEARTHBK" + u32 header length

/** Tries to restore `bytes` into a fresh target; returns the error and proves nothing was written. */
async function refused (bytes: Uint8Array, options: { passphrase?: string, bundlePassphrase?: string } = {}): Promise<{ code: string, message: string }> {
  const dir = await tempDir('hearth-restore-')
  const file = join(dir, 'in.hbk')
  await writeFile(file, bytes, { mode: 0o600 })
  const target = join(dir, 'restored')
  const err = await restoreBundle({ bundle: file, repo: target, passphrase: options.passphrase ?? TEST_PASSPHRASE, ...(options.bundlePassphrase !== undefined ? { bundlePassphrase: options.bundlePassphrase } : {}) })
    .then(() => undefined, (e: unknown) => e as { code: string, message: string })
  expect(err, 'the restore must fail').toBeDefined()
  expect(await listing(dir), 'no target and no temp dir left behind').toEqual(['in.hbk'])
  return err!
}

const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const copy = Uint8Array.from(bytes)
  copy[at]! ^= 0x01
  return copy
}

/** The bundle with its header JSON edited (length prefix fixed up, so only the edit is wrong). */
function withHeader (bytes: Uint8Array, edit: (h: any) => void): Uint8Array {
  const buf = Buffer.from(bytes)
  const length = buf.readUInt32BE(8)
  const header = JSON.parse(buf.subarray(HEADER_START, HEADER_START + length).toString())
  edit(header)
  const json = Buffer.from(JSON.stringify(header))
  const len = Buffer.alloc(4)
  len.writeUInt32BE(json.length)
  return Buffer.concat([buf.subarray(0, 8), len, json, buf.subarray(HEADER_START + length)])
}

/** A stopped node's repo and its bundle; fixtures register their cleanup with the test. */
async function fixture (): Promise<{ source: Awaited<ReturnType<typeof stoppedNodeRepo>>, bundle: Awaited<ReturnType<typeof bundleOf>>, good: Uint8Array, headerLength: number }> {
  const source = await stoppedNodeRepo()
  const bundle = await bundleOf(source.repo)
  const good = new Uint8Array(await readFile(bundle.file))
  return { source, bundle, good, headerLength: Buffer.from(good).readUInt32BE(8) }
}

describe('restore refuses a damaged bundle and writes nothing', () => {

  it('a byte flipped in the magic, the header length or the header JSON', async () => {
    const { good } = await fixture()
    expect(await refused(flip(good, 0))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('magic') })
    expect(await refused(flip(good, 11))).toMatchObject({ code: 'UNSUPPORTED_FORMAT' })
    // the header's own first byte: no longer JSON
    expect(await refused(flip(good, HEADER_START))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('header') })
    // a valid-looking edit of an authenticated field: the tag catches it
    const did = withHeader(good, h => { h.did = h.did.slice(0, -1) + (h.did.endsWith('A') ? 'B' : 'A') })
    expect(await refused(did)).toMatchObject({ code: 'WRONG_PASSPHRASE', message: expect.stringContaining('altered') })
    const created = withHeader(good, h => { h.created = '2001-01-01T00:00:00.000Z' })
    expect(await refused(created)).toMatchObject({ code: 'WRONG_PASSPHRASE' })
  })

  it('a byte flipped in the ciphertext (start, middle, end) or in the tag', async () => {
    const { good, headerLength } = await fixture()
    const ctStart = HEADER_START + headerLength
    for (const at of [ctStart, Math.floor((ctStart + good.length) / 2), good.length - 17, good.length - 16, good.length - 1]) {
      expect(await refused(flip(good, at)), `byte ${at}`).toMatchObject({ code: 'WRONG_PASSPHRASE' })
    }
  })

  it('any single flipped byte anywhere is refused (property)', async () => {
    const { good } = await fixture()
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
      const copy = Uint8Array.from(good)
      copy[at]! ^= xor
      const err = await refused(copy)
      expect(['UNSUPPORTED_FORMAT', 'WRONG_PASSPHRASE']).toContain(err.code)
    }), { numRuns: 25 })
  })

  it('a truncated or extended bundle, before any scrypt run', async () => {
    const { good, headerLength } = await fixture()
    const before = scryptCalls.count
    for (const length of [0, 5, HEADER_START + 3, HEADER_START + headerLength, Math.floor(good.length / 2), good.length - 1]) {
      const err = await refused(good.subarray(0, length))
      expect(err.code, `cut at ${length}`).toBe('UNSUPPORTED_FORMAT')
      if (length > HEADER_START + headerLength) expect(err.message).toContain('truncated')
    }
    expect(await refused(Buffer.concat([good, Buffer.from([0])]))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('after the end') })
    expect(scryptCalls.count).toBe(before)
  })

  it('an oversized file is refused from its size alone, and a missing one is NOT_FOUND', async () => {
    const { good } = await fixture()
    const dir = await tempDir('hearth-restore-')
    const huge = join(dir, 'huge.hbk')
    await writeFile(huge, good)
    await truncate(huge, MAX_BUNDLE_BYTES + 1) // sparse: costs no disk
    const before = scryptCalls.count
    await expect(restoreBundle({ bundle: huge, repo: join(dir, 'r'), passphrase: TEST_PASSPHRASE })).rejects.toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('larger than') })
    await expect(restoreBundle({ bundle: join(dir, 'nope.hbk'), repo: join(dir, 'r'), passphrase: TEST_PASSPHRASE })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    expect(scryptCalls.count).toBe(before)
    expect(await listing(dir)).toEqual(['huge.hbk'])
  })

  it('hostile scrypt parameters are refused before scrypt allocates anything', async () => {
    const { good } = await fixture()
    const before = scryptCalls.count
    expect(await refused(withHeader(good, h => { h.kdf.logN = 40 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('logN 40') })
    expect(await refused(withHeader(good, h => { h.kdf.r = 1024 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT' })
    expect(await refused(withHeader(good, h => { h.version = 2 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('version 2') })
    expect(await refused(withHeader(good, h => { h.extra = 1 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('unknown field') })
    expect(scryptCalls.count).toBe(before)
  })

  it('a wrong passphrase', async () => {
    const { good } = await fixture()
    expect(await refused(good, { passphrase: 'not the passphrase at all' })).toMatchObject({ code: 'WRONG_PASSPHRASE', message: expect.stringContaining('wrong passphrase') })
  })

  it('a bundle sealed with its own passphrase: the right one opens it, but the keystore needs the node passphrase too', async () => {
    const { source } = await fixture()
    const separate = await bundleOf(source.repo, { bundlePassphrase: BUNDLE_PASSPHRASE })
    const bytes = await readFile(separate.file)
    expect(await refused(bytes)).toMatchObject({ code: 'WRONG_PASSPHRASE' }) // the node passphrase does not open the bundle
    expect(await refused(bytes, { bundlePassphrase: BUNDLE_PASSPHRASE, passphrase: 'wrong node passphrase' }))
      .toMatchObject({ code: 'WRONG_PASSPHRASE', message: expect.stringContaining('keystore in the bundle') })
    const target = join(separate.dir, 'ok')
    await expect(restoreBundle({ bundle: separate.file, repo: target, passphrase: TEST_PASSPHRASE, bundlePassphrase: BUNDLE_PASSPHRASE }))
      .resolves.toMatchObject({ did: source.did, peerId: source.peerId })
  })
})

/** Seals any plaintext correctly, as someone holding the passphrase (or a buggy writer) could. */
async function forger (): Promise<{ source: { did: string, peerId: string }, seal: (m: Forged) => Promise<Uint8Array> }> {
  const source = await stoppedNodeRepo()
  const keystore = await readFile(repoPaths(source.repo).keystore)
  const config = await readFile(repoPaths(source.repo).config)
  const seal = async (m: Forged): Promise<Uint8Array> => {
    const plaintext = encodePlaintext(
      { did: m.did ?? source.did, peerId: m.peerId ?? source.peerId, created: new Date().toISOString(), storeFormat: m.storeFormat ?? 1, entries: m.entries ?? 0 },
      { keystore: m.keystore ?? keystore, config, snapshot: m.snapshot ?? new Uint8Array(0), files: [] })
    return await sealBundle(plaintext, TEST_PASSPHRASE, { logN: 14, did: m.did ?? source.did, created: new Date().toISOString() })
  }
  return { source, seal }
}
interface Forged { did?: string, peerId?: string, storeFormat?: number, entries?: number, keystore?: Uint8Array, snapshot?: Uint8Array }

describe('restore refuses a well-sealed bundle whose contents do not agree', () => {
  const entry = (key: string, value: string): Uint8Array => {
    const k = Buffer.from(key)
    const v = Buffer.from(value)
    const out = Buffer.alloc(8 + k.length + v.length)
    out.writeUInt32BE(k.length, 0)
    k.copy(out, 4)
    out.writeUInt32BE(v.length, 4 + k.length)
    v.copy(out, 8 + k.length)
    return out
  }

  it('a sanity check: the same helper makes a bundle that restores', async () => {
    const { source, seal } = await forger()
    const dir = await tempDir()
    await writeFile(join(dir, 'b.hbk'), await seal({}))
    await expect(restoreBundle({ bundle: join(dir, 'b.hbk'), repo: join(dir, 'r'), passphrase: TEST_PASSPHRASE })).resolves.toMatchObject({ did: source.did, entries: 0 })
  })

  it('a keystore of another DID than the manifest names', async () => {
    const { seal } = await forger()
    const other = await initTestRepo()
    const otherKeystore = await readFile(repoPaths(other.repo).keystore)
    expect(await refused(await seal({ keystore: otherKeystore }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining(other.did) })
  })

  it('an entry count that differs from the snapshot', async () => {
    const { seal } = await forger()
    expect(await refused(await seal({ entries: 3 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('entries') })
  })

  it('a store format this version does not read, in the manifest or in the snapshot', async () => {
    const { seal } = await forger()
    expect(await refused(await seal({ storeFormat: 2 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('format 2') })
    const snapshot = Buffer.concat([entry('!meta!format', '2')])
    expect(await refused(await seal({ snapshot, entries: 1 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('store format') })
  })

  it('a snapshot of another DID\'s store, or with keys out of order', async () => {
    const { source, seal } = await forger()
    const foreign = Buffer.concat([entry('!meta!did', JSON.stringify('did:key:z6MkOther')), entry('!meta!format', '1')])
    expect(await refused(await seal({ snapshot: foreign, entries: 2 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('another DID') })
    const unordered = Buffer.concat([entry('!meta!format', '1'), entry('!meta!did', JSON.stringify(source.did))])
    expect(await refused(await seal({ snapshot: unordered, entries: 2 }))).toMatchObject({ code: 'UNSUPPORTED_FORMAT', message: expect.stringContaining('order') })
  })
})

describe('restore goes only into a new place', () => {

  it('refuses a non-empty directory and leaves it as it was', async () => {
    const { source, bundle } = await fixture()
    const target = join(bundle.dir, 'busy')
    await mkdir(target)
    await writeFile(join(target, 'notes.txt'), 'mine')
    await expect(restoreBundle({ bundle: bundle.file, repo: target, passphrase: TEST_PASSPHRASE })).rejects.toMatchObject({ code: 'REPO_EXISTS', message: expect.stringContaining('not empty') })
    expect(await listing(target)).toEqual(['notes.txt'])
    expect(await readFile(join(target, 'notes.txt'), 'utf8')).toBe('mine')
    // the node's own repo is the most likely mistake
    await expect(restoreBundle({ bundle: bundle.file, repo: source.repo, passphrase: TEST_PASSPHRASE })).rejects.toMatchObject({ code: 'REPO_EXISTS' })
  })

  it('accepts an empty directory', async () => {
    const { source, bundle } = await fixture()
    const target = join(bundle.dir, 'empty')
    await mkdir(target)
    await expect(restoreBundle({ bundle: bundle.file, repo: target, passphrase: TEST_PASSPHRASE })).resolves.toMatchObject({ did: source.did })
    expect(await listing(target)).toEqual(['config.json', 'datastore', 'keystore'])
    expect((await stat(target)).mode & 0o777).toBe(0o700)
  })

  it('--dry-run checks everything and writes nothing', async () => {
    const { source, bundle } = await fixture()
    const target = join(bundle.dir, 'dry')
    const before = await listing(bundle.dir)
    const r = await restoreBundle({ bundle: bundle.file, repo: target, passphrase: TEST_PASSPHRASE, dryRun: true })
    expect(r).toMatchObject({ dryRun: true, did: source.did, peerId: source.peerId, entries: bundle.entries })
    expect(r.sublevels.profile).toBe(1)
    expect(await listing(bundle.dir)).toEqual(before)
    // a dry run is not a weaker check: a wrong passphrase still fails
    await expect(restoreBundle({ bundle: bundle.file, repo: target, passphrase: 'wrong passphrase here', dryRun: true })).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' })
  })
})
