import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { onTestFinished } from 'vitest'

export interface Delivery { headers: IncomingHttpHeaders, raw: Buffer, body: any, method: string, path: string }

/**
 * A CRM stand-in: a real HTTP server on 127.0.0.1 that records every request and answers
 * `answer` (200 by default). It can go down and come back on the same port.
 */
export interface Receiver {
  readonly url: string
  readonly port: number
  readonly received: Delivery[]
  /** the status code to answer with from now on */
  answer: number
  down (): Promise<void>
  up (): Promise<void>
}

export async function startReceiver (path = '/hearth'): Promise<Receiver> {
  const received: Delivery[] = []
  let server: Server | undefined
  let port = 0
  const r: Receiver = {
    get url () { return `http://127.0.0.1:${port}${path}` },
    get port () { return port },
    received,
    answer: 200,
    async up () {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          const raw = Buffer.concat(chunks)
          let body: unknown
          try { body = JSON.parse(raw.toString('utf8')) } catch { body = undefined }
          received.push({ headers: req.headers, raw, body, method: req.method ?? '', path: req.url ?? '' })
          res.writeHead(r.answer, { 'content-type': 'text/plain' }).end('ok')
        })
      })
      await new Promise<void>((resolve, reject) => { s.once('error', reject); s.listen(port, '127.0.0.1', () => { resolve() }) })
      port = (s.address() as AddressInfo).port
      server = s
    },
    async down () {
      const s = server
      server = undefined
      if (s === undefined) return
      s.closeAllConnections()
      await new Promise<void>(resolve => s.close(() => { resolve() }))
    }
  }
  await r.up()
  onTestFinished(async () => { await r.down() })
  return r
}
