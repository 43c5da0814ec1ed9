/**
 * One agreements pattern alone, for a profiler: `node bench/profile-agreements.ts hearth|raw [n]`
 * runs n (default 500) complete agreements with 16 in flight after a warm-up and prints the
 * rate and the CPU per agreement. MEASURE_START/MEASURE_END on stderr carry the monotonic clock
 * (seconds), to cut the measured part out of a profile:
 *
 *   perf record -k CLOCK_MONOTONIC -F 1999 -g -- node --perf-basic-prof bench/profile-agreements.ts hearth
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile-agreements.ts hearth
 */
import { hearthPattern, inFlight, rawPattern, IN_FLIGHT, WARMUP } from './agreements.ts'

const which = process.argv[2]
if (which !== 'hearth' && which !== 'raw') throw new Error('usage: node bench/profile-agreements.ts hearth|raw [n]')
const n = Number(process.argv[3] ?? 500)
const pattern = which === 'raw' ? await rawPattern() : await hearthPattern()
// in-process memory networks hold no socket: keep the loop alive until the run is done
const keepAlive = setInterval(() => {}, 60_000)
try {
  await inFlight(WARMUP, IN_FLIGHT, pattern.one)
  const clock = (): number => Number(process.hrtime.bigint()) / 1e9
  process.stderr.write(`MEASURE_START ${clock()}\n`)
  const run = await inFlight(n, IN_FLIGHT, pattern.one)
  process.stderr.write(`MEASURE_END ${clock()}\n`)
  process.stdout.write(`${which}: ${(n / run.wallMs * 1000).toFixed(0)} agreements/s, CPU ${(run.cpuMs / n).toFixed(2)} ms per agreement (main thread ${(run.mainThreadCpuMs / n).toFixed(2)} ms)\n`)
} finally {
  clearInterval(keepAlive)
  await pattern.stop()
}
