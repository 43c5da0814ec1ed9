/**
 * The recovery phrase: the 32-byte master seed written as 24 BIP39 English words
 * (bitcoin/bips bip-0039.mediawiki). The seed IS the BIP39 entropy; we never run BIP39's
 * PBKDF2 "mnemonic to seed" step (2,048 iterations, discouraged by BIP39's own reviewers) and
 * take no BIP39 passphrase, so the phrase alone restores everything.
 */
import { randomBytes } from 'node:crypto'
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { HearthError } from '../errors.ts'
import { assertBytes } from './bytes.ts'

export const MASTER_SEED_LENGTH = 32
// BIP39: 256 bits of entropy + 8 checksum bits = 24 words of 11 bits
export const MNEMONIC_WORDS = 24
// 24 words of at most 8 letters and their separators fit many times over; the cap only keeps
// a pasted file from being normalised and split
const MAX_PHRASE_LENGTH = 1024

const wordIndex = new Map(wordlist.map((word, i) => [word, i]))

const invalidMnemonic = (why: string, details?: Record<string, unknown>): HearthError =>
  new HearthError('INVALID_MNEMONIC', `invalid recovery phrase: ${why}`, details === undefined ? undefined : { details })

/** 32 bytes from the OS CSPRNG. */
export function generateMasterSeed (): Uint8Array {
  return Uint8Array.from(randomBytes(MASTER_SEED_LENGTH))
}

/** The 24-word phrase for a 32-byte master seed, words separated by single spaces. */
export function seedToMnemonic (seed: Uint8Array): string {
  return entropyToMnemonic(assertBytes(seed, MASTER_SEED_LENGTH, 'seed'), wordlist)
}

/**
 * The master seed written by `phrase`. Forgiving about how it was typed (case, spacing, Unicode
 * form), strict about what it says: every word must be in the list and the checksum must hold.
 */
export function mnemonicToSeed (phrase: string): Uint8Array {
  if (typeof phrase !== 'string') throw invalidMnemonic('expected a string of words')
  if (phrase.length > MAX_PHRASE_LENGTH) throw invalidMnemonic(`longer than ${MAX_PHRASE_LENGTH} characters`)
  // lone surrogates cannot be normalised or UTF-8 encoded faithfully
  if (!phrase.isWellFormed()) throw invalidMnemonic('contains malformed Unicode')
  // BIP39 specifies NFKD; whitespace includes the ideographic space U+3000 some keyboards produce
  const words = phrase.normalize('NFKD').toLowerCase().trim().split(/\s+/u).filter(w => w !== '')

  if (words.length !== MNEMONIC_WORDS) {
    throw invalidMnemonic(`expected ${MNEMONIC_WORDS} words, got ${words.length}`, { words: words.length })
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? ''
    if (!wordIndex.has(word)) {
      // echoed so the person can find the typo. It may be a misspelt secret word, so this
      // message is for the person at the keyboard only: never log it. Capped in case a whole
      // phrase was pasted without spaces.
      const shown = word.length > 16 ? `${word.slice(0, 16)}…` : word
      throw invalidMnemonic(`word ${i + 1} ${JSON.stringify(shown)} is not in the BIP39 English list`, { word: i + 1 })
    }
  }
  try {
    return Uint8Array.from(mnemonicToEntropy(words.join(' '), wordlist))
  } catch {
    // every word is known and the count is right, so only the checksum can have failed
    throw invalidMnemonic('the checksum does not match: a word is wrong or two words are swapped')
  }
}
