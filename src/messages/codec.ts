import { invalidMessage } from './wire.ts'

/**
 * The byte-level rules of a compact JWS (RFC 7515 section 7.1), strict: one spelling per
 * token. Base64url must be canonical (no padding, no '+' or '/', no whitespace, and unused
 * trailing bits zero, so two different strings never carry the same bytes: security research
 * B.2 items 37 and 39). JSON must be exactly what JSON.stringify writes for the value it
 * parses to: no whitespace, no duplicate keys (JSON.parse keeps the last one silently; B.2 36).
 */
const BASE64URL = /^[A-Za-z0-9_-]*$/
const utf8Decoder = new TextDecoder('utf-8', { fatal: true })
const utf8Encoder = new TextEncoder()

export const utf8 = (text: string): Uint8Array => utf8Encoder.encode(text)

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/**
 * For a string of base64url characters: is it the one encoding of its bytes? Without padding,
 * a length of 4n+1 carries no whole byte, and the last character of 4n+2 (4n+3) carries 4 (2)
 * bits beyond the bytes, which must be zero. Same answer as re-encoding the decoded bytes and
 * comparing, without the second pass.
 */
function canonicalTail (segment: string): boolean {
  const rest = segment.length % 4
  if (rest === 0) return true
  if (rest === 1) return false
  const last = BASE64URL_ALPHABET.indexOf(segment[segment.length - 1]!)
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

export function encodeBase64url (bytes: Uint8Array | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64url')
}

/** Decode one segment; `what` names it in the error. */
export function decodeBase64url (segment: string, what: string): Uint8Array {
  if (!BASE64URL.test(segment)) throw invalidMessage('MALFORMED', `${what} is not base64url (only A-Z a-z 0-9 - _, no padding or whitespace)`)
  if (!canonicalTail(segment)) throw invalidMessage('MALFORMED', `${what} is not canonical base64url`)
  return Uint8Array.from(Buffer.from(segment, 'base64url'))
}

/** Refuse strings that are not well-formed UTF-16 (lone surrogates, B.1 item 16) anywhere in the JSON. */
function wellFormed (key: string, value: unknown): unknown {
  if (!key.isWellFormed() || (typeof value === 'string' && !value.isWellFormed())) throw new TypeError('lone surrogate')
  return value
}

/** A JSON object segment: UTF-8, canonical as above, an object at the top. */
export function decodeJsonObject (segment: string, what: string): Record<string, unknown> {
  const bytes = decodeBase64url(segment, what)
  let text: string
  let value: unknown
  try {
    text = utf8Decoder.decode(bytes)
    // The reviver costs more than the parse itself. The fatal decoder gives well-formed text,
    // and without a \u escape no string in it can hold a lone surrogate (other escapes make
    // ASCII, and a quote never splits a pair), so only text with one needs the reviver.
    value = text.includes('\\u') ? JSON.parse(text, wellFormed) : JSON.parse(text)
  } catch {
    throw invalidMessage('MALFORMED', `${what} is not UTF-8 JSON`)
  }
  if (JSON.stringify(value) !== text) {
    throw invalidMessage('MALFORMED', `${what} is not canonical JSON (whitespace, duplicate keys or escapes JSON.stringify would not write)`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidMessage('MALFORMED', `${what} is not a JSON object`)
  return value as Record<string, unknown>
}

/** Object keys must be exactly `expected`, in that order (one spelling per message). */
export function hasKeysInOrder (value: Record<string, unknown>, expected: readonly string[]): boolean {
  const keys = Object.keys(value)
  return keys.length === expected.length && keys.every((k, i) => k === expected[i])
}

export interface DecodedJws {
  /** '<header>.<payload>', the bytes the signature covers (ASCII) */
  signingInput: string
  signature: Uint8Array
  header: Record<string, unknown>
  payload: Record<string, unknown>
}

/**
 * A compact JWS string within `maxBytes`, split and decoded by the rules above: every Hearth
 * protocol's first steps (agreement messages, intentcast messages), cheapest first. UTF-8 is
 * never shorter than the UTF-16 length, so the first test refuses a huge string without
 * scanning it; the second counts the UTF-8 bytes of the rest.
 */
export function decodeJws (jwt: string, maxBytes: number): DecodedJws {
  if (jwt.length > maxBytes || Buffer.byteLength(jwt, 'utf8') > maxBytes) throw invalidMessage('TOO_LARGE', `over the ${maxBytes}-byte limit`)
  const segments = jwt.split('.', 4)
  if (segments.length !== 3) throw invalidMessage('MALFORMED', 'a compact JWS has exactly three segments')
  const [h, p, s] = segments as [string, string, string]
  return { signingInput: `${h}.${p}`, signature: decodeBase64url(s, 'signature'), header: decodeJsonObject(h, 'header'), payload: decodeJsonObject(p, 'payload') }
}

