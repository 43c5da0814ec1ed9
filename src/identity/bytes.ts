/**
 * Input checks and encodings shared by the identity files. Each check names the field it
 * guards and never echoes the value: most bytes passing through here are secrets.
 */
import { invalidArgument } from '../errors.ts'

/** Returns `value` if it is a Uint8Array of exactly `length` bytes, else INVALID_ARGUMENT. */
export function assertBytes (value: unknown, length: number, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalidArgument(field, 'must be a Uint8Array')
  if (value.length !== length) throw invalidArgument(field, `must be ${length} bytes, got ${value.length}`)
  return value
}

/** A copy that shares no memory with the caller's array (Buffers may sit in a shared pool). */
export function copyBytes (bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes)
}

export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

export const toBase64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * Strict base64url (RFC 4648 section 5, no padding): Node's decoder skips characters it does
 * not know and ignores non-zero trailing bits, so two different strings could decode to the
 * same bytes. We accept only the one canonical spelling. Returns undefined when invalid.
 */
export function fromBase64url (text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text)) return undefined
  const buf = Buffer.from(text, 'base64url')
  if (buf.toString('base64url') !== text) return undefined
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length))
}

/** Overwrites secret material we no longer need. Best effort: JS may already hold copies. */
export function wipe (...arrays: Array<Uint8Array | undefined>): void {
  for (const a of arrays) a?.fill(0)
}
