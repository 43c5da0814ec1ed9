import { spawn } from 'node:child_process'
import type { Command } from 'commander'
import { resolveRepo } from '../repo/index.ts'
import { connectClient, daemonNotRunning, readDaemonAddress } from './client.ts'
import { dim, info, print } from './output.ts'

type Runner = (fn: (...args: any[]) => Promise<unknown>) => (...args: any[]) => Promise<void>

export interface DashboardOptions { repo?: string, json?: boolean, open?: boolean }

/**
 * `hearth dashboard`: the address of the running daemon's web dashboard, with the API token in
 * the URL fragment. A fragment never goes to a server (RFC 3986 3.5; browsers strip it from
 * requests and from the Referer), and the page moves it into its tab's sessionStorage and out
 * of the address bar at once.
 */
export async function cmdDashboard (opts: DashboardOptions): Promise<void> {
  const repo = resolveRepo(opts.repo)
  const found = await readDaemonAddress(repo)
  if (found === undefined) throw daemonNotRunning(repo)
  const { url: base, token } = found
  // Ask the daemon once with this token, so a stale api file never gives a dead link.
  await (await connectClient(repo)).get('/v1/id', { timeoutMs: 10_000 })
  const url = `${base}/#token=${encodeURIComponent(token)}`
  print(opts, { url }, () => [
    url,
    dim('Open this address in a browser on this computer. It carries your API token: do not share it.'),
    dim('It works until the node restarts; then run hearth dashboard again.')
  ].join('\n'))
  if (opts.open === true && !(await openBrowser(url))) {
    info('Could not start a browser (xdg-open); open the address above yourself.')
  }
}

/**
 * Hands the URL to the desktop's opener. The URL is then on that process's command line, which
 * other local users can read (ps) for a moment: the same exposure as the printed address, and
 * the reason --open is opt-in.
 */
async function openBrowser (url: string): Promise<boolean> {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open'
  return await new Promise(resolve => {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' })
    child.once('error', () => { resolve(false) })
    child.once('spawn', () => { child.unref(); resolve(true) })
  })
}

export function registerDashboardCommand (program: Command, run: Runner): void {
  program.command('dashboard')
    .description('print the address of the web dashboard of the running node (with its token)')
    .option('--open', 'also open it in the default browser (xdg-open)')
    .addHelpText('after', '\nThe dashboard is served by the daemon on 127.0.0.1. See docs/dashboard.md.')
    .action(run(cmdDashboard))
}
