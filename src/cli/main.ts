#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander'
import { VERSION } from '../version.ts'
import { cmdInit, cmdStart } from './commands-local.ts'
import { cmdConnect, cmdContacts, cmdId, cmdInvite, cmdPeers, cmdStatus, cmdStop } from './commands-remote.ts'
import { fail } from './output.ts'
import { cmdAgreements, cmdCounter, cmdDecide, cmdExport, cmdLedgerVerify, cmdProfile, cmdProfileSet, cmdPropose, cmdShow, cmdTerms } from './commands-agree.ts'
import { EXIT_OK, EXIT_USAGE } from './exit.ts'
import { registerWebhookCommands } from './commands-webhook.ts'
import { registerIntentCommands } from './commands-intent.ts'
import { registerBackupCommands } from './commands-backup.ts'
import { registerDashboardCommand } from './commands-dashboard.ts'

// `hearth peers | head` closes our stdout early; that is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EPIPE') process.exit(0); throw err })

const program = new Command('hearth')
  .description('Hearth: your own home on the Internet. A self-sovereign DID, your own terms, your own record of every agreement.')
  .version(VERSION)
  .option('--repo <dir>', 'data directory (env HEARTH_PATH; default ~/.local/share/hearth)')
  .option('--json', 'print results as JSON on stdout (errors too), for scripts')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .addHelpText('after', `
First run:
  $ npx hearth start --init        create an identity (shows your recovery phrase once) and start
Everyday:
  $ npx hearth status              is it running, how is it connected
  $ npx hearth invite              your invitation (URI + QR code) to share
  $ npx hearth connect <did>       reach someone by DID alone (or paste their invitation)
  $ npx hearth peers               who you are connected to

Environment:
  HEARTH_PATH         data directory, when --repo is not given
  HEARTH_PASSPHRASE   keystore passphrase for unattended starts (prefer --passphrase-file)
  CREDENTIALS_DIRECTORY  set by systemd: the passphrase is read from its hearth-passphrase credential

Exit codes: 0 ok, 1 error, 2 bad usage, 3 daemon not running, 4 peer not found or unreachable.`)

const passphraseOpt = (): Option => new Option('--passphrase-file <file>', 'read the keystore passphrase from this file (for unattended starts)')
const networkOpts = (cmd: Command): Command => cmd
  .option('--api-port <port>', 'admin API port on 127.0.0.1/[::1] (0 = any free port)')
  .option('--listen <multiaddr...>', 'libp2p listen addresses')
  .option('--bootstrap <multiaddr...>', 'bootstrap peers (…/p2p/<peerId>)')
  .option('--no-mdns', 'do not look for Hearth nodes on the local network')
  .option('--lan', 'let the DHT use private and loopback addresses (a home LAN or a local test network)')
  .addOption(new Option('--dht-mode <mode>', 'DHT mode').choices(['auto', 'client', 'server']))

const run = (fn: (...args: any[]) => Promise<unknown>) => async (...args: any[]): Promise<void> => {
  const cmd = args.at(-1) as Command
  try {
    await fn(...args.slice(0, -2), cmd.optsWithGlobals())
  } catch (err) {
    process.exitCode = fail(cmd.optsWithGlobals(), err)
  }
}

networkOpts(program.command('init')
  .description('create a new identity and data directory; shows the recovery phrase once')
  .addOption(passphraseOpt())
  .addHelpText('after', '\nThe passphrase encrypts the keys on disk. It is asked for on a terminal, or read from --passphrase-file or HEARTH_PASSPHRASE.'))
  .action(run(async (opts) => { await cmdInit(opts) }))

networkOpts(program.command('start')
  .description('run the node (libp2p + admin API) until Ctrl-C')
  .option('--init', 'create the identity first if this data directory has none')
  .addOption(passphraseOpt()))
  .action(run(async (opts) => { await cmdStart(opts) }))

networkOpts(program.command('restore')
  .description('bring an identity back from its 24-word recovery phrase, with a new device key; or the whole node from a backup bundle (--bundle)')
  .option('--phrase-file <file>', 'read the recovery phrase from a file (default: ask, or read stdin)')
  .option('--bundle <file>', 'restore the whole node (same DID, device key and agreements) from a `hearth export` bundle into a new or empty --repo')
  .option('--dry-run', 'with --bundle: check the bundle and show what it holds; write nothing')
  .option('--bundle-passphrase-file <file>', 'with --bundle: the bundle\'s passphrase, if it is not the node\'s own')
  .addOption(passphraseOpt()))
  .action(run(async (opts) => { await cmdInit(opts, true) }))

program.command('id').description('show this node\'s DID, PeerId and addresses').action(run(cmdId))
program.command('invite').description('show an invitation (URI and QR code) others can use to connect')
  .option('--no-qr', 'print only the URI').action(run(cmdInvite))
program.command('connect').description('connect to a DID (did:key:…) or a hearth:invite URI')
  .argument('<did-or-invitation>')
  .option('--timeout <ms>', 'give up after this many milliseconds', '30000')
  .action(run(cmdConnect))
program.command('peers').description('list connected peers and how each is connected').action(run(cmdPeers))
program.command('contacts').description('list the DIDs this node knows how to reach').action(run(cmdContacts))
program.command('status').description('show the running node\'s state').action(run(cmdStatus))
program.command('stop').description('ask the running daemon to stop').action(run(cmdStop))

const agree = program.command('agree').description('agreements under your own terms (IEEE 7012): propose, decide, end, export')
agree.command('propose').description('propose an agreement to a DID under a roster term')
  .argument('<did>')
  .requiredOption('--terms <id>', 'roster term id, e.g. SD-BASE (list them: hearth agree terms)')
  .option('--share <fields>', 'profile fields they may receive, comma separated (email,name,postalAddress,phone,birthDate)')
  .option('--purpose <purpose...>', 'DPV purposes (default dpv:ServiceProvision)')
  .option('--for <duration>', 'how long it lasts: 30d, 12h, 90m, 45s', '30d')
  .option('--also <ids>', 'other term ids you would also accept, comma separated')
  .addHelpText('after', '\nExample:\n  $ hearth agree propose did:key:z6Mk… --terms SD-BASE --share email,postalAddress --for 30d')
  .action(run(cmdPropose))
agree.command('show').description('one agreement in detail').argument('<id>').action(run(cmdShow))
agree.command('accept').description('accept the proposal or counter-offer waiting for you').argument('<id>').action(run(cmdDecide('accept')))
agree.command('counter').description('answer a proposal with your one counter-offer').argument('<id>')
  .requiredOption('--terms <id>', 'the roster term you offer instead')
  .option('--share <fields>', 'fields covered (default: as proposed)')
  .option('--for <duration>', 'how long it lasts (default: as proposed)')
  .action(run(cmdCounter))
agree.command('reject').description('reject the proposal or counter-offer waiting for you').argument('<id>').option('--reason <text>').action(run(cmdDecide('reject')))
agree.command('terminate').description('end an active agreement: they delete your data and send a signed receipt').argument('<id>').option('--reason <text>').action(run(cmdDecide('terminate')))
agree.command('export').description('export one agreement: an ISO/IEC TS 27560-style record, or its signed messages').argument('<id>')
  .option('--format <format>', 'record or jwt', 'record').action(run(cmdExport))
agree.command('terms').description('the terms roster and what you accept, or (with a DID) what another node accepts').argument('[did]').action(run(cmdTerms))
program.command('agreements').description('list your agreements and whose move it is').action(run(cmdAgreements))

const profile = program.command('profile').description('your profile: what counterparties get under active agreements')
profile.command('show', { isDefault: true }).description('your fields, and who holds which under which agreement').action(run(cmdProfile))
profile.command('set').description('change a field; it goes to every counterparty whose active agreement covers it')
  .argument('<field>', 'email, name, postalAddress, phone or birthDate').argument('<value>').action(run(cmdProfileSet))
profile.command('unset').description('remove a field (counterparties holding it are told)').argument('<field>')
  .action(run(async (field: string, opts: object) => { await cmdProfileSet(field, undefined, opts) }))

program.command('ledger').description('the tamper-evident record of every agreement message')
  .command('verify').description('recompute the hash chain; names any entry edited, removed or reordered').action(run(cmdLedgerVerify))

registerIntentCommands(program, run)
registerWebhookCommands(program, run)
registerBackupCommands(program, run)
registerDashboardCommand(program, run)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT_OK : EXIT_USAGE
  } else {
    throw err
  }
}
