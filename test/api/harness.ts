import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApiServer } from '../../src/api/index.ts'
import type { ApiInit, ApiServer } from '../../src/api/index.ts'
import { TestBackend } from './test-backend.ts'

export interface Running {
  server: ApiServer
  backend: TestBackend
  repo: string
  url: string
  port: number
  token: string
  close: () => Promise<void>
}

/** A real server on an OS-assigned loopback port, in its own temp repo. */
export async function startTestServer (init: Partial<ApiInit> = {}): Promise<Running> {
  const repo = await mkdtemp(join(tmpdir(), 'hearth-api-'))
  const backend = new TestBackend()
  const server = createApiServer(backend, {
    repo, port: 0, version: '0.1.0-test', authFailureDelayMs: 1, onInternalError: () => {}, ...init
  })
  const { url, port, token } = await server.start()
  return {
    server, backend, repo, url, port, token,
    close: async () => {
      await server.stop()
      await rm(repo, { recursive: true, force: true })
    }
  }
}

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
  /** The whole response as received, to check that no secret appears anywhere in it. */
  raw: string
}

export interface RawRequest {
  method?: string
  path?: string
  /** Default `127.0.0.1:<port>`; null sends none; an array sends several. */
  host?: string | null | string[]
  headers?: Array<[string, string]>
  body?: string
  /** Content-Length to declare; default the body's length. */
  contentLength?: number
  version?: '1.0' | '1.1'
}

/** An HTTP/1.x request written byte for byte, so malformed ones can be sent too. */
export function buildRequest (port: number, r: RawRequest): string {
  const lines = [`${r.method ?? 'GET'} ${r.path ?? '/v1/id'} HTTP/${r.version ?? '1.1'}`]
  const host = r.host === undefined ? `127.0.0.1:${port}` : r.host
  for (const h of host === null ? [] : Array.isArray(host) ? host : [host]) lines.push(`Host: ${h}`)
  for (const [name, value] of r.headers ?? []) lines.push(`${name}: ${value}`)
  if (r.body !== undefined || r.contentLength !== undefined) lines.push(`Content-Length: ${r.contentLength ?? Buffer.byteLength(r.body ?? '')}`)
  lines.push('Connection: close')
  return `${lines.join('\r\n')}\r\n\r\n${r.body ?? ''}`
}

/** Sends raw bytes to the loopback server and reads until it closes the connection. */
export async function rawHttp (port: number, request: string | RawRequest, address = '127.0.0.1', timeoutMs = 5000): Promise<RawResponse> {
  const text = typeof request === 'string' ? request : buildRequest(port, request)
  const chunks: Buffer[] = []
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: address, port })
    socket.setTimeout(timeoutMs, () => { socket.destroy(new Error('raw request timed out')) })
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    // The server may answer (413, 431) and close before the whole request was written.
    socket.on('error', err => { if (chunks.length === 0) reject(err); else resolve() })
    socket.on('close', () => { resolve() })
    // write, not end: Node drops a pending response when the client half-closes first.
    socket.write(text)
  })
  return parseResponse(Buffer.concat(chunks).toString('latin1'))
}

export function parseResponse (raw: string): RawResponse {
  const split = raw.indexOf('\r\n\r\n')
  const head = split === -1 ? raw : raw.slice(0, split)
  let body = split === -1 ? '' : raw.slice(split + 4)
  const [statusLine = '', ...headerLines] = head.split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  if (headers['transfer-encoding'] === 'chunked') body = dechunk(body)
  return { status: Number(statusLine.split(' ')[1]), headers, body, raw }
}

function dechunk (body: string): string {
  let out = ''
  let rest = body
  for (;;) {
    const eol = rest.indexOf('\r\n')
    const size = parseInt(rest.slice(0, eol), 16)
    if (eol === -1 || !(size > 0)) return out
    out += rest.slice(eol + 2, eol + 2 + size)
    rest = rest.slice(eol + 4 + size)
  }
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`]
export const json: [string, string] = ['Content-Type', 'application/json']
