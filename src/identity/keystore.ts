/**
 * The encrypted keystore on disk: create once, open on every start. Format in
 * keystore-format.ts; threat notes in keys/README.md.
 */
import { constants } from 'node:fs'
import { lstat, open } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { HearthError, insecurePermissions, invalidArgument } from '../errors.ts'
import { alreadyExists, writeNewPrivateFile } from '../fs/atomic-write.ts'
import { assertPath, checkPrivateFile as checkKeystorePermissions, ensurePrivateDirectory, isErrno } from '../fs/private-files.ts'
import type { KeystoreOptions, KeystoreSecrets } from './index.ts'
import { sealKeystore, unsealKeystore } from './keystore-cipher.ts'
import { DEFAULT_SCRYPT_LOG_N, MAX_KEYSTORE_BYTES, MAX_SCRYPT_LOG_N, MIN_SCRYPT_LOG_N, parseKeystore, serializeKeystore } from './keystore-format.ts'
import { assertSecrets, passphraseBytes } from './keystore-secrets.ts'

async function exists (path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false
    throw err
  }
}

/**
 * Encrypts `secrets` into a new file at `path` (mode 0600; its directory is created 0700 if
 * missing). Refuses to replace any existing file (REPO_EXISTS).
 */
export async function createKeystore (path: string, secrets: KeystoreSecrets, passphrase: string, options: KeystoreOptions = {}): Promise<void> {
  const file = resolve(assertPath(path))
  const valid = assertSecrets(secrets)
  passphraseBytes(passphrase).fill(0)
  const logN = options.scryptLogN ?? DEFAULT_SCRYPT_LOG_N
  if (!Number.isSafeInteger(logN) || logN < MIN_SCRYPT_LOG_N || logN > MAX_SCRYPT_LOG_N) {
    // the upper bound is the reader's: a file we could not open again is no backup
    throw invalidArgument('scryptLogN', `must be an integer in ${MIN_SCRYPT_LOG_N}..${MAX_SCRYPT_LOG_N} (default ${DEFAULT_SCRYPT_LOG_N})`)
  }
  await ensurePrivateDirectory(dirname(file))
  // checked again, atomically, by the final link; this check only saves a slow scrypt run
  if (await exists(file)) throw alreadyExists(file)

  const sealed = await sealKeystore(valid, passphrase, { logN })
  await writeNewPrivateFile(file, new TextEncoder().encode(serializeKeystore(sealed)))
  await checkKeystorePermissions(file)
}

/** Reads at most MAX_KEYSTORE_BYTES, through no symlink, re-checking the mode on the open file. */
async function readKeystoreText (file: string): Promise<string> {
  const corrupt = (why: string): HearthError => new HearthError('CORRUPT_KEYSTORE', `keystore is damaged: ${why}`)
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const stats = await handle.stat()
    if ((stats.mode & 0o077) !== 0) throw insecurePermissions(file, stats.mode)
    if (stats.size > MAX_KEYSTORE_BYTES) throw corrupt(`larger than ${MAX_KEYSTORE_BYTES} bytes`)
    const buffer = Buffer.alloc(MAX_KEYSTORE_BYTES + 1)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    if (bytesRead > MAX_KEYSTORE_BYTES) throw corrupt(`larger than ${MAX_KEYSTORE_BYTES} bytes`)
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, bytesRead))
    } catch {
      throw corrupt('not UTF-8 text')
    }
  } finally {
    await handle.close()
  }
}

/**
 * Decrypts the keystore at `path`. Checks permissions first, validates the header before
 * running scrypt, and changes nothing on disk whatever happens.
 */
export async function openKeystore (path: string, passphrase: string): Promise<KeystoreSecrets> {
  const file = resolve(assertPath(path))
  passphraseBytes(passphrase).fill(0)
  await checkKeystorePermissions(file)
  const sealed = parseKeystore(await readKeystoreText(file))
  return unsealKeystore(sealed, passphrase)
}
