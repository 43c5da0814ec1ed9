/**
 * Identity: one master seed (shown once as a 24-word recovery phrase) from which every key is
 * derived; did:key DIDs; and the encrypted keystore that holds the seed on disk.
 * Formats, labels and vectors: keys/README.md.
 */
import type { PrivateKey } from '@libp2p/interface'

/** An Ed25519 key pair whose private half never leaves this object. */
export interface Ed25519Key {
  /** 32 raw bytes (RFC 8032 section 5.1.5) */
  readonly publicKey: Uint8Array
  /** did:key:z6Mk… of publicKey */
  readonly did: string
  /** 64-byte Ed25519 signature over `data` */
  sign (data: Uint8Array): Uint8Array
  /** The same key as a libp2p PrivateKey, e.g. for createLibp2p({ privateKey }) */
  toLibp2pPrivateKey (): Promise<PrivateKey>
}

/** What the keystore holds. The phrase restores masterSeed; deviceNonce is per device. */
export interface KeystoreSecrets {
  /** 32 bytes: the BIP39 entropy of the recovery phrase */
  masterSeed: Uint8Array
  /** 16 bytes: picks this device's key (and so its PeerId) */
  deviceNonce: Uint8Array
  /** ISO 8601, as written by Date#toISOString */
  createdAt: string
}

export interface KeystoreOptions {
  /**
   * log2 of scrypt's N (r=8, p=1). Default 17 (128 MiB, about 0.3 s); accepted 14..20.
   * Use 15 or more for real keys; 14 exists to keep tests fast.
   */
  scryptLogN?: number
}

export { ed25519FromSeed, verifyEd25519 } from './ed25519.ts'
export { didKeyFromPublicKey, publicKeyFromDidKey, peerIdFromDidKey } from './did-key.ts'
export { generateMasterSeed, seedToMnemonic, mnemonicToSeed } from './mnemonic.ts'
export { deriveIdentityKey, deriveDeviceKey, derivePairwiseKey, newDeviceNonce } from './derive-keys.ts'
export { createKeystore, openKeystore } from './keystore.ts'
export { checkPrivateFile as checkKeystorePermissions } from '../fs/private-files.ts'
export { KEYSTORE_FORMAT_VERSION } from './keystore-format.ts'
