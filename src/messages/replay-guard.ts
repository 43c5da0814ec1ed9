import type { VerifiedMessage } from './index.ts'
import { invalidMessage } from './wire.ts'

/**
 * Replay and sequence guard (security research 2.3, 2.4; B.1 item 20, B.2 item 40): a message is
 * accepted once per (iss, jti), and its seq must be above the last one accepted from that
 * sender in that thread (gaps allowed: a sender's messages to us can fail and be re-signed).
 *
 * Pure over a store: check() reads markers and returns the puts that record this message; the
 * caller writes them in the same synced batch as the message itself, so a crash leaves both or
 * neither (DESIGN section 8). Between check() and that batch the caller must not check another
 * message of the same sender (one writer, e.g. a per-node queue), or both could pass.
 *
 * Keys in the caller's sublevel (docs/store-layout.md):
 *   jti/<iss>/<jti>      -> { id, exp }   exp lets a sweeper drop markers of tokens that would
 *                                          fail as EXPIRED anyway (after exp + skew)
 *   seq/<thread>/<iss>   -> { seq, id }   the last accepted seq and message id of that sender
 */
export interface ReplayStore<S> {
  /** the value at key in sublevel, or undefined; Store.get has this shape */
  get (sublevel: S, key: string): Promise<unknown>
}

/** One put of Store.batch (src/store/store.ts BatchOp). */
export interface ReplayOp<S> { type: 'put', sublevel: S, key: string, value: unknown }

export interface ReplayGuardComponents<S> {
  store: ReplayStore<S>
  /** where the markers live, e.g. the node's `replay` sublevel */
  sublevel: S
}

export interface ReplayCheckOptions {
  /**
   * Check and record seq too (default true). Pass false for messages outside the thread's
   * sequence (Acks signed with a fixed seq): only the jti is then checked.
   */
  sequence?: boolean
}

export interface ReplayGuard<S> {
  /** Throws INVALID_MESSAGE with wire REPLAYED or SEQ_REGRESSION; returns the marker puts. */
  check (message: VerifiedMessage, options?: ReplayCheckOptions): Promise<Array<ReplayOp<S>>>
}

export const jtiKey = (iss: string, jti: string): string => `jti/${iss}/${jti}`
export const seqKey = (thread: string, iss: string): string => `seq/${thread}/${iss}`

export function createReplayGuard<S> (components: ReplayGuardComponents<S>): ReplayGuard<S> {
  const { store, sublevel } = components
  return {
    async check (message, options = {}) {
      const { iss, jti, thread, seq, exp } = message.payload
      const ops: Array<ReplayOp<S>> = []
      const seen = await store.get(sublevel, jtiKey(iss, jti))
      if (seen !== undefined) throw invalidMessage('REPLAYED', `jti ${jti} of ${iss} was already accepted`, { id: message.id })
      ops.push({ type: 'put', sublevel, key: jtiKey(iss, jti), value: { id: message.id, exp } })

      if (options.sequence !== false) {
        const last = await store.get(sublevel, seqKey(thread, iss)) as { seq?: unknown } | undefined
        const lastSeq = typeof last?.seq === 'number' ? last.seq : 0
        if (seq <= lastSeq) {
          throw invalidMessage('SEQ_REGRESSION', `seq ${seq} is not above ${lastSeq}, the last accepted from this sender in thread ${thread}`, { id: message.id, lastSeq })
        }
        ops.push({ type: 'put', sublevel, key: seqKey(thread, iss), value: { seq, id: message.id } })
      }
      return ops
    }
  }
}
