/** Runs the functions given to it one at a time, in call order; a failure does not stop the next. */
export type Serial = <T>(fn: () => Promise<T>) => Promise<T>

export function createSerial (): Serial {
  let tail: Promise<unknown> = Promise.resolve()
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn)
    tail = run.catch(() => {})
    return await run
  }
}
