import { describe, it, expect } from 'vitest'
import { readFile, stat } from 'node:fs/promises'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from '../fixtures/node.ts'
import { hearth } from '../fixtures/cli.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The first shell block of the README: the two commands a newcomer runs. */
async function readmeCommands (): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  const block = readme.match(/```(?:sh|bash|shell)\n([\s\S]*?)```/)?.[1] ?? ''
  return block.split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('#'))
}

describe('the README', () => {
  it('opens with two commands: install-and-start, then the tests', async () => {
    const [first, second] = await readmeCommands()
    expect(first).toBe('npm ci && npm start')
    expect(second).toBe('npm test')
    const ci = await readFile(join(ROOT, '.ci', 'run'), 'utf8')
    expect(ci).toContain('npm test')
  })

  it('npm start on a fresh machine creates an identity in the default data directory and runs a node', async () => {
    const home = await tempDir()
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: '', HEARTH_PATH: '', STATE_DIRECTORY: '', HEARTH_PASSPHRASE: 'a newcomer passphrase', NO_COLOR: '1' }
    const child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', d => { out += d })
    child.stderr.on('data', d => { out += d })
    const exited = new Promise<number | null>(resolve => child.on('close', resolve))
    try {
      const deadline = Date.now() + 30_000
      while (!out.includes('is running') && Date.now() < deadline && child.exitCode === null) await new Promise(resolve => setTimeout(resolve, 100))
      expect(out).toContain('is running')
      expect(out).toMatch(/recovery phrase/i)
      expect(out).toMatch(/24\. \w+/)
      const repo = join(home, '.local', 'share', 'hearth')
      expect((await stat(join(repo, 'keystore', 'identity.json'))).mode & 0o777).toBe(0o600)
      const status = await hearth(['--json', 'status'], { env })
      expect(status.code, status.stderr).toBe(0)
      expect(out).toContain(status.json.did)
      expect(status.json.repo).toBe(repo)
      expect((await hearth(['stop'], { env })).code).toBe(0)
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 60_000)
})
