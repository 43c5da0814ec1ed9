/** Small fixtures for the identity tests: temp dirs that clean up after themselves, hex, vectors. */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
export const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** A fresh directory (mode 0700, from mkdtemp) removed when the current test ends. */
export async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-identity-'))
  onTestFinished(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

/** Reads a file from keys/ (the project's own copy, never ../shared). */
export async function readKeysJson<T> (name: string): Promise<T> {
  return JSON.parse(await readFile(new URL(`../../keys/${name}`, import.meta.url), 'utf8')) as T
}
