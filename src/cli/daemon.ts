import { createHearthNode } from '../node.ts'
import type { HearthConfig } from '../repo/index.ts'
import { createApiServer } from '../api/index.ts'
import { VERSION } from '../version.ts'
import { info } from './output.ts'

export interface DaemonOptions {
  repo: string
  passphrase: string
  json: boolean
  configure?: (config: HearthConfig) => HearthConfig
}

/** Run a node with its admin API until SIGINT/SIGTERM or POST /v1/shutdown. */
export async function runDaemon (options: DaemonOptions): Promise<void> {
  const t0 = performance.now()
  // Listen for SIGTERM/SIGINT from the first moment (systemd may stop us while the keystore is
  // unlocked or the store opens): the node then stops cleanly once it is up, instead of dying
  // halfway through. `once`: a second signal ends the process at once.
  let early: string | undefined
  let onStopSignal = (sig: string): void => { early ??= sig }
  process.once('SIGINT', () => { onStopSignal('SIGINT') })
  process.once('SIGTERM', () => { onStopSignal('SIGTERM') })
  const node = await createHearthNode({ repo: options.repo, passphrase: options.passphrase, ...(options.configure !== undefined ? { configure: options.configure } : {}) })
  if (early !== undefined) {
    info(`Stopping (${early}) before the node started…`)
    await node.stop()
    info('Stopped.')
    return
  }
  const api = createApiServer(node, { repo: options.repo, port: node.config.api.port, version: VERSION })
  let stopping: Promise<void> | undefined
  const stop = async (why: string): Promise<void> => {
    stopping ??= (async () => {
      info(`Stopping (${why})…`)
      const force = setTimeout(() => { info('Shutdown took too long; exiting.'); process.exit(1) }, 10_000)
      force.unref()
      await api.stop().catch(() => {})
      await node.stop()
      info('Stopped.')
    })()
    await stopping
  }
  try {
    await node.start()
    const { url } = await api.start()
    const ready = { event: 'ready', did: node.did, peerId: node.peerId, api: url, repo: options.repo, listen: node.network.addresses(), ms: Math.round(performance.now() - t0) }
    if (options.json) process.stdout.write(JSON.stringify(ready) + '\n')
    else {
      process.stdout.write([
        `Hearth ${VERSION} is running.`,
        `  DID      ${node.did}`,
        `  PeerId   ${node.peerId}`,
        `  API      ${url}`,
        `  Repo     ${options.repo}`,
        ...ready.listen.map((a, i) => `  ${i === 0 ? 'Listening' : '         '} ${a}`),
        'Press Ctrl-C to stop. In another terminal: npx hearth status'
      ].join('\n') + '\n')
    }
  } catch (err) {
    await api.stop().catch(() => {})
    await node.stop().catch(() => {})
    throw err
  }
  // A failed stop (the store could not be closed) is an error: exit 1, so systemd logs it.
  await new Promise<void>((resolve, reject) => {
    onStopSignal = (sig: string): void => { stop(sig).then(resolve, reject) }
    if (early !== undefined) onStopSignal(early)
    node.shutdownRequested.then(() => { onStopSignal('requested over the API') }, () => {})
  })
}
