/**
 * Runs inside a lab namespace (`ip netns exec <ns> node test/nat/api-agent.ts`): the admin API of
 * a daemon in that namespace listens on the namespace's own loopback, which the test process
 * cannot reach. One request per stdin line, {"id", "repo", "method", "path", "body"?}; one answer
 * per stdout line, {"id", "status", "body"} or {"id", "error"}. Reads <repo>/api and
 * <repo>/api.token at each request, as the hearth CLI does.
 */
import { createInterface } from 'node:readline'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

interface Request { id: number, repo: string, method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number }

async function answer (req: Request): Promise<object> {
  try {
    const url = (await readFile(join(req.repo, 'api'), 'utf8')).trim()
    const token = (await readFile(join(req.repo, 'api.token'), 'utf8')).trim()
    const res = await fetch(url + req.path, {
      method: req.method,
      headers: { authorization: `Bearer ${token}`, ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(req.timeoutMs ?? 60_000)
    })
    const text = await res.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch {}
    return { id: req.id, status: res.status, body }
  } catch (err) {
    return { id: req.id, error: (err as Error).message }
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue
  const req = JSON.parse(line) as Request
  void answer(req).then(out => { process.stdout.write(JSON.stringify(out) + '\n') })
}
