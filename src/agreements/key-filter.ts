/**
 * Keys certainly NOT in a sublevel: a Bloom filter of every key, so that a lookup that is
 * almost always a miss needs no LevelDB read. Two such lookups were the awaited disk reads left
 * on an agreement's path: the replay guard's jti marker of each new message (replay!jti/<iss>/
 * <jti>: a fresh random jti, never seen) and, for a new proposal, its agreement record. Each
 * thread-pool round trip cost the JavaScript thread about as much as the message's framing, and
 * the await let the message miss the ledger's group commit (docs/performance.md, "Agreements").
 * A key the filter might hold is read from the store as before, so a replay is refused exactly
 * as before; a false positive costs one read.
 *
 * Complete by construction: load() scans the keys on disk, and every key is added here BEFORE
 * the batch that writes it (commit() in context.ts). Until the scan is done the filter answers
 * "might have" for every key. Keys are never taken out (a deleted key only leaves a false
 * positive behind).
 */
import type { JsonSublevel } from '../store/index.ts'

/** bits per expected key, and probes per key: about 0.1 % false positives when full */
const BITS_PER_KEY = 16
const PROBES = 5
/** room for this many keys at first (128 KiB of bits) */
export const MIN_CAPACITY = 1 << 16
/** the filters stop growing at 2^28 bits in all (32 MiB); after that they answer "might" more often */
const MAX_BITS = 1 << 28

export interface KeyFilter {
  /** false: no such key is stored; true: read the store to know */
  mightHave (key: string): boolean
  /** a key about to be written */
  add (key: string): void
  /** Read every key on disk (in the filter's range); mightHave answers true for all until this is done. */
  load (): Promise<void>
  /** keys added or loaded, and the filter's size in bits (for tests and diagnostics) */
  stats (): { keys: number, bits: number, ready: boolean }
}
export type JtiFilter = KeyFilter

export const isJtiKey = (key: string): boolean => key.startsWith('jti/')

/** Two 32-bit FNV-1a hashes of the key (double hashing gives the probes). */
function hashes (key: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x01000193 ^ key.length
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
  }
  b ^= b >>> 15
  return [a >>> 0, (b | 1) >>> 0]
}

interface Bits { words: Uint32Array, bits: number, keys: number }

const bitsFor = (capacity: number): Bits => {
  let bits = 1024
  while (bits < capacity * BITS_PER_KEY && bits < MAX_BITS) bits *= 2
  return { words: new Uint32Array(bits / 32), bits, keys: 0 }
}

const probe = (b: Bits, h1: number, h2: number, i: number): number => (h1 + Math.imul(i, h2)) & (b.bits - 1)

/**
 * A filter that grows: when the newest Bloom filter is full, new keys go to one twice its size
 * (a scalable Bloom filter); a key is "might have" when any of them says so. The false
 * positives of the filters add up, a fraction of a percent each.
 */
/** The replay guard's jti markers: 'jti/' up to 'jti0' ('0' follows '/' in ASCII). */
export const createJtiFilter = (sublevel: JsonSublevel, init: { capacity?: number } = {}): KeyFilter =>
  createKeyFilter(sublevel, { gte: 'jti/', lt: 'jti0' }, init)

export function createKeyFilter (sublevel: JsonSublevel, range: { gte?: string, lt?: string }, init: { capacity?: number } = {}): KeyFilter {
  const filters: Bits[] = [bitsFor(init.capacity ?? MIN_CAPACITY)]
  let totalBits = filters[0]!.bits
  let ready = false

  const set = (key: string): void => {
    let b = filters[filters.length - 1]!
    if (b.keys * BITS_PER_KEY >= b.bits && totalBits + 2 * b.bits <= MAX_BITS) {
      b = bitsFor(2 * b.bits / BITS_PER_KEY)
      filters.push(b)
      totalBits += b.bits
    }
    const [h1, h2] = hashes(key)
    for (let i = 0; i < PROBES; i++) {
      const bit = probe(b, h1, h2, i)
      b.words[bit >>> 5]! |= 1 << (bit & 31)
    }
    b.keys++
  }

  const has = (b: Bits, h1: number, h2: number): boolean => {
    for (let i = 0; i < PROBES; i++) {
      const bit = probe(b, h1, h2, i)
      if ((b.words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false
    }
    return true
  }

  return {
    mightHave (key) {
      if (!ready) return true
      const [h1, h2] = hashes(key)
      return filters.some(b => has(b, h1, h2))
    },
    add (key) { set(key) },
    async load () {
      for await (const key of sublevel.keys(range)) set(key)
      ready = true
    },
    stats: () => ({ keys: filters.reduce((n, b) => n + b.keys, 0), bits: totalBits, ready })
  }
}
