import { lstat, mkdir, readFile, readdir, stat, symlink, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  KEYSTORE_FORMAT_VERSION, checkKeystorePermissions, createKeystore, generateMasterSeed,
  newDeviceNonce, openKeystore
} from '../../src/identity/index.ts'
import type { KeystoreSecrets } from '../../src/identity/index.ts'
import { tempDir } from './helpers.ts'

const fast = { scryptLogN: 14 }
const passphrase = 'correct horse battery staple'
const newSecrets = (): KeystoreSecrets => ({ masterSeed: generateMasterSeed(), deviceNonce: newDeviceNonce(), createdAt: new Date().toISOString() })
const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

/** A keystore in <tmp>/repo/keystore.json, the repo directory created by createKeystore. */
async function created (): Promise<{ dir: string, path: string, secrets: KeystoreSecrets }> {
  const dir = join(await tempDir(), 'repo')
  const path = join(dir, 'keystore.json')
  const secrets = newSecrets()
  await createKeystore(path, secrets, passphrase, fast)
  return { dir, path, secrets }
}

describe('keystore', () => {
  it('creates a 0600 file in a new 0700 directory and opens it again', async () => {
    const { dir, path, secrets } = await created()
    expect(await mode(dir)).toBe(0o700)
    expect(await mode(path)).toBe(0o600)
    expect(await readdir(dir)).toEqual(['keystore.json'])
    expect(await openKeystore(path, passphrase)).toEqual(secrets)
  })

  it('writes an inspectable JSON header and no plaintext secret', async () => {
    const { path, secrets } = await created()
    const text = await readFile(path, 'utf8')
    const file = JSON.parse(text)
    expect(file).toMatchObject({ format: 'hearth-keystore', version: KEYSTORE_FORMAT_VERSION, kdf: { name: 'scrypt', logN: 14, r: 8, p: 1 }, cipher: { name: 'aes-256-gcm' } })
    for (const encoding of ['hex', 'base64url', 'base64'] as const) {
      expect(text).not.toContain(Buffer.from(secrets.masterSeed).toString(encoding))
    }
  })

  it('uses scrypt N=2^17 by default', async () => {
    const path = join(await tempDir(), 'keystore.json')
    const secrets = newSecrets()
    await createKeystore(path, secrets, passphrase)
    expect(JSON.parse(await readFile(path, 'utf8')).kdf.logN).toBe(17)
    expect(await openKeystore(path, passphrase)).toEqual(secrets)
  })

  it('creates missing parent directories 0700 and stays 0600 even with umask 0', async () => {
    const previous = process.umask(0)
    try {
      const root = await tempDir()
      const path = join(root, 'a', 'b', 'keystore.json')
      await createKeystore(path, newSecrets(), passphrase, fast)
      expect(await mode(join(root, 'a'))).toBe(0o700)
      expect(await mode(join(root, 'a', 'b'))).toBe(0o700)
      expect(await mode(path)).toBe(0o600)
    } finally {
      process.umask(previous)
    }
  })

  it('treats the passphrase as Unicode text: NFC and NFD spellings unlock the same file', async () => {
    const path = join(await tempDir(), 'keystore.json')
    const secrets = newSecrets()
    await createKeystore(path, secrets, 'caf\u00e9 au lait', fast)
    expect(await openKeystore(path, 'cafe\u0301 au lait')).toEqual(secrets)
  })

  it('wrong passphrase: WRONG_PASSPHRASE, file untouched, passphrase not echoed', async () => {
    const { dir, path } = await created()
    const before = await readFile(path)
    const mtime = (await stat(path)).mtimeMs
    const attempt = openKeystore(path, 'Tr0ub4dor&3 wrong guess')
    await expect(attempt).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE', message: expect.stringContaining('nothing was changed') })
    await expect(attempt).rejects.toSatisfy((err: Error) => !err.message.includes('Tr0ub4dor'))
    expect(await readFile(path)).toEqual(before)
    expect((await stat(path)).mtimeMs).toBe(mtime)
    expect(await readdir(dir)).toEqual(['keystore.json'])
  })

  it.each([0o640, 0o604, 0o644, 0o660, 0o700 | 0o004])('refuses to open a file with mode %o', async (bad) => {
    const { path, secrets } = await created()
    await chmod(path, bad)
    await expect(openKeystore(path, passphrase)).rejects.toMatchObject({ code: 'INSECURE_PERMISSIONS' })
    await expect(checkKeystorePermissions(path)).rejects.toMatchObject({ code: 'INSECURE_PERMISSIONS', details: { path } })
    await chmod(path, 0o600)
    expect(await openKeystore(path, passphrase)).toEqual(secrets)
  })

  it.each([0o755, 0o750, 0o701, 0o710])('refuses a keystore in a directory with mode %o', async (bad) => {
    const { dir, path } = await created()
    await chmod(dir, bad)
    await expect(openKeystore(path, passphrase)).rejects.toMatchObject({ code: 'INSECURE_PERMISSIONS', details: { path: dir } })
  })

  it('refuses to create a keystore in an existing group/world-accessible directory, writing nothing', async () => {
    const dir = join(await tempDir(), 'shared')
    await mkdir(dir, { mode: 0o755 })
    await chmod(dir, 0o755)
    await expect(createKeystore(join(dir, 'keystore.json'), newSecrets(), passphrase, fast)).rejects.toMatchObject({ code: 'INSECURE_PERMISSIONS' })
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a symbolic link, even to a valid keystore', async () => {
    const { dir, path } = await created()
    const link = join(dir, 'link.json')
    await symlink(path, link)
    await expect(openKeystore(link, passphrase)).rejects.toMatchObject({ code: 'INSECURE_PERMISSIONS' })
  })

  it('reports a missing keystore as NOT_FOUND', async () => {
    await expect(openKeystore(join(await tempDir(), 'none.json'), passphrase)).rejects.toMatchObject({ code: 'NOT_FOUND' })
  })

  it('never overwrites: an existing keystore, any other file, or a dangling link', async () => {
    const { dir, path, secrets } = await created()
    const before = await readFile(path)
    await expect(createKeystore(path, newSecrets(), 'another passphrase', fast)).rejects.toMatchObject({ code: 'REPO_EXISTS' })
    expect(await readFile(path)).toEqual(before)
    expect(await openKeystore(path, passphrase)).toEqual(secrets)

    await writeFile(join(dir, 'notes.txt'), 'mine', { mode: 0o600 })
    await expect(createKeystore(join(dir, 'notes.txt'), newSecrets(), passphrase, fast)).rejects.toMatchObject({ code: 'REPO_EXISTS' })
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine')

    await symlink(join(dir, 'nowhere'), join(dir, 'dangling'))
    await expect(createKeystore(join(dir, 'dangling'), newSecrets(), passphrase, fast)).rejects.toMatchObject({ code: 'REPO_EXISTS' })
    expect((await lstat(join(dir, 'dangling'))).isSymbolicLink()).toBe(true)
    expect((await readdir(dir)).sort()).toEqual(['dangling', 'keystore.json', 'notes.txt'])
  })

  it('two concurrent creates: exactly one wins, the other gets REPO_EXISTS, no temp file is left', async () => {
    const dir = await tempDir()
    const path = join(dir, 'keystore.json')
    const results = await Promise.allSettled([
      createKeystore(path, newSecrets(), 'first', fast),
      createKeystore(path, newSecrets(), 'second', fast)
    ])
    expect(results.filter(r => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.find(r => r.status === 'rejected')).toMatchObject({ reason: { code: 'REPO_EXISTS' } })
    expect(await readdir(dir)).toEqual(['keystore.json'])
  })

  it.each([
    ['an empty passphrase on create', async (dir: string) => createKeystore(join(dir, 'k.json'), newSecrets(), '', fast)],
    ['an empty passphrase on open', async (dir: string) => openKeystore(join(dir, 'k.json'), '')],
    ['scryptLogN 13', async (dir: string) => createKeystore(join(dir, 'k.json'), newSecrets(), passphrase, { scryptLogN: 13 })],
    ['scryptLogN 21', async (dir: string) => createKeystore(join(dir, 'k.json'), newSecrets(), passphrase, { scryptLogN: 21 })],
    ['scryptLogN 14.5', async (dir: string) => createKeystore(join(dir, 'k.json'), newSecrets(), passphrase, { scryptLogN: 14.5 })],
    ['a 31-byte master seed', async (dir: string) => createKeystore(join(dir, 'k.json'), { ...newSecrets(), masterSeed: new Uint8Array(31) }, passphrase, fast)],
    ['a 15-byte device nonce', async (dir: string) => createKeystore(join(dir, 'k.json'), { ...newSecrets(), deviceNonce: new Uint8Array(15) }, passphrase, fast)],
    ['a createdAt that is not ISO 8601', async (dir: string) => createKeystore(join(dir, 'k.json'), { ...newSecrets(), createdAt: 'yesterday' }, passphrase, fast)],
    ['an empty path', async () => createKeystore('', newSecrets(), passphrase, fast)]
  ])('rejects %s with INVALID_ARGUMENT and writes nothing', async (_name, act) => {
    const dir = await tempDir()
    await expect(act(dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    expect(await readdir(dir)).toEqual([])
  })
})
