import { stat } from 'node:fs/promises'
export { writeFileAtomic, writeNewPrivateFile, fsyncDirectory } from './atomic-write.ts'
export { checkPrivateFile, checkPrivateDirectory, ensurePrivateDirectory, PRIVATE_FILE_MODE, PRIVATE_DIR_MODE } from './private-files.ts'

export async function exists (path: string): Promise<boolean> {
  try { await stat(path); return true } catch { return false }
}
