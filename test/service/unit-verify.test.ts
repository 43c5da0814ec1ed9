import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PASSPHRASE_CREDENTIAL } from '../../src/cli/passphrase.ts'
import { tempDir } from '../fixtures/node.ts'
import { CHECKOUT, INSTALL_PATH, credentials, execStart, readUnit, serviceValue, systemdAnalyzeSkipReason } from './unit-file.ts'

const skip = systemdAnalyzeSkipReason()

/** `systemd-analyze verify` on a copy of the unit: its exit code and every line about the copy. */
async function verify (text: string): Promise<{ code: number | null, complaints: string[] }> {
  const file = join(await tempDir('hearth-unit-'), 'hearth.service')
  await writeFile(file, text)
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 60_000 })
  const complaints = `${r.stdout}\n${r.stderr}`.split('\n').filter(l => l.includes('hearth.service'))
  return { code: r.status, complaints }
}

describe.skipIf(skip !== undefined)(`the systemd unit passes systemd-analyze verify${skip !== undefined ? ` (skipped: ${skip})` : ''}`, () => {
  it('verifies without a single complaint once /opt/hearth is this checkout', async () => {
    const { text } = await readUnit()
    expect(await verify(text.replaceAll(INSTALL_PATH, CHECKOUT))).toEqual({ code: 0, complaints: [] })
  })

  it('names a misspelt setting and a missing binary (the check above can fail)', async () => {
    const { text } = await readUnit()
    const typo = await verify(text.replaceAll(INSTALL_PATH, CHECKOUT).replace('ProtectSystem=strict', 'ProtectSytem=strict'))
    expect(typo.complaints.join('\n')).toMatch(/Unknown key (name )?'ProtectSytem'/)
    const missing = await verify(text.replaceAll(INSTALL_PATH, '/nonexistent/hearth'))
    expect(missing.code).not.toBe(0)
    expect(missing.complaints.join('\n')).toMatch(/\/nonexistent\/hearth\/node_modules\/\.bin\/node is not executable/)
  })
})

describe('the systemd unit', () => {
  it('runs the pinned Node on the CLI from /opt/hearth as the hearth user, with its state directory and credential', async () => {
    const { unit } = await readUnit()
    expect(execStart(unit, INSTALL_PATH)).toEqual([`${INSTALL_PATH}/node_modules/.bin/node`, `${INSTALL_PATH}/src/cli/main.ts`, 'start'])
    expect(['exec', 'simple']).toContain(serviceValue(unit, 'Type'))
    expect(serviceValue(unit, 'User')).toBe('hearth')
    expect(serviceValue(unit, 'StateDirectory')).toBe('hearth')
    expect(serviceValue(unit, 'StateDirectoryMode')).toBe('0700')
    expect(credentials(unit)).toEqual([{ id: PASSPHRASE_CREDENTIAL, path: '/etc/hearth/passphrase' }])
    expect(serviceValue(unit, 'KillSignal')).toBe('SIGTERM')
    expect(serviceValue(unit, 'Restart')).toBe('on-failure')
    // the daemon gives up by itself after 10 s (src/cli/daemon.ts); systemd must wait longer
    expect(Number(serviceValue(unit, 'TimeoutStopSec'))).toBeGreaterThan(10)
  })

  it('is hardened the ways Node tolerates, and never with MemoryDenyWriteExecute', async () => {
    const { unit } = await readUnit()
    for (const [key, value] of Object.entries({
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      LockPersonality: 'yes',
      RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6 AF_NETLINK'
    })) expect(serviceValue(unit, key), key).toBe(value)
    // V8's JIT needs W+X pages: Node aborts at start under MemoryDenyWriteExecute=yes (nodejs/node#55509)
    expect(unit.get('Service')?.has('MemoryDenyWriteExecute')).toBe(false)
    expect(unit.get('Service')?.has('DynamicUser')).toBe(false)
    expect(unit.get('Service')?.get('User')).not.toContain('root')
  })
})
