import { readdir } from 'node:fs/promises'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { HearthError, notInitialised } from '../errors.ts'
import {
  createKeystore, openKeystore, deriveIdentityKey, deriveDeviceKey, generateMasterSeed,
  mnemonicToSeed, newDeviceNonce, seedToMnemonic
} from '../identity/index.ts'
import type { Ed25519Key } from '../identity/index.ts'
import { defaultConfig, loadConfig, parseConfig, saveConfig } from './config.ts'
import type { HearthConfig } from './config.ts'
import { repoPaths } from './paths.ts'
import { checkPrivateDirectory, ensurePrivateDirectory, exists } from '../fs/index.ts'

export interface InitOptions {
  repo: string
  passphrase: string
  /** restore: the recovery phrase of an existing identity */
  mnemonic?: string
  /** the config to write (defaults otherwise) */
  config?: HearthConfig
  /** scrypt cost (2^N); tests use a lower one, the default is the keystore's */
  scryptLogN?: number
}

export interface InitResult {
  repo: string
  did: string
  peerId: string
  /** shown once at init; undefined on restore (she already has it) */
  mnemonic?: string
}

/** Create a repo: private directory, config.json, encrypted keystore. Never overwrites. */
export async function initRepo (options: InitOptions): Promise<InitResult> {
  const paths = repoPaths(options.repo)
  if (await exists(paths.keystore)) {
    throw new HearthError('REPO_EXISTS', `${options.repo} already holds a Hearth identity; nothing was changed (use another --repo to create a second one)`)
  }
  if (await exists(paths.root) && (await readdir(paths.root)).some(f => f !== 'config.json' && !f.startsWith('.'))) {
    throw new HearthError('REPO_EXISTS', `${options.repo} is not empty; pick an empty or new directory`)
  }
  // Validate everything before writing anything.
  const masterSeed = options.mnemonic !== undefined ? mnemonicToSeed(options.mnemonic) : generateMasterSeed()
  // A config.json already there (written by hand before init) is kept, so it must be valid.
  const existing = await exists(paths.config) ? await loadConfig(paths.config) : undefined
  const config = existing ?? (options.config !== undefined ? parseConfig(options.config) : defaultConfig())
  const deviceNonce = newDeviceNonce()
  await ensurePrivateDirectory(paths.root)
  await ensurePrivateDirectory(paths.keystoreDir)
  if (existing === undefined) await saveConfig(paths.config, config)
  await createKeystore(paths.keystore, { masterSeed, deviceNonce, createdAt: new Date().toISOString() }, options.passphrase,
    options.scryptLogN !== undefined ? { scryptLogN: options.scryptLogN } : undefined)
  const identity = deriveIdentityKey(masterSeed)
  const device = deriveDeviceKey(masterSeed, deviceNonce)
  const peerId = peerIdFromPrivateKey(await device.toLibp2pPrivateKey()).toString()
  return {
    repo: options.repo,
    did: identity.did,
    peerId,
    ...(options.mnemonic === undefined ? { mnemonic: seedToMnemonic(masterSeed) } : {})
  }
}

export interface OpenedRepo {
  repo: string
  config: HearthConfig
  identity: Ed25519Key
  device: Ed25519Key
  masterSeed: Uint8Array
}

/** Check permissions, load config, unlock the keystore. Changes nothing on disk. */
export async function openRepo (repo: string, passphrase: string): Promise<OpenedRepo> {
  const paths = repoPaths(repo)
  if (!(await exists(paths.keystore))) throw notInitialised(repo)
  await checkPrivateDirectory(paths.root)
  const config = await loadConfig(paths.config)
  const secrets = await openKeystore(paths.keystore, passphrase)
  return {
    repo,
    config,
    identity: deriveIdentityKey(secrets.masterSeed),
    device: deriveDeviceKey(secrets.masterSeed, secrets.deviceNonce),
    masterSeed: secrets.masterSeed
  }
}
