/** Progress goes to stderr, so that stdout carries only the table or the JSON. */
const started = performance.now()

export function progress (message: string): void {
  const s = ((performance.now() - started) / 1000).toFixed(1).padStart(6)
  process.stderr.write(`[bench ${s}s] ${message}\n`)
}
