/**
 * Framing on real libp2p streams (a connected in-memory pair), with the bad frames of security
 * research B.1 items 1, 2, 4, 5 and 6.
 */
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { varint } from 'multiformats'
import { AGREEMENT_MAX_FRAME_BYTES, framedStream } from '../../src/messages/index.ts'
import { wireError } from './helpers.ts'

const MAX = AGREEMENT_MAX_FRAME_BYTES
const prefix = (n: number): Uint8Array => varint.encodeTo(n, new Uint8Array(varint.encodingLength(n)))
const frames = async (timeoutMs = 2000) => {
  const [a, b] = await streamPair()
  return { a, b, out: framedStream(a, { maxBytes: MAX, timeoutMs }), in: framedStream(b, { maxBytes: MAX, timeoutMs }) }
}

describe('framing', () => {
  it('the agreement frame limit is 64 KiB', () => expect(MAX).toBe(65_536))

  it('carries frames both ways, up to exactly the limit', async () => {
    const s = await frames()
    const big = new Uint8Array(MAX).fill(7)
    await s.out.write(new TextEncoder().encode('hello'))
    await s.out.write(big)
    expect(new TextDecoder().decode(await s.in.read())).toBe('hello')
    expect(await s.in.read()).toEqual(big)
    await s.in.write(Uint8Array.of(1, 2, 3))
    expect(await s.out.read()).toEqual(Uint8Array.of(1, 2, 3))
  })

  it('refuses to write a frame one byte over the limit', async () => {
    const s = await frames()
    await expect(s.out.write(new Uint8Array(MAX + 1))).rejects.toThrow(wireError('TOO_LARGE'))
  })

  it('refuses a frame announced one byte over the limit, before its body arrives', async () => {
    const s = await frames()
    s.a.send(prefix(MAX + 1))
    await expect(s.in.read()).rejects.toThrow(wireError('TOO_LARGE'))
  })

  it.each([[2 ** 31], [2 ** 53 - 1]])('refuses a length prefix of %d with no body, without allocating it', async (n) => {
    const s = await frames()
    s.a.send(prefix(n))
    await expect(s.in.read()).rejects.toThrow(wireError('TOO_LARGE'))
  })

  it('refuses an over-long varint (continuation bits only)', async () => {
    const s = await frames()
    s.a.send(new Uint8Array(11).fill(0x80))
    await expect(s.in.read()).rejects.toThrow(wireError('TOO_LARGE'))
  })

  it('times out a frame whose body never comes', async () => {
    const s = await frames(200)
    s.a.send(prefix(10))
    s.a.send(Uint8Array.of(1, 2))
    await expect(s.in.read()).rejects.toMatchObject({ code: 'TIMEOUT' })
  })

  const drip = async (s: Awaited<ReturnType<typeof frames>>, body: Uint8Array): Promise<void> => {
    for (const byte of [...prefix(body.length), ...body]) {
      s.a.send(Uint8Array.of(byte))
      await new Promise(resolve => setTimeout(resolve, 5))
    }
  }

  it('reads a frame that arrives one byte per chunk within the timeout, and times out one that drips too slowly', async () => {
    const body = new Uint8Array(20).fill(9)
    const fast = await frames(2000)
    const [got] = await Promise.all([fast.in.read(), drip(fast, body)])
    expect(got).toEqual(body)
    const slow = await frames(60)
    await Promise.all([expect(slow.in.read()).rejects.toMatchObject({ code: 'TIMEOUT' }), drip(slow, body).catch(() => {})])
  })

  it('reports a stream that ends before a frame as UNREACHABLE', async () => {
    const s = await frames()
    await s.a.close()
    await expect(s.in.read()).rejects.toMatchObject({ code: 'UNREACHABLE' })
  })

  it('leaves the caller\'s own abort as it is', async () => {
    const s = await frames()
    const controller = new AbortController()
    const reading = s.in.read({ signal: controller.signal })
    controller.abort(new Error('stop'))
    await expect(reading).rejects.toThrow('stop')
  })
})
