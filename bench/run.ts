/**
 * npm run bench [-- --json]: runs the suites and prints a table, or one JSON object on stdout
 * ({ version, machine, <suite>: { figures, info } }). Progress goes to stderr. The machine
 * is shared and noisy: read each figure against its floor from the same run (report.ts).
 * A new suite is one more entry in SUITES; its figures keep the shape of report.ts.
 */
import { cpus, loadavg, totalmem, platform, arch } from 'node:os'
import { parseArgs } from 'node:util'
import { writeFile } from 'node:fs/promises'
import { formatTable } from './report.ts'
import type { SuiteResult } from './report.ts'
import { runFoundation } from './foundation.ts'
import { runAgreements } from './agreements.ts'
import { runRelay } from './relay.ts'
import { runIntentcast } from './intentcast.ts'
import { progress } from './progress.ts'

export const REPORT_VERSION = 1

const SUITES: Record<string, () => Promise<SuiteResult>> = {
  foundation: runFoundation,
  agreements: runAgreements,
  relay: runRelay,
  intentcast: runIntentcast
}

const USAGE = `usage: npm run -s bench -- [--json] [--out <file>] [--only <suite>]
  --json         print one JSON object on stdout instead of the table (npm's -s keeps its
                 "> hearth@… bench" banner off stdout, so the output parses as JSON)
  --out <file>   also write the JSON object to <file>
  --only <name>  run one suite (${Object.keys(SUITES).join(', ')})`

function machine (): Record<string, unknown> {
  const c = cpus()
  return {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    totalMemMB: Math.round(totalmem() / 1e6),
    loadavg1m: Math.round(loadavg()[0]! * 100) / 100
  }
}

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) { process.stdout.write(USAGE + '\n'); return }
  const names = values.only !== undefined ? [values.only] : Object.keys(SUITES)
  for (const n of names) if (SUITES[n] === undefined) throw new Error(`no suite ${n}\n${USAGE}`)

  const m = machine()
  const t0 = performance.now()
  const results: Record<string, SuiteResult> = {}
  // In-process memory networks hold no socket, and AbortSignal.timeout() does not keep the
  // process alive: a stuck await would let Node exit quietly with status 0 and print nothing.
  // This keeps the loop alive until the suites are done, so every timeout can fire.
  const keepAlive = setInterval(() => {}, 60_000)
  try {
    for (const n of names) {
      progress(`suite ${n}`)
      results[n] = await SUITES[n]!()
    }
  } finally {
    clearInterval(keepAlive)
  }
  const seconds = Math.round((performance.now() - t0) / 100) / 10
  progress(`done in ${seconds} s`)

  m.loadavg1mEnd = Math.round(loadavg()[0]! * 100) / 100
  m.benchSeconds = seconds
  const json = JSON.stringify({ version: REPORT_VERSION, machine: m, ...results }, null, 2) + '\n'
  if (values.out !== undefined) await writeFile(values.out, json)
  if (values.json) {
    process.stdout.write(json)
  } else {
    const head = `Hearth bench: node ${String(m.node)}, ${String(m.cpus)} x ${String(m.cpuModel)}, load ${String(m.loadavg1m)} -> ${String(m.loadavg1mEnd)}, ${seconds} s\n` +
      'ratio = value / floor (floor / value for rates), >= 1 is slower than the floor; the floor is the same work\n' +
      'done by raw libp2p or node:crypto in the same run. p99 of 30 samples is their maximum.\n'
    process.stdout.write(head + '\n' + formatTable(results))
  }
}

let finished = false
process.on('exit', code => {
  if (!finished && code === 0) {
    process.stderr.write('bench failed: the process ran out of work before the suites finished (a stuck await)\n')
    process.exitCode = 1
  }
})
main().then(() => { finished = true }, err => {
  finished = true
  process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
})
