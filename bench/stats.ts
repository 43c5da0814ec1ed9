/** Order statistics for latency samples (nearest-rank, so p99 of 30 samples is the maximum). */

export interface Summary {
  n: number
  p50: number
  p99: number
  min: number
  max: number
  mean: number
}

/** The q-quantile (0 < q <= 1) by the nearest-rank method. */
export function percentile (samples: readonly number[], q: number): number {
  if (samples.length === 0) throw new Error('percentile of no samples')
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1]!
}

export function summarize (samples: readonly number[]): Summary {
  return {
    n: samples.length,
    p50: percentile(samples, 0.5),
    p99: percentile(samples, 0.99),
    min: Math.min(...samples),
    max: Math.max(...samples),
    mean: samples.reduce((a, b) => a + b, 0) / samples.length
  }
}

/** Time one async call in milliseconds (performance.now, sub-millisecond). */
export async function timeMs (fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return performance.now() - t
}

/** Run fn n times in a row and return the durations. */
export async function sample (n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) out.push(await timeMs(async () => await fn(i)))
  return out
}
