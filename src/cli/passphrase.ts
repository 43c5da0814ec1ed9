import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { HearthError } from '../errors.ts'
import { promptHidden } from './prompt.ts'

export interface PassphraseSource { passphraseFile?: string }

/** The systemd credential (LoadCredential=/LoadCredentialEncrypted= hearth-passphrase:…) we read. */
export const PASSPHRASE_CREDENTIAL = 'hearth-passphrase'

/**
 * Where the keystore passphrase comes from, in order: --passphrase-file, HEARTH_PASSPHRASE,
 * the systemd credential $CREDENTIALS_DIRECTORY/hearth-passphrase, then a prompt on a terminal.
 * Never a command-line argument: it would show in `ps`.
 */
export async function getPassphrase (source: PassphraseSource, options: { confirm?: boolean } = {}): Promise<string> {
  if (source.passphraseFile !== undefined) return await readPassphraseFile(source.passphraseFile, 'passphrase file')
  const env = process.env.HEARTH_PASSPHRASE
  if (env !== undefined && env !== '') return env
  // systemd.exec(5) "Credentials": set only for a unit with credentials; the file is on a
  // private, non-swappable mount readable by the service alone, so no Environment= secret.
  const credentials = process.env.CREDENTIALS_DIRECTORY
  if (credentials !== undefined && credentials !== '') {
    return await readPassphraseFile(join(credentials, PASSPHRASE_CREDENTIAL), 'systemd credential')
  }
  if (process.stdin.isTTY !== true) {
    throw new HearthError('NO_PASSPHRASE', `no passphrase: pass --passphrase-file <file>, set HEARTH_PASSPHRASE, give the systemd credential ${PASSPHRASE_CREDENTIAL}, or run in a terminal to be asked`)
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

async function readPassphraseFile (path: string, what: string): Promise<string> {
  let st
  try { st = await stat(path) } catch {
    throw new HearthError('NO_PASSPHRASE', `${what} ${path} does not exist`)
  }
  if (!st.isFile() || st.size > 4096) throw new HearthError('NO_PASSPHRASE', `${what} ${path} must be a small regular file`)
  const text = (await readFile(path, 'utf8')).replace(/\r?\n$/, '')
  if (text === '') throw new HearthError('NO_PASSPHRASE', `${what} ${path} is empty`)
  return text
}
