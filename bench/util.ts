/** Small async helpers shared by the bench files (no Hearth or libp2p imports here). */

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export async function waitFor (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** Run fn over items with at most `limit` in flight. */
export async function inBatches<T, R> (items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

/** A random ordered pair (a, b) of distinct nodes, never the same two as an earlier pick (kept in `used`). */
export function freshPair<T> (nodes: readonly T[], used: Set<string>): [T, T] {
  for (let tries = 0; tries < 100_000; tries++) {
    const i = Math.floor(Math.random() * nodes.length)
    const j = Math.floor(Math.random() * nodes.length)
    const key = `${Math.min(i, j)}:${Math.max(i, j)}`
    if (i === j || used.has(key)) continue
    used.add(key)
    return [nodes[i]!, nodes[j]!]
  }
  throw new Error(`no unused pair left among ${nodes.length} nodes`)
}
