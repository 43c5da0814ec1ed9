import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hearth } from '../fixtures/cli.ts'
import { tempDir, waitFor } from '../fixtures/node.ts'
import { launch, openPage, skipBrowser, startDashboardNode } from './harness.ts'
import { seeText } from './wait.ts'

describe('hearth dashboard', () => {
  it('prints the address with the token in the fragment; the browser opens it straight into her node', async () => {
    const me = await startDashboardNode()
    const r = await hearth(['--repo', me.node.repo, '--json', 'dashboard'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toEqual({ url: `${me.url}/#token=${me.token}` })
    const human = await hearth(['--repo', me.node.repo, 'dashboard'])
    expect(human.code).toBe(0)
    expect(human.stdout.split('\n')[0]).toBe(`${me.url}/#token=${me.token}`)
    expect(human.stdout).toContain('do not share it')

    if (skipBrowser) return // the HTTP part above runs everywhere; the browser part needs Chromium
    const browser = await launch()
    const w = await openPage(browser)
    await w.page.goto(r.json.url)
    await seeText(w.page, '#did', me.node.did)
    expect(w.page.url()).toBe(`${me.url}/#/`)
  })

  it('--open hands the address to xdg-open', async () => {
    const me = await startDashboardNode()
    const bin = await tempDir()
    const log = join(bin, 'opened')
    // a stand-in for the desktop's opener: it records what it was asked to open
    await writeFile(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${log}'\n`)
    await chmod(join(bin, 'xdg-open'), 0o755)
    const r = await hearth(['--repo', me.node.repo, '--json', 'dashboard', '--open'], { env: { PATH: `${bin}:${process.env.PATH ?? ''}` } })
    expect(r.code, r.stderr).toBe(0)
    await waitFor('xdg-open to run', async () => await readFile(log, 'utf8').then(s => s !== '', () => false))
    expect(await readFile(log, 'utf8')).toBe(`${me.url}/#token=${me.token}`)
  })

  it('without a running daemon it says so and exits 3', async () => {
    const repo = await tempDir()
    const r = await hearth(['--repo', repo, '--json', 'dashboard'])
    expect(r.code).toBe(3)
    expect(r.json.error.code).toBe('DAEMON_NOT_RUNNING')
    expect(r.stderr).toContain('hearth start')
  })

  it('with a stale api file (the daemon has gone) it prints no dead link', async () => {
    const me = await startDashboardNode()
    const { url, token } = me
    await me.api.stop()
    // what a daemon killed with -9 leaves behind
    await writeFile(join(me.node.repo, 'api'), `${url}\n`, { mode: 0o600 })
    await writeFile(join(me.node.repo, 'api.token'), `${token}\n`, { mode: 0o600 })
    const r = await hearth(['--repo', me.node.repo, '--json', 'dashboard'])
    expect(r.code).toBe(3)
    expect(r.json.error.code).toBe('DAEMON_NOT_RUNNING')
    expect(r.stdout).not.toContain(token)
  })
})
