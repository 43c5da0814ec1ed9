import { readFile } from 'node:fs/promises'
import { HearthError } from '../errors.ts'
import { initRepo, resolveRepo, defaultConfig, repoPaths } from '../repo/index.ts'
import { exists } from '../fs/index.ts'
import type { HearthConfig } from '../repo/index.ts'
import { getPassphrase } from './passphrase.ts'
import { promptLine, readStdin } from './prompt.ts'
import { runDaemon } from './daemon.ts'
import { print, info, bold } from './output.ts'
import { cmdRestoreBundle } from './commands-backup.ts'

/** Options shared by init and start that shape the network config. */
export interface NetworkFlags {
  apiPort?: string
  listen?: string[]
  bootstrap?: string[]
  mdns?: boolean
  dhtMode?: string
  lan?: boolean
}

export interface LocalOptions extends NetworkFlags {
  repo?: string
  json?: boolean
  passphraseFile?: string
  phraseFile?: string
  init?: boolean
  /** restore --bundle <file> [--dry-run] (src/cli/commands-backup.ts) */
  bundle?: string
  dryRun?: boolean
  bundlePassphraseFile?: string
}

export function applyFlags (config: HearthConfig, flags: NetworkFlags): HearthConfig {
  if (flags.apiPort !== undefined) {
    const port = Number(flags.apiPort)
    if (!/^\d+$/.test(flags.apiPort) || port > 65535) throw new HearthError('INVALID_ARGUMENT', `--api-port: ${JSON.stringify(flags.apiPort)} is not a port number (0-65535)`)
    config.api.port = port
  }
  if (flags.listen !== undefined) config.network.listen = flags.listen
  if (flags.bootstrap !== undefined) config.network.bootstrap = flags.bootstrap
  if (flags.mdns === false) config.network.mdns = false
  if (flags.lan === true) config.network.privateAddresses = true
  if (flags.dhtMode !== undefined) config.network.dhtMode = flags.dhtMode as HearthConfig['network']['dhtMode']
  return config
}

/** Returns the passphrase so that `start --init` does not ask twice. */
export async function cmdInit (opts: LocalOptions, restoring = false): Promise<string> {
  if (restoring && opts.bundle !== undefined) {
    if (opts.phraseFile !== undefined) throw new HearthError('INVALID_ARGUMENT', '--phrase-file and --bundle: pick one way to restore')
    await cmdRestoreBundle(opts, c => applyFlags(c, opts))
    return ''
  }
  if (opts.dryRun === true || opts.bundlePassphraseFile !== undefined) throw new HearthError('INVALID_ARGUMENT', '--dry-run and --bundle-passphrase-file go with --bundle <file>')
  const repo = resolveRepo(opts.repo)
  if (await exists(repoPaths(repo).keystore)) {
    throw new HearthError('REPO_EXISTS', `${repo} already holds a Hearth identity; nothing was changed (use another --repo for a second one)`)
  }
  const mnemonic = restoring ? await readPhrase(opts) : undefined
  const config = applyFlags(defaultConfig(), opts)
  const passphrase = await getPassphrase(opts, { confirm: true })
  if (!opts.json) info(`Creating ${restoring ? 'the restored' : 'a new'} identity in ${repo} (deriving the key-encryption key takes a moment)…`)
  const result = await initRepo({ repo, passphrase, config, ...(mnemonic !== undefined ? { mnemonic } : {}) })
  print(opts, result, () => {
    const lines = [
      `${restoring ? 'Restored' : 'Created'} a Hearth identity in ${repo}`,
      `  DID     ${result.did}`,
      `  PeerId  ${result.peerId}${restoring ? '  (a new device key for this machine)' : ''}`
    ]
    if (result.mnemonic !== undefined) {
      const words = result.mnemonic.split(' ')
      lines.push('', bold('Your recovery phrase. It is shown only this once: write it down and keep it offline.'))
      for (let i = 0; i < words.length; i += 4) {
        lines.push('  ' + words.slice(i, i + 4).map((w, j) => `${String(i + j + 1).padStart(2)}. ${w.padEnd(10)}`).join(' '))
      }
      lines.push('Anyone who has these words can act as you. With them, `hearth restore` brings your DID back on a new device.')
    }
    lines.push('', 'Start the node with: npx hearth start')
    return lines.join('\n')
  })
  return passphrase
}

async function readPhrase (opts: LocalOptions): Promise<string> {
  if (opts.phraseFile !== undefined) return await readFile(opts.phraseFile, 'utf8')
  if (process.stdin.isTTY === true) return await promptLine('Recovery phrase (24 words): ')
  return await readStdin()
}

export async function cmdStart (opts: LocalOptions): Promise<void> {
  const repo = resolveRepo(opts.repo)
  if (!(await exists(repoPaths(repo).keystore))) {
    if (opts.init !== true) throw new HearthError('REPO_NOT_INITIALISED', `no Hearth repo at ${repo}: run 'hearth init' first, or 'hearth start --init'`)
    const passphrase = await cmdInit({ ...opts, repo })
    await runDaemon({ repo, passphrase, json: opts.json === true, configure: c => applyFlags(c, opts) })
    return
  }
  const passphrase = await getPassphrase(opts)
  await runDaemon({ repo, passphrase, json: opts.json === true, configure: c => applyFlags(c, opts) })
}
