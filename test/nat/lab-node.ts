/**
 * Real `hearth start` daemons inside lab namespaces, driven through their admin API by an agent
 * process in the same namespace (test/nat/api-agent.ts).
 */
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { initRepo } from '../../src/repo/index.ts'
import { defaultConfig } from '../../src/repo/config.ts'
import type { HearthConfig } from '../../src/repo/index.ts'
import type { PeerView, StatusView, ConnectResult } from '../../src/api/backend.ts'
import type { Host, NatLab } from './netns.ts'

export const CLI = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))
export const AGENT = fileURLToPath(new URL('./api-agent.ts', import.meta.url))
export const LAB_PASSPHRASE = 'lab passphrase, not a secret'
export const P2P_PORT = 4012

/** Each daemon listens on every IPv4 address of its namespace, port 4012, no mDNS, API on a free port. */
export function labConfig (change: (c: HearthConfig) => void = () => {}): HearthConfig {
  const c = defaultConfig()
  c.network.listen = [`/ip4/0.0.0.0/tcp/${P2P_PORT}`]
  c.network.mdns = false
  c.api.port = 0
  change(c)
  return c
}

export interface ApiAnswer { status: number, body: any }

/** Sends API requests from inside a namespace. */
export class Agent {
  private readonly child: ChildProcess
  private next = 1
  private readonly waiting = new Map<number, (a: ApiAnswer | Error) => void>()

  constructor (lab: NatLab, host: Host) {
    this.child = lab.spawn(host, process.execPath, [AGENT])
    createInterface({ input: this.child.stdout! }).on('line', line => {
      const a = JSON.parse(line) as { id: number, status?: number, body?: unknown, error?: string }
      const done = this.waiting.get(a.id)
      this.waiting.delete(a.id)
      done?.(a.error !== undefined ? new Error(a.error) : { status: a.status!, body: a.body })
    })
  }

  async call (repo: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = 60_000): Promise<ApiAnswer> {
    const id = this.next++
    const answer = new Promise<ApiAnswer | Error>(resolve => { this.waiting.set(id, resolve) })
    this.child.stdin!.write(JSON.stringify({ id, repo, method, path, body, timeoutMs }) + '\n')
    const a = await answer
    if (a instanceof Error) throw a
    return a
  }
}

export interface Ready { did: string, peerId: string, api: string, listen: string[], ms: number }

export class LabDaemon {
  child: ChildProcess | undefined
  ready: Ready | undefined
  stderr = ''

  readonly name: string
  readonly lab: NatLab
  readonly host: Host
  readonly repo: string
  readonly passFile: string
  readonly agent: Agent

  constructor (name: string, lab: NatLab, host: Host, repo: string, passFile: string, agent: Agent) {
    this.name = name
    this.lab = lab
    this.host = host
    this.repo = repo
    this.passFile = passFile
    this.agent = agent
  }

  static async create (name: string, lab: NatLab, host: Host, agent: Agent, config: HearthConfig): Promise<LabDaemon> {
    const repo = join(lab.dir, name)
    await initRepo({ repo, passphrase: LAB_PASSPHRASE, config, scryptLogN: 14 })
    return new LabDaemon(name, lab, host, repo, join(lab.dir, 'passphrase'), agent)
  }

  get did (): string { return this.ready!.did }
  get peerId (): string { return this.ready!.peerId }
  /** the address others bootstrap to */
  get addr (): string { return `/ip4/${this.host.ip}/tcp/${P2P_PORT}/p2p/${this.peerId}` }
  get pid (): number { return this.child!.pid! }

  /** `hearth --repo <repo> start --json` in the namespace; resolves with its ready line. */
  async start (): Promise<Ready> {
    this.stderr = ''
    const child = this.child = this.lab.spawn(this.host, process.execPath, [CLI, '--repo', this.repo, 'start', '--json', '--passphrase-file', this.passFile], { NO_COLOR: '1' })
    child.stderr!.on('data', d => { this.stderr = (this.stderr + String(d)).slice(-4000) })
    this.ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`${this.name} not ready in 30 s: ${this.stderr}`)) }, 30_000)
      createInterface({ input: child.stdout! }).on('line', line => {
        if (!line.startsWith('{')) return
        clearTimeout(timer)
        resolve(JSON.parse(line) as Ready)
      })
      child.once('exit', code => { clearTimeout(timer); reject(new Error(`${this.name} exited ${code}: ${this.stderr}`)) })
    })
    return this.ready
  }

  /** POST /v1/shutdown and wait for the process to exit. */
  async stop (): Promise<number | null> {
    const child = this.child!
    const exited = new Promise<number | null>(resolve => {
      if (child.exitCode !== null) resolve(child.exitCode)
      else child.once('exit', code => { resolve(code) })
    })
    await this.api('POST', '/v1/shutdown', {})
    return await exited
  }

  async api (method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<ApiAnswer> {
    return await this.agent.call(this.repo, method, path, body, timeoutMs)
  }

  async status (): Promise<StatusView> { return (await this.ok('GET', '/v1/status')) as StatusView }
  async peers (): Promise<PeerView[]> { return ((await this.ok('GET', '/v1/peers')) as { peers: PeerView[] }).peers }
  async connect (target: string, timeoutMs = 30_000): Promise<ConnectResult> {
    return (await this.ok('POST', '/v1/connect', { target, timeoutMs }, timeoutMs + 5_000)) as ConnectResult
  }

  /** The API answer body when it is 2xx; otherwise an error with the body. */
  async ok (method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<unknown> {
    const a = await this.api(method, path, body, timeoutMs)
    if (a.status >= 300) throw new Error(`${this.name} ${method} ${path}: ${a.status} ${JSON.stringify(a.body)}`)
    return a.body
  }

  /** Resident memory of the daemon process (kB), from /proc. */
  rssKb (): number {
    return rss(this.pid)
  }
}

export function rss (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? NaN)
}

/** Run the real `hearth` CLI inside a namespace (a client of the daemon's API there). */
export async function hearthCli (lab: NatLab, host: Host, args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = lab.spawn(host, process.execPath, [CLI, ...args], { NO_COLOR: '1' })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', d => { stdout += String(d) })
  child.stderr!.on('data', d => { stderr += String(d) })
  child.stdin!.end()
  const timer = setTimeout(() => { child.kill('SIGKILL') }, 30_000)
  const code = await new Promise<number | null>(resolve => { child.on('close', resolve) })
  clearTimeout(timer)
  return { code, stdout, stderr }
}
