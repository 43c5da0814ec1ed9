import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { generateMasterSeed, mnemonicToSeed, seedToMnemonic } from '../../src/identity/index.ts'
import { fromHex } from './helpers.ts'

// 256-bit vectors from the BIP39 reference implementation, trezor/python-mnemonic vectors.json
const bip39 = [
  ['00'.repeat(32), `${'abandon '.repeat(23)}art`],
  ['7f'.repeat(32), 'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title'],
  ['ff'.repeat(32), `${'zoo '.repeat(23)}vote`]
] as const
const valid = bip39[1][1]
const words = valid.split(' ')
const withWord = (index: number, word: string): string => words.map((w, i) => i === index ? word : w).join(' ')

describe('recovery phrase', () => {
  it.each(bip39)('entropy %s <-> its BIP39 phrase', (entropyHex, phrase) => {
    expect(seedToMnemonic(fromHex(entropyHex))).toBe(phrase)
    expect(mnemonicToSeed(phrase)).toEqual(fromHex(entropyHex))
  })

  it('round-trips any 32-byte seed through 24 words', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
      const phrase = seedToMnemonic(seed)
      expect(phrase.split(' ')).toHaveLength(24)
      expect(mnemonicToSeed(phrase)).toEqual(seed)
    }), { numRuns: 200 })
  })

  it('generates fresh 32-byte seeds', () => {
    const a = generateMasterSeed()
    expect(a).toBeInstanceOf(Uint8Array)
    expect(a).toHaveLength(32)
    expect(generateMasterSeed()).not.toEqual(a)
  })

  it('refuses to write a phrase for anything but a 32-byte seed', () => {
    expect(() => seedToMnemonic(new Uint8Array(16))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})

describe('reading a typed phrase', () => {
  it('accepts extra spaces, tabs, newlines, upper case and full-width letters (NFKD)', () => {
    const sloppy = `  ${words.slice(0, 12).join('   ').toUpperCase()}\n\t${words.slice(12, 23).join('\u3000')}  ${'ｔｉｔｌｅ'} \n`
    expect(mnemonicToSeed(sloppy)).toEqual(fromHex('7f'.repeat(32)))
  })

  it.each([
    ['23 words', words.slice(0, 23).join(' '), 'expected 24 words, got 23'],
    ['25 words', `${valid} abandon`, 'expected 24 words, got 25'],
    ['a valid 12-word phrase', `${'abandon '.repeat(11)}about`, 'expected 24 words, got 12'],
    ['an empty string', '', 'expected 24 words, got 0']
  ])('rejects %s, saying how many words it found', (_name, phrase, message) => {
    expect(() => mnemonicToSeed(phrase)).toThrow(expect.objectContaining({ code: 'INVALID_MNEMONIC', message: expect.stringContaining(message) }))
  })

  it('names the unknown word and its position', () => {
    expect(() => mnemonicToSeed(withWord(6, 'abandn'))).toThrow(expect.objectContaining({
      code: 'INVALID_MNEMONIC',
      message: expect.stringContaining('word 7 "abandn" is not in the BIP39 English list'),
      details: { word: 7 }
    }))
  })

  it('truncates a very long unknown word in the message', () => {
    const run = words.join('')
    expect(() => mnemonicToSeed(withWord(0, run))).toThrow(expect.objectContaining({
      message: expect.not.stringContaining(run.slice(0, 20))
    }))
  })

  it('reports a bad checksum when every word is known but the phrase is not consistent', () => {
    expect(() => mnemonicToSeed(withWord(23, 'abandon'))).toThrow(expect.objectContaining({
      code: 'INVALID_MNEMONIC', message: expect.stringContaining('checksum')
    }))
    // two words swapped
    const swapped = [words[1], words[0], ...words.slice(2)].join(' ')
    expect(() => mnemonicToSeed(swapped)).toThrow(expect.objectContaining({ code: 'INVALID_MNEMONIC', message: expect.stringContaining('checksum') }))
  })

  it.each([
    ['not a string', 42],
    ['malformed Unicode (lone surrogate)', `${valid.slice(0, -1)}\ud800`],
    ['a huge input', 'abandon '.repeat(1000)]
  ])('rejects %s', (_name, phrase) => {
    expect(() => mnemonicToSeed(phrase as string)).toThrow(expect.objectContaining({ code: 'INVALID_MNEMONIC' }))
  })
})
