import { readFile, stat } from 'node:fs/promises'
import { HearthError } from '../errors.ts'
import { promptHidden } from './prompt.ts'

export interface PassphraseSource { passphraseFile?: string }

/**
 * Where the keystore passphrase comes from, in order: --passphrase-file, HEARTH_PASSPHRASE,
 * then a prompt on a terminal. Never a command-line argument: it would show in `ps`.
 */
export async function getPassphrase (source: PassphraseSource, options: { confirm?: boolean } = {}): Promise<string> {
  if (source.passphraseFile !== undefined) {
    let st
    try { st = await stat(source.passphraseFile) } catch {
      throw new HearthError('NO_PASSPHRASE', `passphrase file ${source.passphraseFile} does not exist`)
    }
    if (!st.isFile() || st.size > 4096) throw new HearthError('NO_PASSPHRASE', `passphrase file ${source.passphraseFile} must be a small regular file`)
    const text = (await readFile(source.passphraseFile, 'utf8')).replace(/\r?\n$/, '')
    if (text === '') throw new HearthError('NO_PASSPHRASE', `passphrase file ${source.passphraseFile} is empty`)
    return text
  }
  const env = process.env.HEARTH_PASSPHRASE
  if (env !== undefined && env !== '') return env
  if (process.stdin.isTTY !== true) {
    throw new HearthError('NO_PASSPHRASE', 'no passphrase: pass --passphrase-file <file>, set HEARTH_PASSPHRASE, or run in a terminal to be asked')
  }
  const pass = await promptHidden('Passphrase for the keystore: ')
  if (pass === '') throw new HearthError('NO_PASSPHRASE', 'the passphrase must not be empty')
  if (options.confirm === true) {
    if (pass.length < 8) throw new HearthError('INVALID_ARGUMENT', 'passphrase: use at least 8 characters')
    const again = await promptHidden('Repeat it: ')
    if (again !== pass) throw new HearthError('INVALID_ARGUMENT', 'passphrase: the two entries differ; nothing was created')
  }
  return pass
}
