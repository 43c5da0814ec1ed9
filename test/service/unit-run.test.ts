import { spawn } from 'node:child_process'
import { chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { exists } from '../../src/fs/index.ts'
import { hearth } from '../fixtures/cli.ts'
import { tempDir, waitFor } from '../fixtures/node.ts'
import { CHECKOUT, INSTALL_PATH, credentials, environment, execStart, readUnit, serviceValue } from './unit-file.ts'
import type { UnitFile } from './unit-file.ts'

/**
 * systemd is not PID 1 on this machine (nor on CI), so this reproduces what it would do for
 * docs/systemd/hearth.service, read from the unit itself: StateDirectory= becomes a 0700
 * directory passed as $STATE_DIRECTORY, each LoadCredential= file is copied (0400) into
 * $CREDENTIALS_DIRECTORY, Environment= is set on a clean environment (no HEARTH_* variable of
 * ours leaks in), and exactly ExecStart's argv runs in WorkingDirectory=, with /opt/hearth
 * replaced by this checkout. What it does not reproduce: the user switch and the sandboxing.
 */
const PASSPHRASE = 'a passphrase only the credential knows'

interface Provisioned { root: string, state: string, credentialsDir: string, argv: string[], cwd: string, env: Record<string, string> }

async function provision (unit: UnitFile): Promise<Provisioned> {
  const root = await tempDir('hearth-unit-run-')
  const state = join(root, 'var/lib', serviceValue(unit, 'StateDirectory'))
  await mkdir(state, { recursive: true })
  await chmod(state, Number.parseInt(serviceValue(unit, 'StateDirectoryMode'), 8))
  const credentialsDir = join(root, 'run/credentials/hearth.service')
  await mkdir(credentialsDir, { recursive: true, mode: 0o700 })
  for (const { id, path } of credentials(unit)) {
    // the file the person wrote (root-owned 0600 on the Pi), then systemd's read-only copy
    const source = join(root, path)
    await mkdir(dirname(source), { recursive: true, mode: 0o700 })
    await writeFile(source, PASSPHRASE + '\n', { mode: 0o600 })
    await copyFile(source, join(credentialsDir, id))
    await chmod(join(credentialsDir, id), 0o400)
  }
  return {
    root,
    state,
    credentialsDir,
    argv: execStart(unit),
    cwd: serviceValue(unit, 'WorkingDirectory').replaceAll(INSTALL_PATH, CHECKOUT),
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      HOME: state,
      USER: 'hearth',
      LOGNAME: 'hearth',
      ...environment(unit),
      STATE_DIRECTORY: state,
      CREDENTIALS_DIRECTORY: credentialsDir
    }
  }
}

interface Service { output: () => string, exited: Promise<{ code: number | null, signal: string | null }>, kill: (signal: NodeJS.Signals) => void }

function startLikeSystemd (p: Provisioned): Service {
  const child = spawn(p.argv[0]!, p.argv.slice(1), { cwd: p.cwd, env: p.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', d => { output += d })
  child.stderr.on('data', d => { output += d })
  const exited = new Promise<{ code: number | null, signal: string | null }>(resolve => child.on('close', (code, signal) => { resolve({ code, signal }) }))
  onTestFinished(async () => { if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited } })
  return { output: () => output, exited, kill: signal => child.kill(signal) }
}

async function readyz (state: string): Promise<{ status: number, body: any }> {
  const url = (await readFile(join(state, 'api'), 'utf8')).trim()
  const res = await fetch(`${url}/readyz`)
  return { status: res.status, body: await res.json() }
}

async function waitReady (state: string, service: Service): Promise<{ status: number, body: any }> {
  let last: { status: number, body: any } | undefined
  await waitFor('the service to answer /readyz with 200', async () => {
    if (!(await exists(join(state, 'api')))) return false
    last = await readyz(state).catch(() => undefined)
    return last?.status === 200
  }, 60_000).catch(err => { throw new Error(`${(err as Error).message}; output so far:\n${service.output()}`) })
  return last!
}

describe('the node started the way docs/systemd/hearth.service starts it', () => {
  it('unlocks with the credential, uses the state directory, answers /readyz, and stops cleanly on SIGTERM (twice)', async () => {
    const { unit } = await readUnit()
    const p = await provision(unit)
    // A low-power config written before init is kept by init (README "Run it on a Raspberry Pi").
    await writeFile(join(p.state, 'config.json'), JSON.stringify({
      version: 1,
      profile: 'low-power',
      network: { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, upnp: false },
      api: { port: 0 }
    }), { mode: 0o600 })
    // hearth init through the real CLI, with nothing but the service's directories to go on
    const init = await hearth(['--json', 'init'], { env: { STATE_DIRECTORY: p.state, CREDENTIALS_DIRECTORY: p.credentialsDir, HEARTH_PATH: '' } })
    expect(init.code, init.stderr).toBe(0)
    expect(init.json.repo).toBe(p.state)

    for (const round of [1, 2]) {
      const service = startLikeSystemd(p)
      const ready = await waitReady(p.state, service)
      expect(ready.body).toMatchObject({ ready: true })
      expect(ready.body.listening).toBeGreaterThan(0)
      const token = (await readFile(join(p.state, 'api.token'), 'utf8')).trim()
      const url = (await readFile(join(p.state, 'api'), 'utf8')).trim()
      const status: any = await (await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${token}` } })).json()
      expect(status).toMatchObject({ did: init.json.did, repo: p.state, profile: 'low-power', maxConnections: 32, dht: { mode: 'client' } })

      service.kill('SIGTERM')
      const exit = await service.exited
      expect(exit, `round ${round}: ${service.output()}`).toEqual({ code: 0, signal: null })
      expect(service.output()).toMatch(/Stopping \(SIGTERM\)…\nStopped\./)
      // removed only by a graceful stop: no client finds a token for a node that is gone
      expect(await exists(join(p.state, 'api'))).toBe(false)
      expect(await exists(join(p.state, 'api.token'))).toBe(false)
      expect(service.output()).not.toContain(PASSPHRASE)
    }
  })

  it('fails to start, with the reason in its output, when the credential holds the wrong passphrase', async () => {
    const { unit } = await readUnit()
    const p = await provision(unit)
    const init = await hearth(['init'], { env: { STATE_DIRECTORY: p.state, CREDENTIALS_DIRECTORY: p.credentialsDir, HEARTH_PATH: '' } })
    expect(init.code, init.stderr).toBe(0)
    const credential = join(p.credentialsDir, credentials(unit)[0]!.id)
    await chmod(credential, 0o600)
    await writeFile(credential, 'not the passphrase')
    const service = startLikeSystemd(p)
    // Restart=on-failure: a non-zero exit is what makes systemd log it and try again
    expect(await service.exited).toEqual({ code: 1, signal: null })
    expect(service.output()).toMatch(/wrong passphrase.*\[WRONG_PASSPHRASE\]/)
    expect(await exists(join(p.state, 'api'))).toBe(false)
  })
})
