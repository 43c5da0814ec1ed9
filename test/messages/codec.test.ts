import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeBase64url, decodeJsonObject } from '../../src/messages/codec.ts'
import { wireError } from './helpers.ts'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

describe('decodeBase64url: one spelling per byte string', () => {
  it('accepts exactly the strings that re-encoding its bytes gives back', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 14 }), chars => {
      const segment = chars.join('')
      const canonical = Buffer.from(segment, 'base64url').toString('base64url') === segment
      let accepted: Uint8Array | undefined
      try { accepted = decodeBase64url(segment, 'x') } catch (err) { expect(err).toEqual(wireError('MALFORMED')) }
      expect(accepted !== undefined).toBe(canonical)
      if (accepted !== undefined) expect(Buffer.from(accepted).toString('base64url')).toBe(segment)
    }), { numRuns: 3000 })
  })

  it('refuses a dangling character and non-zero trailing bits', () => {
    expect(() => decodeBase64url('QUJD' + 'R', 'x')).toThrow(wireError('MALFORMED')) // 4n+1
    expect(() => decodeBase64url('QR', 'x')).toThrow(wireError('MALFORMED')) // 'A' is QQ
    expect(() => decodeBase64url('QUF', 'x')).toThrow(wireError('MALFORMED')) // 'AA' is QUE
    expect(decodeBase64url('QUE', 'x')).toEqual(Uint8Array.from([0x41, 0x41]))
  })
})

describe('decodeJsonObject: lone surrogates', () => {
  it('refuses one written as an escape, in a value or a key', () => {
    expect(() => decodeJsonObject(b64('{"a":"\\ud800"}'), 'payload')).toThrow(wireError('MALFORMED'))
    expect(() => decodeJsonObject(b64('{"\\udc00":1}'), 'payload')).toThrow(wireError('MALFORMED'))
  })

  it('accepts the escapes JSON.stringify writes, and text without any', () => {
    expect(decodeJsonObject(b64('{"a":"\\u0001"}'), 'payload')).toEqual({ a: '\u0001' })
    expect(decodeJsonObject(b64('{"a":"\\\\u d800 🜂"}'), 'payload')).toEqual({ a: '\\u d800 🜂' })
    expect(decodeJsonObject(b64(JSON.stringify({ b: 'plain', n: [1, 2] })), 'payload')).toEqual({ b: 'plain', n: [1, 2] })
  })

  it('agrees with the reviver on any JSON text', () => {
    const reviver = (text: string): unknown => {
      try {
        const value = JSON.parse(text, (k, v) => { if (!k.isWellFormed() || (typeof v === 'string' && !v.isWellFormed())) throw new TypeError('lone'); return v })
        return JSON.stringify(value) === text && typeof value === 'object' && value !== null && !Array.isArray(value) ? value : 'refused'
      } catch { return 'refused' }
    }
    const ours = (text: string): unknown => { try { return decodeJsonObject(b64(text), 'p') } catch { return 'refused' } }
    fc.assert(fc.property(fc.dictionary(fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 6 })), obj => {
      const text = JSON.stringify(obj)
      if (!text.isWellFormed()) return // the UTF-8 round trip could not carry it
      expect(ours(text)).toEqual(reviver(text))
    }), { numRuns: 2000 })
  })
})
