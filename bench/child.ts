/** Run bench/idle-node.ts (or a bare `node -e`) in a child process and read the memory it reports. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface ChildMemory { kind: string, rss: number, heapUsed: number, heapTotal: number, external: number }

const SCRIPT = fileURLToPath(new URL('./idle-node.ts', import.meta.url))
const IDLE_MS = 3000

/** idle-node.ts with these arguments; execArgv are Node flags (e.g. a V8 heap setting). */
export async function idleChildMemory (args: string[], execArgv: string[] = []): Promise<ChildMemory> {
  return await run([...execArgv, SCRIPT, ...args])
}

/** A plain-JavaScript Node process that loads nothing (no TypeScript stripping), idle as long. */
export async function bareJsMemory (): Promise<ChildMemory> {
  const code = `setTimeout(() => { const m = process.memoryUsage(); console.log(JSON.stringify({ kind: 'bare-js', rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external })) }, ${IDLE_MS})`
  return await run(['-e', code])
}

async function run (argv: string[], timeoutMs = 30_000): Promise<ChildMemory> {
  const child = spawn(process.execPath, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HEARTH_BENCH_IDLE_MS: String(IDLE_MS) }
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d })
  const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
  const code = await new Promise<number | null>(resolve => child.on('close', c => { resolve(c) }))
  clearTimeout(timer)
  const line = out.split('\n').find(l => l.startsWith('{'))
  if (code !== 0 || line === undefined) throw new Error(`idle child (${argv.slice(-2).join(' ')}) exited with ${code}: ${err.trim().slice(-500)}`)
  return JSON.parse(line) as ChildMemory
}
