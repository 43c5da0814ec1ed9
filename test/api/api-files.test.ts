import { readdir, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createApiServer, DEFAULT_API_PORT } from '../../src/api/index.ts'
import { isHearthError } from '../../src/errors.ts'
import { bearer, rawHttp, startTestServer } from './harness.ts'
import type { Running } from './harness.ts'
import { TestBackend } from './test-backend.ts'

let run: Running | undefined
afterEach(async () => { await run?.close(); run = undefined })

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

describe('api and api.token files', () => {
  it('writes the base URL and a 0600 token file at start', async () => {
    run = await startTestServer()
    expect(run.url).toBe(`http://127.0.0.1:${run.port}`)
    expect(run.server.url).toBe(run.url)
    expect(await readFile(join(run.repo, 'api'), 'utf8')).toBe(`${run.url}\n`)
    expect(await readFile(join(run.repo, 'api.token'), 'utf8')).toBe(`${run.token}\n`)
    expect(run.token).toMatch(/^[A-Za-z0-9_-]{43}$/) // 32 bytes, base64url
    expect(await mode(join(run.repo, 'api.token'))).toBe(0o600)
    // Atomic write: no temp file left behind.
    expect((await readdir(run.repo)).sort()).toEqual(['api', 'api.token'])
  })

  it('keeps the token file 0600 even under a permissive umask', async () => {
    const old = process.umask(0o000)
    try {
      run = await startTestServer()
    } finally {
      process.umask(old)
    }
    expect(await mode(join(run.repo, 'api.token'))).toBe(0o600)
  })

  it('removes both files at stop and regenerates the token at restart', async () => {
    run = await startTestServer()
    const first = run.token
    await run.server.stop()
    expect(await readdir(run.repo)).toEqual([])
    expect(run.server.url).toBe('')
    await run.server.stop() // idempotent

    const again = await run.server.start()
    expect(again.token).not.toBe(first)
    expect(await readFile(join(run.repo, 'api.token'), 'utf8')).toBe(`${again.token}\n`)
    expect(await mode(join(run.repo, 'api.token'))).toBe(0o600)
    expect((await rawHttp(again.port, { headers: [bearer(first)] })).status).toBe(401)
    expect((await rawHttp(again.port, { headers: [bearer(again.token)] })).status).toBe(200)
  })

  it('refuses a second start while running', async () => {
    run = await startTestServer()
    await expect(run.server.start()).rejects.toSatisfy(err => isHearthError(err, 'INTERNAL'))
  })

  it('reports a taken port as INVALID_CONFIG and touches no one else\'s files', async () => {
    run = await startTestServer()
    // A second server on the same repo and port: it must not delete the running one's files.
    const second = createApiServer(new TestBackend(), { repo: run.repo, port: run.port, version: 'x' })
    await expect(second.start()).rejects.toSatisfy(err => isHearthError(err, 'INVALID_CONFIG'))
    expect(second.url).toBe('')
    expect(await readFile(join(run.repo, 'api.token'), 'utf8')).toBe(`${run.token}\n`)
    expect(await readFile(join(run.repo, 'api'), 'utf8')).toBe(`${run.url}\n`)
  })

  it('reports a missing repo directory as REPO_NOT_INITIALISED and stops listening', async () => {
    const server = createApiServer(new TestBackend(), { repo: join(tmpdir(), 'hearth-api-missing-', String(Math.random())), port: 0, version: 'x' })
    await expect(server.start()).rejects.toSatisfy(err => isHearthError(err, 'REPO_NOT_INITIALISED'))
    expect(server.url).toBe('')
  })

  it('validates its options', () => {
    const backend = new TestBackend()
    expect(DEFAULT_API_PORT).toBe(7012)
    for (const bad of [{ port: -1 }, { port: 65536 }, { port: 1.5 }, { maxBodyBytes: 0 }, { authFailureDelayMs: -5 }, { host: 'any' as 'loopback' }]) {
      expect(() => createApiServer(backend, { repo: '/nonexistent', version: 'x', ...bad })).toThrow(/api\./)
    }
  })
})
