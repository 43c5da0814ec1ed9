import { styleText } from 'node:util'
import { renderUnicodeCompact } from 'uqr'
import { HearthError, isHearthError } from '../errors.ts'
import { exitCodeFor } from './exit.ts'

export interface OutputOptions { json?: boolean }

/** Results go to stdout (one JSON document with --json); messages and progress go to stderr. */
export function print (opts: OutputOptions, value: unknown, human: () => string): void {
  if (opts.json === true) process.stdout.write(JSON.stringify(value, null, 2) + '\n')
  else process.stdout.write(human() + '\n')
}

export const info = (msg: string): void => { process.stderr.write(msg + '\n') }
export const bold = (s: string): string => styleText('bold', s, { stream: process.stdout })
export const dim = (s: string): string => styleText('dim', s, { stream: process.stdout })

export function qr (text: string): string {
  return renderUnicodeCompact(text, { border: 1 })
}

/** Print an error the same way for every command and return its exit code. */
export function fail (opts: OutputOptions, err: unknown): number {
  const e = isHearthError(err) ? err : new HearthError('INTERNAL', (err as Error)?.message ?? String(err))
  if (opts.json === true) process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n')
  process.stderr.write(`${styleText('red', 'Error', { stream: process.stderr })}: ${e.message} [${e.code}]\n`)
  if (!isHearthError(err) && process.env.HEARTH_DEBUG !== undefined) process.stderr.write(String((err as Error)?.stack) + '\n')
  return exitCodeFor(e.code)
}

export function table (rows: string[][]): string {
  if (rows.length === 0) return ''
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  return rows.map(r => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i]!)).join('  ')).join('\n')
}
