/**
 * Backup and restore of a whole node: an encrypted bundle holding the keystore (still sealed
 * by the node passphrase), config.json and a consistent snapshot of every LevelDB sublevel.
 * Format and guarantees: docs/backup.md.
 */
export { exportBundle } from './export.ts'
export type { ExportInit, ExportResult } from './export.ts'
export { restoreBundle } from './restore.ts'
export type { RestoreInit, RestoreResult } from './restore.ts'
export { backupRoutes, backupSource, ENTRIES_HEADER } from './api-route.ts'
export type { BackupSource } from './api-route.ts'
export type { Snapshot } from './snapshot.ts'
export { BUNDLE_VERSION, MAX_BUNDLE_BYTES } from './bundle-file.ts'
