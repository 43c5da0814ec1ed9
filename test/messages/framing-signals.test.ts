/**
 * The signals of each frame read and write (src/messages/framing.ts, timeoutScope), on real
 * libp2p streams: nothing is left on a long-lived caller signal, and a signal aborted before
 * the call still wins.
 */
import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { AGREEMENT_MAX_FRAME_BYTES, framedStream } from '../../src/messages/index.ts'
import { wireError } from './helpers.ts'

const frames = async (timeoutMs = 2000) => {
  const [a, b] = await streamPair()
  return { out: framedStream(a, { maxBytes: AGREEMENT_MAX_FRAME_BYTES, timeoutMs }), in: framedStream(b, { maxBytes: AGREEMENT_MAX_FRAME_BYTES, timeoutMs }) }
}

describe('frame signals', () => {
  it('leaves no listener on the caller\'s signal after each frame, done or failed', async () => {
    const s = await frames(200)
    const controller = new AbortController()
    const { signal } = controller
    for (let i = 0; i < 50; i++) {
      await s.out.write(Uint8Array.of(i), { signal })
      expect(await s.in.read({ signal })).toEqual(Uint8Array.of(i))
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
    // a read that times out leaves nothing behind either
    await expect(s.in.read({ signal })).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(getEventListeners(signal, 'abort')).toHaveLength(0)
    expect(signal.aborted).toBe(false)
  })

  it('gives the caller\'s reason for a signal aborted before the call', async () => {
    const s = await frames()
    const reason = new Error('gone already')
    await expect(s.in.read({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
  })

  it('still refuses an oversized frame before looking at signals', async () => {
    const s = await frames()
    await expect(s.out.write(new Uint8Array(AGREEMENT_MAX_FRAME_BYTES + 1), { signal: AbortSignal.abort() })).rejects.toThrow(wireError('TOO_LARGE'))
  })
})
