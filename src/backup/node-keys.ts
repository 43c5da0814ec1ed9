/**
 * Reading the keystore and config of a repo, or of a bundle, as exact bytes: the bundle
 * carries them byte for byte, and both sides prove the keystore opens before trusting it.
 */
import { constants } from 'node:fs'
import { open } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { HearthError } from '../errors.ts'
import { checkPrivateFile } from '../fs/index.ts'
import { deriveDeviceKey, deriveIdentityKey } from '../identity/index.ts'
import { unsealKeystore } from '../identity/keystore-cipher.ts'
import { parseKeystore } from '../identity/keystore-format.ts'

/** At most `max` bytes of a regular file, through no symlink; a larger file is an error, never cut. */
export async function readBounded (path: string, max: number, what: string): Promise<Uint8Array> {
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (err) {
    throw new HearthError('NOT_FOUND', `cannot read the ${what} at ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { details: { path } })
  }
  try {
    const stats = await handle.stat()
    if (!stats.isFile()) throw new HearthError('INVALID_ARGUMENT', `${path} is not a regular file`, { details: { path } })
    const tooLarge = (): HearthError => new HearthError('INVALID_ARGUMENT', `the ${what} at ${path} is larger than ${max} bytes`, { details: { path } })
    if (stats.size > max) throw tooLarge()
    // one byte more than stat says: a file that grew since is noticed, never silently cut
    const buffer = Buffer.allocUnsafe(stats.size + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > stats.size) throw length > max ? tooLarge() : new HearthError('INVALID_STATE', `the ${what} at ${path} changed while it was read`, { details: { path } })
    return buffer.subarray(0, length)
  } finally {
    await handle.close()
  }
}

export async function readPrivateFile (path: string, max: number, what: string): Promise<Uint8Array> {
  await checkPrivateFile(path)
  return await readBounded(path, max, what)
}

/** Opens keystore bytes with the node passphrase: the DID and device PeerId they hold. */
export async function keystoreIdentity (keystore: Uint8Array, passphrase: string): Promise<{ did: string, peerId: string }> {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(keystore)
  } catch {
    throw new HearthError('CORRUPT_KEYSTORE', 'the keystore is not UTF-8 text')
  }
  const secrets = await unsealKeystore(parseKeystore(text), passphrase)
  try {
    const device = deriveDeviceKey(secrets.masterSeed, secrets.deviceNonce)
    return {
      did: deriveIdentityKey(secrets.masterSeed).did,
      peerId: peerIdFromPrivateKey(await device.toLibp2pPrivateKey()).toString()
    }
  } finally {
    secrets.masterSeed.fill(0)
  }
}
