/**
 * The lab's abusive contact, as a process in its own namespace:
 *   node test/nat/flood-main.ts <dir> <friend multiaddr> <friend DID>
 * It runs two Hearth nodes that listen nowhere (reachable only through a relay): mallory, and an
 * accomplice that swallows whatever arrives. Commands on stdin, one JSON line per event on stdout:
 *   (start)             -> {"event":"ready","mallory":{did,peerId},"accomplice":{did,peerId}}
 *   befriend            -> both connect to the friend's DID (its contacts already) -> {"event":"befriended"}
 *   flood <bytes> <ms>  -> mallory pushes junk to the accomplice through the relay -> {"event":"flooded",…}
 *   stop                -> stops both nodes and exits
 */
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { initRepo } from '../../src/repo/index.ts'
import { createHearthNode } from '../../src/node.ts'
import type { HearthNode } from '../../src/node.ts'
import { labConfig, LAB_PASSPHRASE } from './lab-node.ts'
import { flood, serveSink } from './flood.ts'

const [dir, friendAddr, friendDid] = process.argv.slice(2)
if (dir === undefined || friendAddr === undefined || friendDid === undefined) throw new Error('usage: flood-main.ts <dir> <friend multiaddr> <friend DID>')

const say = (event: string, data: Record<string, unknown> = {}): void => { process.stdout.write(JSON.stringify({ event, ...data }) + '\n') }
const waitFor = async (cond: () => boolean | Promise<boolean>, ms: number): Promise<void> => {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function node (name: string): Promise<HearthNode> {
  const repo = join(dir!, name)
  await initRepo({
    repo,
    passphrase: LAB_PASSPHRASE,
    scryptLogN: 14,
    config: labConfig(c => { c.network.listen = []; c.network.bootstrap = [friendAddr!]; c.network.relay = 'off' })
  })
  const n = await createHearthNode({ repo, passphrase: LAB_PASSPHRASE, transport: 'tcp' })
  await n.start()
  return n
}

const mallory = await node('mallory')
const accomplice = await node('accomplice')
const sink = await serveSink(accomplice)
await waitFor(() => mallory.peers().length > 0 && accomplice.peers().length > 0, 20_000)
say('ready', { mallory: { did: mallory.did, peerId: mallory.peerId }, accomplice: { did: accomplice.did, peerId: accomplice.peerId } })

for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, ...args] = line.trim().split(/\s+/)
  try {
    if (cmd === 'befriend') {
      await mallory.connect(friendDid)
      await accomplice.connect(friendDid)
      await waitFor(() => {
        const r = accomplice.network.publisher.status()
        return r.publishedAt !== undefined && r.addresses?.some(a => a.includes('/p2p-circuit')) === true
      }, 30_000)
      say('befriended')
    } else if (cmd === 'flood') {
      const result = await flood(mallory, accomplice.did, { bytes: Number(args[0]), ms: Number(args[1]) })
      say('flooded', { ...result, received: sink.received() })
    } else if (cmd === 'stop') {
      await Promise.all([mallory.stop(), accomplice.stop()])
      say('stopped')
      process.exit(0)
    }
  } catch (err) {
    say('error', { command: cmd, message: (err as Error).message })
  }
}
