import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { describe, it, expect } from 'vitest'
import { defaultConfig, initRepo, loadConfig, openRepo, repoPaths } from '../../src/repo/index.ts'
import type { InitOptions } from '../../src/repo/index.ts'
import { TEST_PASSPHRASE, TEST_SCRYPT_LOG_N, tempDir } from '../fixtures/node.ts'

// keys/vectors.json: the recovery phrase of the test seed 00..1f and its DID
const MNEMONIC = 'abandon amount liar amount expire adjust cage candy arch gather drum bullet absurd math era live bid rhythm alien crouch range attend journey unaware'
const MNEMONIC_DID = 'did:key:z6MkkZP9HTxk5r5RBeMk7fyLu9NPmvqYLrtcKfxmVAoYgeEn'

const newRepo = async (): Promise<string> => join(await tempDir('hearth-repo-'), 'repo')
const init = async (repo: string, extra: Partial<InitOptions> = {}) =>
  await initRepo({ repo, passphrase: TEST_PASSPHRASE, scryptLogN: TEST_SCRYPT_LOG_N, ...extra })
const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

/** Every file and directory under `root` with its mode, size, mtime and content: to show nothing changed. */
async function snapshot (root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name)
      const st = await stat(p)
      const meta = `${(st.mode & 0o777).toString(8)} ${st.size} ${st.mtimeMs}`
      if (e.isDirectory()) { out[relative(root, p) + '/'] = meta; await walk(p) } else out[relative(root, p)] = `${meta} ${(await readFile(p)).toString('base64')}`
    }
  }
  await walk(root)
  return out
}

describe('initRepo', () => {
  it('creates config.json and the keystore, mode 0600, in 0700 directories', async () => {
    const repo = await newRepo()
    const result = await init(repo)
    const paths = repoPaths(repo)
    expect(result).toMatchObject({ repo, did: expect.stringMatching(/^did:key:z6Mk/), peerId: expect.stringMatching(/^12D3KooW/) })
    expect(result.mnemonic!.split(' ')).toHaveLength(24)
    expect(await readdir(repo)).toEqual(expect.arrayContaining(['config.json', 'keystore']))
    expect(await readdir(paths.keystoreDir)).toEqual(['identity.json'])
    expect(await mode(repo)).toBe(0o700)
    expect(await mode(paths.keystoreDir)).toBe(0o700)
    expect(await mode(paths.keystore)).toBe(0o600)
    expect(await mode(paths.config)).toBe(0o600)
    expect(await loadConfig(paths.config)).toEqual(defaultConfig())

    const opened = await openRepo(repo, TEST_PASSPHRASE)
    expect(opened.identity.did).toBe(result.did)
    expect(opened.config).toEqual(defaultConfig())
  })

  it('writes the config it is given', async () => {
    const repo = await newRepo()
    const config = defaultConfig()
    config.api.port = 7100
    config.network.mdns = false
    await init(repo, { config })
    expect(await loadConfig(repoPaths(repo).config)).toEqual(config)
  })

  it('restores the same DID from a recovery phrase, with a new device (PeerId), and shows no phrase', async () => {
    const a = await init(await newRepo(), { mnemonic: MNEMONIC })
    const b = await init(await newRepo(), { mnemonic: MNEMONIC })
    expect(a.did).toBe(MNEMONIC_DID)
    expect(b.did).toBe(MNEMONIC_DID)
    expect(a.peerId).not.toBe(b.peerId)
    expect(a.mnemonic).toBeUndefined()
  })

  it('twice gives REPO_EXISTS and changes nothing', async () => {
    const repo = await newRepo()
    await init(repo)
    const before = await snapshot(repo)
    await expect(init(repo)).rejects.toMatchObject({ code: 'REPO_EXISTS', message: expect.stringMatching(/already holds a Hearth identity; nothing was changed/) })
    await expect(init(repo, { mnemonic: MNEMONIC })).rejects.toMatchObject({ code: 'REPO_EXISTS' })
    expect(await snapshot(repo)).toEqual(before)
  })

  it('refuses a directory that holds unrelated files, and writes nothing there', async () => {
    const repo = await newRepo()
    await mkdir(repo, { mode: 0o700 })
    await writeFile(join(repo, 'notes.txt'), 'my notes')
    await mkdir(join(repo, 'photos'))
    const before = await snapshot(repo)
    await expect(init(repo)).rejects.toMatchObject({ code: 'REPO_EXISTS', message: expect.stringMatching(/is not empty; pick an empty or new directory/) })
    expect(await snapshot(repo)).toEqual(before)
  })

  it('accepts an existing empty 0700 directory', async () => {
    const repo = await newRepo()
    await mkdir(repo, { mode: 0o700 })
    await init(repo)
    expect((await openRepo(repo, TEST_PASSPHRASE)).repo).toBe(repo)
  })

  it('keeps a config.json that is already there (prepared before init)', async () => {
    const repo = await newRepo()
    await mkdir(repo, { mode: 0o700 })
    const config = defaultConfig()
    config.api.port = 7200
    await writeFile(join(repo, 'config.json'), JSON.stringify(config), { mode: 0o600 })
    await init(repo)
    expect((await openRepo(repo, TEST_PASSPHRASE)).config.api.port).toBe(7200)
  })

  // src bug (see the report): initRepo keeps an existing config.json without validating it, so
  // init reports success and every later open fails with INVALID_CONFIG.
  it('refuses a broken config.json that is already there, before writing a keystore', async () => {
    const repo = await newRepo()
    await mkdir(repo, { mode: 0o700 })
    await writeFile(join(repo, 'config.json'), '{"version":1,"apiListn":1}', { mode: 0o600 })
    await expect(init(repo)).rejects.toMatchObject({ code: 'INVALID_CONFIG' })
  })

  it.each([
    ['a word not in the list', MNEMONIC.replace('liar', 'lyre')],
    ['a bad checksum', MNEMONIC.replace('unaware', 'abandon')],
    ['12 words of 24', MNEMONIC.split(' ').slice(0, 12).join(' ')],
    ['empty', '']
  ])('restoring from a bad recovery phrase (%s) gives INVALID_MNEMONIC and writes nothing', async (_name, mnemonic) => {
    const repo = await newRepo()
    await expect(init(repo, { mnemonic })).rejects.toMatchObject({ code: 'INVALID_MNEMONIC' })
    await expect(stat(repo)).rejects.toMatchObject({ code: 'ENOENT' })

    await mkdir(repo, { mode: 0o700 })
    await expect(init(repo, { mnemonic })).rejects.toMatchObject({ code: 'INVALID_MNEMONIC' })
    expect(await readdir(repo)).toEqual([])
  })

  it('with an invalid config gives INVALID_CONFIG and writes nothing', async () => {
    const repo = await newRepo()
    const config = defaultConfig()
    config.network.maxConnections = 1e9
    await expect(init(repo, { config })).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('network.maxConnections') })
    await expect(stat(repo)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('openRepo', () => {
  it('on a missing repo gives REPO_NOT_INITIALISED, pointing to hearth init', async () => {
    const repo = await newRepo()
    const notInit = { code: 'REPO_NOT_INITIALISED', message: expect.stringMatching(/no Hearth repo at .*: run 'hearth init' first/) }
    await expect(openRepo(repo, TEST_PASSPHRASE)).rejects.toMatchObject(notInit)
    await mkdir(repo, { mode: 0o700 })
    await writeFile(join(repo, 'config.json'), JSON.stringify(defaultConfig()), { mode: 0o600 })
    await expect(openRepo(repo, TEST_PASSPHRASE)).rejects.toMatchObject(notInit)
  })

  it.each([
    ['not JSON', '{"version":1,', /fix it or restore it from a backup/],
    ['an unknown key', '{"version":1,"apiListn":1}', /config apiListn: unknown key/],
    ['empty', '', /not valid JSON/]
  ])('with a config.json that is %s gives INVALID_CONFIG and leaves the keystore untouched', async (_name, text, why) => {
    const repo = await newRepo()
    await init(repo)
    const paths = repoPaths(repo)
    await writeFile(paths.config, text)
    const keystore = await snapshot(paths.keystoreDir)
    await expect(openRepo(repo, TEST_PASSPHRASE)).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringMatching(why) })
    expect(await snapshot(paths.keystoreDir)).toEqual(keystore)
    expect(await readFile(paths.config, 'utf8')).toBe(text)
  })

  it('with the repo directory at 0755 gives INSECURE_PERMISSIONS, naming the mode and the fix', async () => {
    const repo = await newRepo()
    await init(repo)
    await chmod(repo, 0o755)
    await expect(openRepo(repo, TEST_PASSPHRASE)).rejects.toMatchObject({
      code: 'INSECURE_PERMISSIONS',
      message: expect.stringMatching(/has mode 0755; .*chmod 600 for files, 700 for directories/),
      details: { path: repo, mode: 0o755 }
    })
    expect(await mode(repo)).toBe(0o755) // checked, never chmod-ed behind her back
    await chmod(repo, 0o700)
    await expect(openRepo(repo, TEST_PASSPHRASE)).resolves.toMatchObject({ repo })
  })

  it.each([
    ['the keystore directory at 0750', (repo: string) => chmod(repoPaths(repo).keystoreDir, 0o750)],
    ['the keystore file at 0644', (repo: string) => chmod(repoPaths(repo).keystore, 0o644)]
  ])('with %s gives INSECURE_PERMISSIONS', async (_name, loosen) => {
    const repo = await newRepo()
    await init(repo)
    await loosen(repo)
    await expect(openRepo(repo, TEST_PASSPHRASE)).rejects.toMatchObject({ code: 'INSECURE_PERMISSIONS' })
  })

  it('with a wrong passphrase gives WRONG_PASSPHRASE and changes nothing', async () => {
    const repo = await newRepo()
    await init(repo)
    const before = await snapshot(repo)
    await expect(openRepo(repo, 'not the passphrase')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' })
    expect(await snapshot(repo)).toEqual(before)
  })
})
