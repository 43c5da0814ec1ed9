import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

/** The shipped unit, and the install path it assumes (README "Run it on a Raspberry Pi"). */
export const UNIT_PATH = fileURLToPath(new URL('../../docs/systemd/hearth.service', import.meta.url))
export const INSTALL_PATH = '/opt/hearth'
/** This checkout: stands in for /opt/hearth in the tests. */
export const CHECKOUT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')

/** Section -> key -> every value given (systemd allows repeated keys). */
export type UnitFile = Map<string, Map<string, string[]>>

/** A reader for the subset of systemd.syntax(7) the unit uses: sections, `Key=value`, comments. */
export function parseUnit (text: string): UnitFile {
  const unit: UnitFile = new Map()
  let section: Map<string, string[]> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      section = new Map()
      unit.set(header[1]!, section)
      continue
    }
    if (line.endsWith('\\')) throw new Error(`line continuations are not supported by this reader: ${line}`)
    const eq = line.indexOf('=')
    if (eq < 1 || section === undefined) throw new Error(`not a Key=value line inside a section: ${line}`)
    const key = line.slice(0, eq).trim()
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()])
  }
  return unit
}

export async function readUnit (): Promise<{ text: string, unit: UnitFile }> {
  const text = await readFile(UNIT_PATH, 'utf8')
  return { text, unit: parseUnit(text) }
}

/** The one value of a [Service] key; throws when it is absent or repeated. */
export function serviceValue (unit: UnitFile, key: string): string {
  const values = unit.get('Service')?.get(key) ?? []
  if (values.length !== 1) throw new Error(`[Service] ${key}= appears ${values.length} times`)
  return values[0]!
}

/** Split a command line or Environment= value into words, honouring double and single quotes. */
export function splitWords (value: string): string[] {
  const words: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g
  for (const m of value.matchAll(re)) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]!))
  return words
}

/** ExecStart as argv, with the install path replaced by `root`. Prefixes (-, @, +, !) are refused: the unit uses none. */
export function execStart (unit: UnitFile, root = CHECKOUT): string[] {
  const argv = splitWords(serviceValue(unit, 'ExecStart')).map(w => w.replaceAll(INSTALL_PATH, root))
  if (/^[-@:+!]/.test(argv[0] ?? '')) throw new Error(`ExecStart prefix not supported here: ${argv[0]}`)
  return argv
}

/** Every Environment= assignment, as systemd would set it. */
export function environment (unit: UnitFile): Record<string, string> {
  const env: Record<string, string> = {}
  for (const value of unit.get('Service')?.get('Environment') ?? []) {
    for (const word of splitWords(value)) {
      const eq = word.indexOf('=')
      if (eq < 1) throw new Error(`Environment= word without '=': ${word}`)
      env[word.slice(0, eq)] = word.slice(eq + 1)
    }
  }
  return env
}

/** LoadCredential=ID:PATH entries. */
export function credentials (unit: UnitFile): Array<{ id: string, path: string }> {
  return (unit.get('Service')?.get('LoadCredential') ?? []).map(v => {
    const colon = v.indexOf(':')
    if (colon < 1) throw new Error(`LoadCredential= without ID:PATH: ${v}`)
    return { id: v.slice(0, colon), path: v.slice(colon + 1) }
  })
}

/** Why the systemd-analyze test cannot run here, or undefined when it can. */
export function systemdAnalyzeSkipReason (): string | undefined {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' })
    return undefined
  } catch {
    return 'systemd-analyze is not installed (Debian package systemd; .ci/run installs it as root)'
  }
}
