import { RateLimiter } from '@libp2p/utils'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { isHearthError } from '../errors.ts'
import { allIntentcastTopics, classifyTopic } from './topics.ts'
import type { TopicKind } from './topics.ts'
import { MAX_SEALED_BYTES } from './seal.ts'
import { verifyIntentcast } from './wire.ts'
import type { VerifiedIntentcast } from './wire.ts'

/**
 * The gossipsub side of intentcasting (protocols/intentcast/README.md, "Topics"): validators
 * for every intentcast topic, reference-counted subscriptions, and publishing that retries
 * while nobody is listening yet.
 *
 * Validators run on every hop, routers included, before a message is delivered or forwarded:
 * a category message must be a valid signed intent (Reject: its sender loses gossipsub score),
 * and new messages per topic are rate limited (Ignore: not delivered, not forwarded), so a
 * flood costs each node a bounded amount of work and memory. Sealed messages (reply and inbox
 * buckets) can only be checked for size and version here; their recipient checks the rest.
 */
export const CATEGORY_KINDS = ['vrm.Intent', 'vrm.IntentUpdate', 'vrm.IntentWithdrawal'] as const
/** messages per topic and second each node passes on (twice that in a burst) */
export const DEFAULT_TOPIC_RATE = 200
/** while nobody subscribed has seen a message yet: retry after 0.25, 0.5, 1 ... 30 s, for 5 min */
const RETRY_MAX_MS = 30_000
const RETRY_FOR_MS = 5 * 60_000

export interface IntentcastMessage {
  topic: string
  kind: TopicKind
  data: Uint8Array
  /** set for category topics: the message already verified by the validator */
  verified?: VerifiedIntentcast
}

export interface Topics {
  subscribe (topic: string): void
  unsubscribe (topic: string): void
  /** publish; when no subscribed peer got it, retry in the background for a while */
  publish (topic: string, data: Uint8Array): Promise<number>
  /** how many messages the validators refused or ignored, by reason */
  readonly refused: Record<string, number>
  start (): void
  stop (): void
}

export interface TopicsInit {
  pubsub: GossipSub
  /** called for every validated message on a topic this node subscribes to */
  onMessage: (m: IntentcastMessage) => void
  /** take part in every intentcast topic, for others (intentcast.router) */
  router: boolean
  topicRate?: number
  now?: () => number
}

export function createTopics (init: TopicsInit): Topics {
  const { pubsub } = init
  const counts = new Map<string, number>()
  const refused: Record<string, number> = {}
  const limiter = new RateLimiter({ points: 2 * (init.topicRate ?? DEFAULT_TOPIC_RATE), duration: 2 })
  const retries = new Set<ReturnType<typeof setTimeout>>()
  // verified once by the validator, handed to onMessage by the data's identity
  const verifiedByData = new WeakMap<Uint8Array, VerifiedIntentcast>()
  let running = false
  const refuse = (why: string, result: TopicValidatorResult): TopicValidatorResult => {
    refused[why] = (refused[why] ?? 0) + 1
    return result
  }

  const validate = (topic: string, kind: TopicKind) => (_peer: PeerId, msg: Message): TopicValidatorResult => {
    if (msg.type !== 'unsigned') return refuse('signed', TopicValidatorResult.Reject)
    try { limiter.consume(topic) } catch { return refuse('rate', TopicValidatorResult.Ignore) }
    if (kind.kind !== 'category') {
      return msg.data.byteLength <= MAX_SEALED_BYTES && msg.data[0] === 1 ? TopicValidatorResult.Accept : refuse('sealed-shape', TopicValidatorResult.Reject)
    }
    try {
      const v = verifyIntentcast(msg.data, { kinds: CATEGORY_KINDS, now: init.now?.() })
      const category = (v.payload.body as { category?: string }).category
      // an intent belongs to the topic of its category; a withdrawal names none
      if (category !== undefined && category !== kind.category) return refuse('wrong-topic', TopicValidatorResult.Reject)
      verifiedByData.set(msg.data, v)
      return TopicValidatorResult.Accept
    } catch (err) {
      const wire = isHearthError(err) ? String(err.details?.wire ?? err.code) : 'error'
      // a message that expired in transit is not its forwarder's fault
      return refuse(wire, wire === 'EXPIRED' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject)
    }
  }

  const onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (counts.get(msg.topic) === undefined) return
    const kind = classifyTopic(msg.topic)
    if (kind === undefined) return
    try {
      init.onMessage({ topic: msg.topic, kind, data: msg.data, verified: verifiedByData.get(msg.data) })
    } catch { /* a handler's failure is its own; the subscription goes on */ }
  }

  // gossipsub remembers what it published (its seen cache, 2 min) and will not send it again:
  // publish only once some peer subscribed to the topic can receive it
  const publishOnce = async (topic: string, data: Uint8Array): Promise<number> => {
    if (pubsub.getSubscribers(topic).length === 0) return 0
    const { recipients } = await pubsub.publish(topic, data)
    return recipients.length
  }

  return {
    refused,
    start () {
      running = true
      for (const topic of allIntentcastTopics()) {
        const kind = classifyTopic(topic)!
        pubsub.topicValidators.set(topic, validate(topic, kind))
      }
      pubsub.addEventListener('message', onMessage)
      if (init.router) for (const topic of allIntentcastTopics()) this.subscribe(topic)
    },
    stop () {
      running = false
      for (const t of retries) clearTimeout(t)
      retries.clear()
      pubsub.removeEventListener('message', onMessage)
    },
    subscribe (topic) {
      const n = counts.get(topic) ?? 0
      counts.set(topic, n + 1)
      if (n === 0) pubsub.subscribe(topic)
    },
    unsubscribe (topic) {
      const n = counts.get(topic) ?? 0
      if (n <= 1) {
        counts.delete(topic)
        if (!init.router) pubsub.unsubscribe(topic)
        else counts.set(topic, 1)
      } else {
        counts.set(topic, n - 1)
      }
    },
    async publish (topic, data) {
      const sent = await publishOnce(topic, data)
      if (sent === 0) {
        const started = Date.now()
        const retry = (delay: number): void => {
          const t = setTimeout(() => {
            retries.delete(t)
            if (!running) return
            publishOnce(topic, data).then(n => {
              if (n === 0 && Date.now() - started < RETRY_FOR_MS) retry(Math.min(delay * 2, RETRY_MAX_MS))
            }, () => {})
          }, delay)
          t.unref?.()
          retries.add(t)
        }
        retry(250)
      }
      return sent
    }
  }
}
