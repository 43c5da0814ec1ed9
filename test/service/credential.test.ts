import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { exists } from '../../src/fs/index.ts'
import { PASSPHRASE_CREDENTIAL } from '../../src/cli/passphrase.ts'
import { hearth, startDaemon } from '../fixtures/cli.ts'
import { tempDir } from '../fixtures/node.ts'

const RIGHT = 'the passphrase in the systemd credential'

/** A directory laid out like systemd's $CREDENTIALS_DIRECTORY, and an empty data directory beside it. */
async function setup (credential?: string): Promise<{ repo: string, credentialsDir: string }> {
  const dir = await tempDir('hearth-cred-')
  const credentialsDir = join(dir, 'credentials')
  await mkdir(credentialsDir, { mode: 0o700 })
  if (credential !== undefined) await writeFile(join(credentialsDir, PASSPHRASE_CREDENTIAL), credential, { mode: 0o400 })
  return { repo: join(dir, 'repo'), credentialsDir }
}

describe('the keystore passphrase from a systemd credential ($CREDENTIALS_DIRECTORY/hearth-passphrase)', () => {
  it('is used when neither --passphrase-file nor HEARTH_PASSPHRASE is given, and comes after both', async () => {
    const { repo, credentialsDir } = await setup(RIGHT + '\n')
    const env = { CREDENTIALS_DIRECTORY: credentialsDir }
    // a closed local config, written before init (init keeps it)
    await mkdir(repo, { mode: 0o700 })
    await writeFile(join(repo, 'config.json'), JSON.stringify({ version: 1, network: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, upnp: false }, api: { port: 0 } }), { mode: 0o600 })
    const init = await hearth(['--repo', repo, '--json', 'init'], { env })
    expect(init.code, init.stderr).toBe(0)
    expect(await exists(join(repo, 'keystore', 'identity.json'))).toBe(true)

    // HEARTH_PASSPHRASE comes first: a wrong one fails although the credential is right
    const envFirst = await hearth(['--repo', repo, 'start'], { env: { ...env, HEARTH_PASSPHRASE: 'wrong passphrase' } })
    expect(envFirst.code).toBe(1)
    expect(envFirst.stderr).toContain('[WRONG_PASSPHRASE]')
    // and --passphrase-file before that
    const wrongFile = join(credentialsDir, '..', 'wrong')
    await writeFile(wrongFile, 'also wrong', { mode: 0o600 })
    const flagFirst = await hearth(['--repo', repo, 'start', '--passphrase-file', wrongFile], { env })
    expect(flagFirst.code).toBe(1)
    expect(flagFirst.stderr).toContain('[WRONG_PASSPHRASE]')
    // with the credential alone the node unlocks and runs (its trailing newline was dropped)
    const daemon = await startDaemon(['--repo', repo], { ...env, HEARTH_PASSPHRASE: '' })
    expect(daemon.ready.did).toBe(init.json.did)
    expect(daemon.ready.repo).toBe(repo)
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toBe(0)
  })

  it('refuses a missing, empty or non-file credential with NO_PASSPHRASE, naming it, and creates nothing', async () => {
    for (const [credential, why] of [[undefined, 'does not exist'], ['', 'is empty'], ['\n', 'is empty']] as const) {
      const { repo, credentialsDir } = await setup(credential)
      const r = await hearth(['--repo', repo, 'init'], { env: { CREDENTIALS_DIRECTORY: credentialsDir } })
      expect(r.code, why).toBe(1)
      expect(r.stderr).toContain(`systemd credential ${join(credentialsDir, PASSPHRASE_CREDENTIAL)} ${why}`)
      expect(r.stderr).toContain('[NO_PASSPHRASE]')
      expect(await exists(repo)).toBe(false)
    }
    const { repo, credentialsDir } = await setup()
    await mkdir(join(credentialsDir, PASSPHRASE_CREDENTIAL))
    const dir = await hearth(['--repo', repo, 'init'], { env: { CREDENTIALS_DIRECTORY: credentialsDir } })
    expect(dir.code).toBe(1)
    expect(dir.stderr).toMatch(/must be a small regular file \[NO_PASSPHRASE\]/)
    expect(await exists(repo)).toBe(false)
  })

  it('is named in the error when no passphrase source exists at all', async () => {
    const { repo } = await setup()
    const r = await hearth(['--repo', repo, 'init'], { env: { CREDENTIALS_DIRECTORY: '' } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`the systemd credential ${PASSPHRASE_CREDENTIAL}`)
  })
})
