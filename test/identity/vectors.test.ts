import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  deriveDeviceKey, deriveIdentityKey, derivePairwiseKey, mnemonicToSeed, openKeystore,
  peerIdFromDidKey, publicKeyFromDidKey, seedToMnemonic, verifyEd25519
} from '../../src/identity/index.ts'
import { sealKeystore } from '../../src/identity/keystore-cipher.ts'
import { serializeKeystore } from '../../src/identity/keystore-format.ts'
import { fromHex, hex, tempDir, readKeysJson, utf8 } from './helpers.ts'

interface Vectors {
  masterSeedHex: string
  mnemonic: string
  identity: { publicKeyHex: string, did: string }
  device: { nonceHex: string, publicKeyHex: string, did: string, peerId: string }
  pairwise: { label: string, publicKeyHex: string, did: string }
  signature: { signer: string, messageUtf8: string, signatureHex: string }
  keystore: { passphrase: string, createdAt: string, saltHex: string, ivHex: string, logN: number, file: unknown }
}
// written once by test/identity/generate-vectors.ts; these tests pin the format to it
const v = await readKeysJson<Vectors>('vectors.json')
const master = fromHex(v.masterSeedHex)

describe('keys/vectors.json is still what the code produces', () => {
  it('recovery phrase', () => {
    expect(seedToMnemonic(master)).toBe(v.mnemonic)
    expect(mnemonicToSeed(v.mnemonic)).toEqual(master)
  })

  it('identity key and DID', () => {
    const identity = deriveIdentityKey(master)
    expect(hex(identity.publicKey)).toBe(v.identity.publicKeyHex)
    expect(identity.did).toBe(v.identity.did)
    expect(hex(publicKeyFromDidKey(v.identity.did))).toBe(v.identity.publicKeyHex)
  })

  it('device key, DID and PeerId', async () => {
    const device = deriveDeviceKey(master, fromHex(v.device.nonceHex))
    expect(hex(device.publicKey)).toBe(v.device.publicKeyHex)
    expect(device.did).toBe(v.device.did)
    expect((await device.toLibp2pPrivateKey()).publicKey.toString()).toBe(v.device.peerId)
    expect(peerIdFromDidKey(v.device.did).toString()).toBe(v.device.peerId)
  })

  it('pairwise key and DID', () => {
    const pairwise = derivePairwiseKey(master, v.pairwise.label)
    expect(hex(pairwise.publicKey)).toBe(v.pairwise.publicKeyHex)
    expect(pairwise.did).toBe(v.pairwise.did)
  })

  it('identity signature over the message', () => {
    expect(v.signature.signer).toBe('identity')
    const message = utf8(v.signature.messageUtf8)
    expect(hex(deriveIdentityKey(master).sign(message))).toBe(v.signature.signatureHex)
    expect(verifyEd25519(fromHex(v.identity.publicKeyHex), message, fromHex(v.signature.signatureHex))).toBe(true)
  })

  it('keystore file: sealed byte for byte, and opened by openKeystore', async () => {
    const k = v.keystore
    const secrets = { masterSeed: master, deviceNonce: fromHex(v.device.nonceHex), createdAt: k.createdAt }
    const sealed = await sealKeystore(secrets, k.passphrase, { logN: k.logN, salt: fromHex(k.saltHex), iv: fromHex(k.ivHex) })
    expect(JSON.parse(serializeKeystore(sealed))).toEqual(k.file)

    const path = join(await tempDir(), 'keystore.json')
    await writeFile(path, JSON.stringify(k.file, null, 2), { mode: 0o600 })
    await chmod(path, 0o600)
    expect(await openKeystore(path, k.passphrase)).toEqual(secrets)
  })
})
