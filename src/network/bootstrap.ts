import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { HearthLibp2p } from './libp2p.ts'

/** How often to check that we still know somebody, and re-dial the bootstrap peers if not. */
export const BOOTSTRAP_CHECK_MS = 30_000
export const BOOTSTRAP_DIAL_TIMEOUT_MS = 10_000

export interface Bootstrapper { start (): void, stop (): void, dialAll (): Promise<number> }

/**
 * Dial the configured bootstrap peers at start, and again whenever the node has no
 * connection left. (@libp2p/bootstrap dials once, and only accepts TCP-style addresses, so
 * in-process memory networks could not use it.)
 */
export function createBootstrapper (node: HearthLibp2p, list: string[]): Bootstrapper {
  const peers = list.map(a => {
    const ma = multiaddr(a)
    const id = peerIdFromString(a.slice(a.lastIndexOf('/p2p/') + 5))
    return { ma, id }
  })
  let timer: NodeJS.Timeout | undefined
  const controller = new AbortController()
  const dialAll = async (): Promise<number> => {
    const results = await Promise.allSettled(peers.map(async ({ ma, id }) => {
      await node.peerStore.merge(id, { tags: { bootstrap: { value: 50 } } })
      await node.dial(ma, { signal: AbortSignal.any([controller.signal, AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS)]) })
    }))
    return results.filter(r => r.status === 'fulfilled').length
  }
  return {
    dialAll,
    start () {
      if (peers.length === 0) return
      void dialAll()
      timer = setInterval(() => {
        if (node.getConnections().length === 0) void dialAll()
      }, BOOTSTRAP_CHECK_MS)
      timer.unref()
    },
    stop () {
      controller.abort()
      clearInterval(timer)
    }
  }
}
