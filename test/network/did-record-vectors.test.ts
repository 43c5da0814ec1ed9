import { readFile } from 'node:fs/promises'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deriveIdentityKey } from '../../src/identity/index.ts'
import {
  createDidRecord, recordKey, selectRecord, verifyDidRecord, MAX_ADDR_LENGTH, MAX_ADDRS_PER_DEVICE, MAX_DEVICES,
  MAX_RECORD_BYTES, MAX_RECORD_TTL_MS, RECORD_DOMAIN, RECORD_NAMESPACE, RECORD_VERSION
} from '../../src/network/did-record.ts'
import type { DeviceEntry } from '../../src/network/did-record.ts'
import { createRecordValidator } from '../../src/network/record-validator.ts'
import { buildVectors } from '../../protocols/did-record/generate-vectors.ts'
import type { InvalidVector, ValidVector } from '../../protocols/did-record/generate-vectors.ts'

interface Vectors {
  namespace: string
  domainUtf8: string
  limits: Record<string, number>
  keys: { identity: { masterSeedHex: string, did: string } }
  valid: ValidVector[]
  invalid: InvalidVector[]
  validator: { at: number, did: string, steps: Array<{ recordHex: string, error: string | null }>, newestSeq: number }
  selector: { at: number, did: string, cases: Array<{ name: string, valuesHex: string[], best: number }> }
}

const dir = new URL('../../protocols/did-record/', import.meta.url)
const v = JSON.parse(await readFile(new URL('vectors.json', dir), 'utf8')) as Vectors
const schema = JSON.parse(await readFile(new URL('record.schema.json', dir), 'utf8')) as Schema
const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'))
const payloadOf = (record: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(record.subarray(2, record.length - 64)))

afterEach(() => { vi.useRealTimers() })

describe('protocols/did-record/vectors.json', () => {
  it('is exactly what generate-vectors.ts produces, with the limits and labels of the code', async () => {
    expect(await buildVectors()).toEqual(v)
    expect(v.namespace).toBe(`/${RECORD_NAMESPACE}/`)
    expect(new TextEncoder().encode(v.domainUtf8)).toEqual(RECORD_DOMAIN)
    expect(v.limits).toEqual({ MAX_RECORD_BYTES, MAX_RECORD_TTL_MS, MAX_DEVICES, MAX_ADDRS_PER_DEVICE, MAX_ADDR_LENGTH })
    expect(deriveIdentityKey(bytes(v.keys.identity.masterSeedHex)).did).toBe(v.keys.identity.did)
  })

  it.each(v.valid.map(x => [x.name, x]))('valid: %s', (_name, x) => {
    const record = bytes(x.recordHex)
    expect(verifyDidRecord(record, x.did, x.at)).toEqual(x.payload)
    // createDidRecord makes these very bytes from the same fields (JSON key order v, did, seq, exp, devices)
    const p = x.payload as { seq: number, exp: number, devices: DeviceEntry[] }
    const identity = deriveIdentityKey(bytes(v.keys.identity.masterSeedHex))
    expect(Buffer.from(createDidRecord(identity, { seq: p.seq, exp: p.exp, devices: p.devices })).toString('hex')).toBe(x.recordHex)
  })

  it.each(v.invalid.map(x => [x.name, x]))('invalid: %s', (_name, x) => {
    expect(() => verifyDidRecord(bytes(x.recordHex), x.did, x.at))
      .toThrow(expect.objectContaining({ code: 'INVALID_RECORD', message: expect.stringContaining(x.error) }))
  })

  it('validator: a node refuses a record older than the newest it has seen for that DID (stale rule)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(v.validator.at)
    const validator = createRecordValidator()
    const key = recordKey(v.validator.did)
    const outcomes: Array<string | null> = []
    for (const step of v.validator.steps) {
      outcomes.push(await validator.validate(key, bytes(step.recordHex)).then(() => null, (err: { code: string, message: string }) => {
        expect(err.code).toBe('INVALID_RECORD')
        return err.message
      }))
    }
    v.validator.steps.forEach((step, i) => {
      if (step.error === null) expect(outcomes[i]).toBeNull()
      else expect(outcomes[i]).toContain(step.error)
    })
    expect(validator.newestSeq(v.validator.did)).toBe(v.validator.newestSeq)
  })

  it.each(v.selector.cases.map(c => [c.name, c]))('selector: %s', (_name, c) => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(v.selector.at)
    expect(selectRecord(recordKey(v.selector.did), c.valuesHex.map(bytes))).toBe(c.best)
  })
})

describe('protocols/did-record/record.schema.json', () => {
  it('states the limits of the code', () => {
    const p = schema.properties!
    const device = p.devices!.items!
    expect(p.v!.const).toBe(RECORD_VERSION)
    expect(schema.required).toEqual(['v', 'did', 'seq', 'exp', 'devices'])
    expect([p.devices!.minItems, p.devices!.maxItems]).toEqual([1, MAX_DEVICES])
    expect(device.properties!.addrs!.maxItems).toBe(MAX_ADDRS_PER_DEVICE)
    expect(device.properties!.addrs!.items!.maxLength).toBe(MAX_ADDR_LENGTH)
    expect(p.seq!.maximum).toBe(Number.MAX_SAFE_INTEGER)
  })

  it.each(v.valid.map(x => [x.name, x]))('accepts the payload of valid vector: %s', (_name, x) => {
    expect(schemaErrors(schema, x.payload)).toEqual([])
  })

  // null: the payload is not JSON, a framing matter the schema cannot speak to
  it.each(v.invalid.filter(x => x.schemaValid !== null).map(x => [x.name, x]))('judges the payload of invalid vector "%s" as vectors.json says', (_name, x) => {
    const errors = schemaErrors(schema, payloadOf(bytes(x.recordHex)))
    if (x.schemaValid === true) expect(errors).toEqual([])
    else expect(errors).not.toEqual([])
  })

  it('refuses a prototype-polluting key and does not pollute', () => {
    const payload = JSON.parse('{"__proto__":{"polluted":1},"v":1}')
    expect(schemaErrors(schema, payload).join('; ')).toMatch(/__proto__/)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})

/**
 * The subset of JSON Schema 2020-12 that record.schema.json uses. Any other keyword is an
 * error here, so the schema cannot grow a rule that this checker silently ignores.
 */
interface Schema {
  $schema?: string
  $id?: string
  title?: string
  description?: string
  type?: 'object' | 'array' | 'string' | 'integer'
  const?: unknown
  required?: string[]
  properties?: Record<string, Schema>
  additionalProperties?: boolean
  items?: Schema
  minItems?: number
  maxItems?: number
  maxLength?: number
  pattern?: string
  minimum?: number
  maximum?: number
}
const KNOWN = new Set(['$schema', '$id', 'title', 'description', 'type', 'const', 'required', 'properties', 'additionalProperties',
  'items', 'minItems', 'maxItems', 'maxLength', 'pattern', 'minimum', 'maximum'])

function schemaErrors (s: Schema, value: unknown, at = '$'): string[] {
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} at ${at} is not supported by this checker`)
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value)
  if (s.type === 'object' && !isObject) return [`${at}: not an object`]
  if (s.type === 'array' && !Array.isArray(value)) return [`${at}: not an array`]
  if (s.type === 'string' && typeof value !== 'string') return [`${at}: not a string`]
  if (s.type === 'integer' && !(typeof value === 'number' && Number.isInteger(value))) return [`${at}: not an integer`]
  const errors: string[] = []
  if ('const' in s && value !== s.const) errors.push(`${at}: must be ${JSON.stringify(s.const)}`)
  if (typeof value === 'number') {
    if (s.minimum !== undefined && value < s.minimum) errors.push(`${at}: below ${s.minimum}`)
    if (s.maximum !== undefined && value > s.maximum) errors.push(`${at}: above ${s.maximum}`)
  }
  if (typeof value === 'string') {
    // JSON Schema counts code points, not UTF-16 units
    if (s.maxLength !== undefined && [...value].length > s.maxLength) errors.push(`${at}: longer than ${s.maxLength}`)
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${at}: does not match ${s.pattern}`)
  }
  if (Array.isArray(value)) {
    if (s.minItems !== undefined && value.length < s.minItems) errors.push(`${at}: fewer than ${s.minItems} items`)
    if (s.maxItems !== undefined && value.length > s.maxItems) errors.push(`${at}: more than ${s.maxItems} items`)
    if (s.items !== undefined) value.forEach((item, i) => errors.push(...schemaErrors(s.items!, item, `${at}[${i}]`)))
  }
  if (isObject) {
    const o = value as Record<string, unknown>
    const props = s.properties ?? {}
    for (const k of s.required ?? []) if (!Object.hasOwn(o, k)) errors.push(`${at}: missing ${k}`)
    for (const k of Object.keys(o)) {
      // Object.hasOwn, not props[k]: props['__proto__'] is Object.prototype
      if (Object.hasOwn(props, k)) errors.push(...schemaErrors(props[k]!, o[k], `${at}.${k}`))
      else if (s.additionalProperties === false) errors.push(`${at}: unknown key ${k}`)
    }
  }
  return errors
}
