import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { exportBundle } from '../../src/backup/index.ts'
import type { ExportResult } from '../../src/backup/index.ts'
import { repoPaths } from '../../src/repo/index.ts'
import { TEST_PASSPHRASE, TEST_SCRYPT_LOG_N, startTestNode, tempDir } from '../fixtures/node.ts'

export const BUNDLE_PASSPHRASE = 'another passphrase for the bundle only'

/** Every key and value of a LevelDB (all sublevels) as hex pairs, in key order. */
export async function rawEntries (location: string): Promise<Array<[string, string]>> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false })
  await db.open()
  try {
    const all = await db.iterator().all()
    return all.map(([k, v]) => [Buffer.from(k).toString('hex'), Buffer.from(v).toString('hex')])
  } finally {
    await db.close()
  }
}

/** A node that ran once (its store has meta, self record, libp2p data and a profile), now stopped. */
export async function stoppedNodeRepo (): Promise<{ repo: string, did: string, peerId: string }> {
  const node = await startTestNode()
  await node.agreements.setProfile({ email: 'alice@example.org' })
  const { repo, did, peerId } = node
  await node.stop()
  return { repo, did, peerId }
}

/** A bundle of a stopped node, in its own temp dir. */
export async function bundleOf (repo: string, options: { bundlePassphrase?: string } = {}): Promise<ExportResult & { dir: string }> {
  const dir = await tempDir('hearth-bundle-')
  const result = await exportBundle({ repo, passphrase: TEST_PASSPHRASE, out: join(dir, 'node.hbk'), scryptLogN: TEST_SCRYPT_LOG_N, ...options })
  return { ...result, dir }
}

/** What a directory holds (the parent of a restore target: no leftover temp dirs allowed). */
export const listing = async (dir: string): Promise<string[]> => (await readdir(dir)).sort()

export { repoPaths }
