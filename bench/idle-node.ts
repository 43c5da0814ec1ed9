/**
 * Child process for the idle-RSS figure: start one node, stay idle, print its memory as one
 * JSON line on stdout, stop, exit. Usage: node bench/idle-node.ts hearth <repo> | raw | bare
 * (bare = an idle Node.js process that loads nothing, the runtime's own share).
 * Each kind imports only what it needs, so the raw child loads no Hearth module.
 */
import { sleep } from './util.ts'

const IDLE_MS = Number(process.env.HEARTH_BENCH_IDLE_MS ?? 3000)
const [kind, repo] = process.argv.slice(2)

let stop = async (): Promise<void> => {}
if (kind === 'hearth') {
  if (repo === undefined) throw new Error('usage: idle-node.ts hearth <repo>')
  const { openBenchNode } = await import('./fixture.ts')
  const node = await openBenchNode(repo, 'tcp')
  await node.start()
  stop = async () => { await node.stop() }
} else if (kind === 'raw') {
  const { createRawNode } = await import('./raw-node.ts')
  const node = await createRawNode('tcp')
  await node.start()
  stop = async () => { await node.stop() }
} else if (kind !== 'bare') {
  throw new Error(`unknown kind ${String(kind)} (hearth <repo> | raw | bare)`)
}
await sleep(IDLE_MS)
const m = process.memoryUsage()
process.stdout.write(JSON.stringify({ kind, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external }) + '\n')
await stop()
