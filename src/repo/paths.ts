import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** Files inside a repo. keys/README.md and docs/store-layout.md describe their formats. */
export const repoPaths = (repo: string) => ({
  root: repo,
  config: join(repo, 'config.json'),
  keystoreDir: join(repo, 'keystore'),
  keystore: join(repo, 'keystore', 'identity.json'),
  datastore: join(repo, 'datastore'),
  api: join(repo, 'api'),
  apiToken: join(repo, 'api.token'),
  /** the CRM webhook's HMAC secret, 32 bytes, 0600 (src/webhook/secret.ts) */
  webhookKey: join(repo, 'webhook.key')
})
export type RepoPaths = ReturnType<typeof repoPaths>

/**
 * Where the data lives: --repo > HEARTH_PATH > systemd's $STATE_DIRECTORY > the platform
 * default (DESIGN.md section 9), like Kubo's IPFS_PATH.
 */
export function resolveRepo (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return resolve(flag)
  if (env.HEARTH_PATH !== undefined && env.HEARTH_PATH !== '') return resolve(env.HEARTH_PATH)
  // systemd may pass several colon-separated directories; the first is ours.
  const state = env.STATE_DIRECTORY?.split(':')[0]
  if (state !== undefined && state !== '') return resolve(state)
  return defaultRepo(env)
}

export function defaultRepo (env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? homedir()
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'hearth')
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'hearth')
  const xdg = env.XDG_DATA_HOME
  return join(xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.local', 'share'), 'hearth')
}
