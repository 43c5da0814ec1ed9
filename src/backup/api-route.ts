/**
 * POST /v1/backup: the running daemon holds the LevelDB lock, so it takes the snapshot. It
 * answers with the raw snapshot section (./snapshot.ts), never with keys: the CLI reads the
 * keystore and config from disk and seals the bundle itself, so no passphrase crosses the API.
 */
import type { ApiRoute } from '../api/routes.ts'
import { emptyBodySchema } from '../api/schemas.ts'
import type { Store } from '../store/index.ts'
import { snapshotDb } from './snapshot.ts'
import type { Snapshot } from './snapshot.ts'

export const ENTRIES_HEADER = 'x-hearth-entries'

export interface BackupSource {
  snapshot (): Promise<Snapshot>
}

export function backupSource (store: Store): BackupSource {
  // every sublevel shares the root database; one iterator over it is one LevelDB snapshot
  return { snapshot: async () => await snapshotDb(store.meta.db) }
}

/** The route, when the backend (a running node) can take snapshots; API-only test backends cannot. */
export function backupRoutes (backend: object): ApiRoute[] {
  const source = (backend as { backup?: BackupSource }).backup
  if (source === undefined) return []
  return [{
    method: 'POST',
    url: '/v1/backup',
    summary: 'A consistent snapshot of the whole store (application/octet-stream, the snapshot section of a backup bundle); hearth export seals it',
    body: emptyBodySchema,
    status: 200,
    response: { type: 'string', contentMediaType: 'application/octet-stream' },
    handler: async (_request, reply) => {
      const { bytes, entries } = await source.snapshot()
      return reply.code(200)
        .header('content-type', 'application/octet-stream')
        .header(ENTRIES_HEADER, String(entries))
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))
    }
  }]
}
