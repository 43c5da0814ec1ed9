/**
 * Writes keys/vectors.json. Run once, by hand, when the key format changes on purpose:
 *   node test/identity/generate-vectors.ts > keys/vectors.json
 * vectors.test.ts then checks that the code still produces every value in that file.
 */
import {
  deriveDeviceKey, deriveIdentityKey, derivePairwiseKey, seedToMnemonic
} from '../../src/identity/index.ts'
import { sealKeystore } from '../../src/identity/keystore-cipher.ts'
import { serializeKeystore } from '../../src/identity/keystore-format.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))

const masterSeedHex = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
const deviceNonceHex = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'
const pairwiseLabel = 'intent:0001'
const message = 'hearth test vector'
const masterSeed = fromHex(masterSeedHex)

const identity = deriveIdentityKey(masterSeed)
const device = deriveDeviceKey(masterSeed, fromHex(deviceNonceHex))
const pairwise = derivePairwiseKey(masterSeed, pairwiseLabel)

const keystore = {
  passphrase: 'correct horse battery staple',
  createdAt: '2026-01-01T00:00:00.000Z',
  saltHex: '101112131415161718191a1b1c1d1e1f',
  ivHex: '202122232425262728292a2b',
  logN: 14
}
const sealed = await sealKeystore(
  { masterSeed, deviceNonce: fromHex(deviceNonceHex), createdAt: keystore.createdAt },
  keystore.passphrase,
  { logN: keystore.logN, salt: fromHex(keystore.saltHex), iv: fromHex(keystore.ivHex) })

const vectors = {
  description: 'Hearth key derivation test vectors (keys/README.md). TEST SEED ONLY: never use it for a real identity.',
  masterSeedHex,
  mnemonic: seedToMnemonic(masterSeed),
  identity: { publicKeyHex: hex(identity.publicKey), did: identity.did },
  device: {
    nonceHex: deviceNonceHex,
    publicKeyHex: hex(device.publicKey),
    did: device.did,
    peerId: (await device.toLibp2pPrivateKey()).publicKey.toString()
  },
  pairwise: { label: pairwiseLabel, publicKeyHex: hex(pairwise.publicKey), did: pairwise.did },
  signature: {
    signer: 'identity',
    messageUtf8: message,
    signatureHex: hex(identity.sign(new TextEncoder().encode(message)))
  },
  keystore: { ...keystore, file: JSON.parse(serializeKeystore(sealed)) }
}

process.stdout.write(JSON.stringify(vectors, null, 2) + '\n')
