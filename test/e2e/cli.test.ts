import { describe, it, expect } from 'vitest'
import { readFile, stat, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../fixtures/node.ts'
import { hearth, startDaemon } from '../fixtures/cli.ts'

const PASS = 'a long enough test passphrase'
const netFlags = ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--lan', '--dht-mode', 'server', '--api-port', '0']

async function newRepo (): Promise<{ repo: string, passFile: string, init: any }> {
  const dir = await tempDir()
  const passFile = join(dir, 'pass')
  await writeFile(passFile, PASS + '\n', { mode: 0o600 })
  const repo = join(dir, 'repo')
  const r = await hearth(['--repo', repo, '--json', 'init', '--passphrase-file', passFile, ...netFlags])
  expect(r.code, r.stderr).toBe(0)
  return { repo, passFile, init: r.json }
}

describe('the hearth command', () => {
  it('init creates a private keystore, shows the phrase once, and never overwrites it', async () => {
    const { repo, passFile, init } = await newRepo()
    expect(init.did).toMatch(/^did:key:z6Mk/)
    expect(init.peerId).toMatch(/^12D3KooW/)
    expect(init.mnemonic.split(' ')).toHaveLength(24)
    const key = join(repo, 'keystore', 'identity.json')
    expect((await stat(key)).mode & 0o777).toBe(0o600)
    expect((await stat(join(repo, 'keystore'))).mode & 0o777).toBe(0o700)
    expect((await stat(repo)).mode & 0o777).toBe(0o700)
    const before = await readFile(key)

    const again = await hearth(['--repo', repo, '--json', 'init', '--passphrase-file', passFile])
    expect(again.code).toBe(1)
    expect(again.json.error.code).toBe('REPO_EXISTS')
    expect(await readFile(key)).toEqual(before)
  })

  it('start, id, invite, status, peers and connect work between two daemons, and stop is graceful', async () => {
    const a = await newRepo()
    const b = await newRepo()
    const da = await startDaemon(['--repo', a.repo], { HEARTH_PASSPHRASE: PASS })
    expect(da.ready).toMatchObject({ event: 'ready', did: a.init.did, peerId: a.init.peerId })
    const db = await startDaemon(['--repo', b.repo], { HEARTH_PASSPHRASE: PASS }, ['--bootstrap', da.ready.listen[0]])

    const id = await hearth(['--repo', a.repo, '--json', 'id'])
    expect(id.code).toBe(0)
    expect(id.json).toMatchObject({ did: a.init.did, peerId: a.init.peerId })
    const invite = await hearth(['--repo', a.repo, 'invite'])
    expect(invite.code).toBe(0)
    expect(invite.stdout).toContain(`hearth:invite?did=${a.init.did}`)
    expect(invite.stdout).toContain('█') // the QR code
    const status = await hearth(['--repo', b.repo, '--json', 'status'])
    expect(status.code).toBe(0)
    expect(status.json).toMatchObject({ did: b.init.did, dht: { mode: 'server' } })

    const conn = await hearth(['--repo', b.repo, '--json', 'connect', a.init.did])
    expect(conn.code, conn.stderr).toBe(0)
    expect(conn.json).toMatchObject({ did: a.init.did, peerId: a.init.peerId })
    const peers = await hearth(['--repo', b.repo, '--json', 'peers'])
    expect(peers.json.peers).toContainEqual(expect.objectContaining({ peerId: a.init.peerId, did: a.init.did, path: 'direct' }))
    const human = await hearth(['--repo', b.repo, 'peers'])
    expect(human.stdout).toMatch(/^PEER\s+DID/)

    const unknown = await hearth(['--repo', b.repo, '--json', 'connect', 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', '--timeout', '5000'])
    expect(unknown.code).toBe(4)
    expect(unknown.json.error.code).toMatch(/NOT_FOUND|UNREACHABLE/)
    const bad = await hearth(['--repo', b.repo, '--json', 'connect', 'did:web:evil.example'])
    expect(bad.code).toBe(2)
    expect(bad.json.error.code).toBe('INVALID_DID')

    da.child.kill('SIGTERM')
    expect(await da.exited).toBe(0)
    await expect(stat(join(a.repo, 'api'))).rejects.toMatchObject({ code: 'ENOENT' })
    const gone = await hearth(['--repo', a.repo, '--json', 'status'])
    expect(gone.code).toBe(3)
    expect(gone.json.error.code).toBe('DAEMON_NOT_RUNNING')

    const stop = await hearth(['--repo', b.repo, 'stop'])
    expect(stop.code).toBe(0)
    expect(await db.exited).toBe(0)
  })

  it('refuses a wrong passphrase and a readable key file, changing nothing', async () => {
    const { repo, init } = await newRepo()
    const key = join(repo, 'keystore', 'identity.json')
    const before = await readFile(key)
    const wrong = await hearth(['--repo', repo, '--json', 'start'], { env: { HEARTH_PASSPHRASE: 'not the passphrase' } })
    expect(wrong.code).toBe(1)
    expect(wrong.json.error.code).toBe('WRONG_PASSPHRASE')
    expect(await readFile(key)).toEqual(before)

    await chmod(key, 0o644)
    const loose = await hearth(['--repo', repo, '--json', 'start'], { env: { HEARTH_PASSPHRASE: PASS } })
    expect(loose.code).toBe(1)
    expect(loose.json.error.code).toBe('INSECURE_PERMISSIONS')
    expect(loose.stderr).toContain('chmod 600')
    expect(init.did).toMatch(/^did:key:/)
  })

  it('restore reads the phrase from stdin and gives the same DID with a new device key', async () => {
    const { init, passFile } = await newRepo()
    const repo2 = join(await tempDir(), 'repo')
    const r = await hearth(['--repo', repo2, '--json', 'restore', '--passphrase-file', passFile], { input: init.mnemonic + '\n' })
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({ did: init.did })
    expect(r.json.peerId).not.toBe(init.peerId)
    expect(r.json.mnemonic).toBeUndefined()

    const typo = await hearth(['--repo', join(await tempDir(), 'repo'), '--json', 'restore', '--passphrase-file', passFile],
      { input: init.mnemonic.replace(/^\S+/, 'notaword') })
    expect(typo.code).toBe(2)
    expect(typo.json.error.code).toBe('INVALID_MNEMONIC')
  })

  it('teaches with --help and rejects unknown flags and missing repos with clear exit codes', async () => {
    const help = await hearth(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('connect')
    expect(help.stdout).toContain('HEARTH_PATH')
    const typo = await hearth(['stauts'])
    expect(typo.code).toBe(2)
    const flag = await hearth(['init', '--pasphrase-file', 'x'])
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain('unknown option')
    const none = await hearth(['--repo', join(await tempDir(), 'nothing'), '--json', 'start'], { env: { HEARTH_PASSPHRASE: PASS } })
    expect(none.code).toBe(1)
    expect(none.json.error.code).toBe('REPO_NOT_INITIALISED')
    const nopass = await hearth(['--repo', join(await tempDir(), 'r'), '--json', 'init'])
    expect(nopass.code).toBe(1)
    expect(nopass.json.error.code).toBe('NO_PASSPHRASE')
  })
})
