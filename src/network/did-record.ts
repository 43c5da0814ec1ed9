import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { invalidRecord, isHearthError } from '../errors.ts'
import { publicKeyFromDidKey, verifyEd25519 } from '../identity/index.ts'
import type { Ed25519Key } from '../identity/index.ts'

/**
 * A DID record binds a DID to the devices that currently speak for it. It is signed by the
 * identity key and stored in our DHT under /vrm/<did> (DESIGN.md section 3).
 *
 * Wire form: u16 big-endian payload length || payload (UTF-8 JSON) || Ed25519 signature (64).
 * The signature covers RECORD_DOMAIN || payload, so the bytes can never pass for another kind
 * of signed message. Limits: research/libp2p-engineering.md section 2b and security.md B.3.
 */
export const RECORD_NAMESPACE = 'vrm'
export const RECORD_DOMAIN = new TextEncoder().encode('hearth-did-record/v1:')
export const RECORD_VERSION = 1
export const MAX_RECORD_BYTES = 8192
/** kad-dht drops stored records 48 h after receipt, whatever their expiry. */
export const MAX_RECORD_TTL_MS = 48 * 3600_000
export const DEFAULT_RECORD_TTL_MS = 24 * 3600_000
export const MAX_DEVICES = 8
export const MAX_ADDRS_PER_DEVICE = 16
export const MAX_ADDR_LENGTH = 256

export interface DeviceEntry { peerId: string, addrs: string[] }
export interface DidRecord { v: number, did: string, seq: number, exp: number, devices: DeviceEntry[] }
export interface ParsedRecord { record: DidRecord, bytes: Uint8Array }

export const recordKey = (did: string): Uint8Array => new TextEncoder().encode(`/${RECORD_NAMESPACE}/${did}`)

export function createDidRecord (identity: Ed25519Key, fields: { seq: number, exp: number, devices: DeviceEntry[] }): Uint8Array {
  // the verifier's own shape rules, so we never publish a record every other node refuses
  const record = checkShape({ v: RECORD_VERSION, did: identity.did, seq: fields.seq, exp: fields.exp, devices: fields.devices })
  const payload = new TextEncoder().encode(JSON.stringify(record))
  if (payload.length + 66 > MAX_RECORD_BYTES) throw invalidRecord(`record would be ${payload.length + 66} bytes; the limit is ${MAX_RECORD_BYTES}`)
  const sig = identity.sign(concat(RECORD_DOMAIN, payload))
  const out = new Uint8Array(2 + payload.length + 64)
  out[0] = payload.length >> 8
  out[1] = payload.length & 0xff
  out.set(payload, 2)
  out.set(sig, 2 + payload.length)
  return out
}

/**
 * Parse and verify a record. Cheap checks first (size, framing, shape), then the signature.
 * `expectedDid` is the DID the record must be for (from the DHT key or the caller).
 */
export function verifyDidRecord (bytes: Uint8Array, expectedDid?: string, now = Date.now()): DidRecord {
  if (!(bytes instanceof Uint8Array)) throw invalidRecord('not bytes')
  if (bytes.length > MAX_RECORD_BYTES) throw invalidRecord(`${bytes.length} bytes is over the ${MAX_RECORD_BYTES}-byte limit`)
  if (bytes.length < 2 + 64 + 2) throw invalidRecord('too short')
  const n = (bytes[0]! << 8) | bytes[1]!
  if (bytes.length !== 2 + n + 64) throw invalidRecord('length prefix does not match the record size')
  const payload = bytes.subarray(2, 2 + n)
  const sig = bytes.subarray(2 + n)
  let raw: unknown
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(payload)
    raw = JSON.parse(text)
  } catch { throw invalidRecord('payload is not UTF-8 JSON') }
  const record = checkShape(raw)
  // One byte form per record: no duplicate keys (JSON.parse keeps the last), no reordering,
  // no whitespace, so every implementation reads the same fields from the same bytes.
  if (JSON.stringify(record) !== text) throw invalidRecord('payload is not in canonical form (key order v, did, seq, exp, devices; no spaces or duplicate keys)')
  if (expectedDid !== undefined && record.did !== expectedDid) throw invalidRecord('record is for another DID than its key')
  if (record.exp <= now) throw invalidRecord('expired')
  if (record.exp - now > MAX_RECORD_TTL_MS) throw invalidRecord('expiry is too far in the future')
  let publicKey: Uint8Array
  try { publicKey = publicKeyFromDidKey(record.did) } catch (err) {
    throw invalidRecord(isHearthError(err) ? err.message : 'unsupported DID')
  }
  if (!verifyEd25519(publicKey, concat(RECORD_DOMAIN, payload), sig)) throw invalidRecord('bad signature (not signed by the DID\'s key)')
  return record
}

function checkShape (raw: unknown): DidRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalidRecord('payload must be an object')
  const o = raw as Record<string, unknown>
  const keys = Object.keys(o)
  if (keys.length !== 5 || !['v', 'did', 'seq', 'exp', 'devices'].every(k => keys.includes(k))) throw invalidRecord('payload must have exactly v, did, seq, exp, devices')
  if (o.v !== RECORD_VERSION) throw invalidRecord(`unsupported version ${JSON.stringify(o.v)}`)
  if (typeof o.did !== 'string' || o.did.length > 256) throw invalidRecord('bad did')
  if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0) throw invalidRecord('seq must be a non-negative safe integer')
  if (!Number.isSafeInteger(o.exp)) throw invalidRecord('exp must be an integer (ms since epoch)')
  if (!Array.isArray(o.devices) || o.devices.length < 1 || o.devices.length > MAX_DEVICES) throw invalidRecord(`devices must list 1 to ${MAX_DEVICES} entries`)
  const devices = o.devices.map((d: unknown, i: number): DeviceEntry => {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) throw invalidRecord(`devices[${i}] must be an object`)
    const e = d as Record<string, unknown>
    if (Object.keys(e).length !== 2 || typeof e.peerId !== 'string' || !Array.isArray(e.addrs)) throw invalidRecord(`devices[${i}] must have exactly peerId and addrs`)
    try { peerIdFromString(e.peerId) } catch { throw invalidRecord(`devices[${i}].peerId is not a PeerId`) }
    if (e.addrs.length > MAX_ADDRS_PER_DEVICE) throw invalidRecord(`devices[${i}] lists more than ${MAX_ADDRS_PER_DEVICE} addresses`)
    for (const a of e.addrs) {
      if (typeof a !== 'string' || a.length > MAX_ADDR_LENGTH) throw invalidRecord(`devices[${i}] has a bad address`)
      try { multiaddr(a) } catch { throw invalidRecord(`devices[${i}] has an address that is not a multiaddr`) }
    }
    return { peerId: e.peerId, addrs: e.addrs as string[] }
  })
  return { v: RECORD_VERSION, did: o.did, seq: o.seq as number, exp: o.exp as number, devices }
}

/** kad-dht selector: newest valid seq wins; ties go to the later expiry, then to the lower bytes. */
export function selectRecord (key: Uint8Array, values: Uint8Array[]): number {
  const did = didFromKey(key)
  let best = -1
  let bestRec: DidRecord | undefined
  values.forEach((v, i) => {
    let rec: DidRecord
    try { rec = verifyDidRecord(v, did) } catch { return }
    if (bestRec === undefined || rec.seq > bestRec.seq || (rec.seq === bestRec.seq && (rec.exp > bestRec.exp ||
      (rec.exp === bestRec.exp && Buffer.compare(v, values[best]!) < 0)))) {
      best = i
      bestRec = rec
    }
  })
  return Math.max(best, 0)
}

export function didFromKey (key: Uint8Array): string {
  const text = new TextDecoder().decode(key)
  const prefix = `/${RECORD_NAMESPACE}/`
  if (!text.startsWith(prefix)) throw invalidRecord('key is not in the /vrm/ namespace')
  return text.slice(prefix.length)
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
