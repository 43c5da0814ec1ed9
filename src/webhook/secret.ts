/**
 * The HMAC secret: 32 random bytes in `<repo>/webhook.key` (0600, in the 0700 repo directory),
 * never in config.json, so a config file pasted into a bug report does not leak it.
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { HearthError, isHearthError } from '../errors.ts'
import { checkPrivateFile, writeNewPrivateFile } from '../fs/index.ts'
import { WEBHOOK_SECRET_BYTES } from './signature.ts'

/** Reads the secret; NOT_FOUND when there is none yet, INSECURE_PERMISSIONS when others can read it. */
export async function readWebhookSecret (path: string): Promise<Uint8Array> {
  await checkPrivateFile(path)
  const bytes = await readFile(path)
  if (bytes.length !== WEBHOOK_SECRET_BYTES) {
    throw new HearthError('CORRUPT_KEYSTORE', `${path} must hold exactly ${WEBHOOK_SECRET_BYTES} bytes (it has ${bytes.length}); delete it and restart the node to make a new secret, then give the new one to your CRM`,
      { details: { path } })
  }
  return new Uint8Array(bytes)
}

/** The secret, created on first use. An existing file is never overwritten. */
export async function loadOrCreateWebhookSecret (path: string): Promise<Uint8Array> {
  try {
    return await readWebhookSecret(path)
  } catch (err) {
    if (!isHearthError(err, 'NOT_FOUND')) throw err
  }
  try {
    await writeNewPrivateFile(path, randomBytes(WEBHOOK_SECRET_BYTES))
  } catch (err) {
    if (!isHearthError(err, 'REPO_EXISTS')) throw err // another writer won the race: use its file
  }
  return await readWebhookSecret(path)
}
