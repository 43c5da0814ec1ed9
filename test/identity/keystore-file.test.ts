/**
 * Hostile and damaged keystore files (research/security.md B.7): each is refused with a clear
 * code, nothing is decrypted from it, and header limits are enforced before scrypt runs.
 */
import * as crypto from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import fc from 'fast-check'
import { createKeystore, generateMasterSeed, newDeviceNonce, openKeystore } from '../../src/identity/index.ts'
import { tempDir } from './helpers.ts'

// count scrypt runs so that "refused before any scrypt call" is observed, not inferred from timing
const scryptCalls = vi.hoisted(() => ({ count: 0 }))
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>()
  const scrypt = ((...args: Parameters<typeof original.scrypt>) => {
    scryptCalls.count++
    return original.scrypt(...args)
  }) as typeof original.scrypt
  return { ...original, scrypt, default: { ...original, scrypt } }
})

const passphrase = 'correct horse battery staple'
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
type Json = Record<string, any>

/** A valid file's JSON, and a way to write any variant of it as a 0600 file. */
async function fixture (): Promise<{ file: Json, text: string, write: (content: string | Uint8Array) => Promise<string> }> {
  const dir = await tempDir()
  const path = join(dir, 'keystore.json')
  await createKeystore(path, { masterSeed: generateMasterSeed(), deviceNonce: newDeviceNonce(), createdAt: new Date().toISOString() }, passphrase, { scryptLogN: 14 })
  const text = await readFile(path, 'utf8')
  let n = 0
  const write = async (content: string | Uint8Array): Promise<string> => {
    const variant = join(dir, `variant-${n++}.json`)
    await writeFile(variant, content, { mode: 0o600 })
    return variant
  }
  return { file: JSON.parse(text), text, write }
}

const edited = (file: Json, edit: (copy: Json) => void): string => {
  const copy = structuredClone(file)
  edit(copy)
  return JSON.stringify(copy)
}
const flipByte = (b64: string, at: number): string => {
  const bytes = Buffer.from(b64, 'base64url')
  bytes[at % bytes.length]! ^= 0x01
  return bytes.toString('base64url')
}

beforeEach(() => { scryptCalls.count = 0 })

describe('keystore header limits, checked before scrypt', () => {
  it.each([
    ['logN 40', 'UNSUPPORTED_FORMAT', (f: Json) => { f.kdf.logN = 40 }],
    ['logN 21', 'UNSUPPORTED_FORMAT', (f: Json) => { f.kdf.logN = 21 }],
    ['logN 13', 'UNSUPPORTED_FORMAT', (f: Json) => { f.kdf.logN = 13 }],
    ['logN -1', 'UNSUPPORTED_FORMAT', (f: Json) => { f.kdf.logN = -1 }],
    ['logN 1e300', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf.logN = 1e300 }],
    ['logN "17"', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf.logN = '17' }],
    ['logN 14.5', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf.logN = 14.5 }],
    ['r 1024', 'UNSUPPORTED_FORMAT', (f: Json) => { f.kdf.r = 1024 }],
    ['p 16', 'UNSUPPORTED_FORMAT', (f: Json) => { f.kdf.p = 16 }],
    ['version 2', 'UNSUPPORTED_FORMAT', (f: Json) => { f.version = 2 }],
    ['version "1"', 'CORRUPT_KEYSTORE', (f: Json) => { f.version = '1' }],
    ['no version', 'CORRUPT_KEYSTORE', (f: Json) => { delete f.version }],
    ['another format', 'CORRUPT_KEYSTORE', (f: Json) => { f.format = 'openssh-key-v1' }],
    ['kdf argon2id', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf.name = 'argon2id' }],
    ['cipher aes-128-gcm', 'CORRUPT_KEYSTORE', (f: Json) => { f.cipher.name = 'aes-128-gcm' }],
    ['an unknown top-level field', 'CORRUPT_KEYSTORE', (f: Json) => { f.note = 'hi' }],
    ['an unknown kdf field', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf.maxmem = 1 }],
    ['kdf as an array', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf = [] }],
    ['a 15-byte salt', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf.salt = Buffer.alloc(15).toString('base64url') }],
    ['a padded base64 IV', 'CORRUPT_KEYSTORE', (f: Json) => { f.cipher.iv = Buffer.alloc(12, 0xfb).toString('base64') + '==' }],
    // 16 bytes take 22 characters, whose last 4 bits are padding: same bytes, second spelling
    ['a non-canonical salt (trailing bits set)', 'CORRUPT_KEYSTORE', (f: Json) => { f.kdf.salt = f.kdf.salt.slice(0, -1) + B64URL[B64URL.indexOf(f.kdf.salt.at(-1)) ^ 1] }],
    ['a 15-byte tag', 'CORRUPT_KEYSTORE', (f: Json) => { f.tag = Buffer.alloc(15).toString('base64url') }],
    ['an empty ciphertext', 'CORRUPT_KEYSTORE', (f: Json) => { f.ciphertext = '' }],
    ['a huge ciphertext', 'CORRUPT_KEYSTORE', (f: Json) => { f.ciphertext = 'A'.repeat(40_000) }]
  ])('%s -> %s', async (_name, code, edit) => {
    const { file, write } = await fixture()
    scryptCalls.count = 0
    const started = performance.now()
    await expect(openKeystore(await write(edited(file, edit)), passphrase)).rejects.toMatchObject({ code })
    expect(scryptCalls.count).toBe(0)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it.each([
    ['an empty file', ''],
    ['the first half of the file', 'TRUNCATE'],
    ['not JSON', 'hello, keystore'],
    ['JSON null', 'null'],
    ['a JSON array', '[1,2,3]'],
    ['random bytes', 'RANDOM'],
    ['more than 64 KiB', 'HUGE']
  ])('%s -> CORRUPT_KEYSTORE', async (_name, kind) => {
    const { text, write } = await fixture()
    const content = kind === 'TRUNCATE'
      ? text.slice(0, text.length >> 1)
      : kind === 'RANDOM' ? crypto.randomBytes(512) : kind === 'HUGE' ? text.replace('{', '{' + ' '.repeat(64 * 1024)) : kind
    scryptCalls.count = 0
    await expect(openKeystore(await write(content), passphrase)).rejects.toMatchObject({ code: 'CORRUPT_KEYSTORE' })
    expect(scryptCalls.count).toBe(0)
  })
})

describe('keystore integrity (AES-256-GCM with the header as additional data)', () => {
  it('opens after the JSON is re-serialised: the AAD is built from values, not bytes', async () => {
    const { file, write } = await fixture()
    const compact = await write(JSON.stringify(file))
    scryptCalls.count = 0
    await expect(openKeystore(compact, passphrase)).resolves.toMatchObject({ createdAt: expect.any(String) })
    expect(scryptCalls.count).toBe(1)
  })

  it.each([
    ['a flipped ciphertext byte', (f: Json) => { f.ciphertext = flipByte(f.ciphertext, 7) }],
    ['a flipped tag byte', (f: Json) => { f.tag = flipByte(f.tag, 0) }],
    ['a flipped IV byte', (f: Json) => { f.cipher.iv = flipByte(f.cipher.iv, 11) }],
    ['a flipped salt byte', (f: Json) => { f.kdf.salt = flipByte(f.kdf.salt, 3) }],
    ['logN raised within range', (f: Json) => { f.kdf.logN = 15 }],
    ['a truncated ciphertext', (f: Json) => { f.ciphertext = f.ciphertext.slice(0, 40) }]
  ])('%s -> WRONG_PASSPHRASE', async (_name, edit) => {
    const { file, write } = await fixture()
    await expect(openKeystore(await write(edited(file, edit)), passphrase)).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' })
  })

  it('any one-character change inside the ciphertext is refused', async () => {
    const { file, write } = await fixture()
    await fc.assert(fc.asyncProperty(fc.nat(), fc.nat(), async (at, pick) => {
      const ct: string = file.ciphertext
      const i = at % ct.length
      const replacement = B64URL.replace(ct[i]!, '')[pick % 63]!
      const path = await write(edited(file, f => { f.ciphertext = ct.slice(0, i) + replacement + ct.slice(i + 1) }))
      const err = await openKeystore(path, passphrase).then(() => undefined, (e: unknown) => e)
      expect(err).toMatchObject({ code: expect.stringMatching(/^(WRONG_PASSPHRASE|CORRUPT_KEYSTORE)$/) })
    }), { numRuns: 15 })
  })
})
