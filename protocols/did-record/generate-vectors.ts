/**
 * Writes protocols/did-record/vectors.json. Run by hand when the record format changes on purpose:
 *   node protocols/did-record/generate-vectors.ts > protocols/did-record/vectors.json
 * test/network/did-record-vectors.test.ts checks every vector against src/network/did-record.ts
 * and that this script still produces the checked-in file byte for byte (Ed25519 is
 * deterministic, so the output depends only on the fixed seeds and times below).
 *
 * TEST KEYS ONLY: the master seed is 00..1f, the one keys/vectors.json uses.
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { deriveDeviceKey, deriveIdentityKey, ed25519FromSeed } from '../../src/identity/index.ts'
import type { Ed25519Key } from '../../src/identity/index.ts'
import {
  createDidRecord, MAX_ADDR_LENGTH, MAX_ADDRS_PER_DEVICE, MAX_DEVICES, MAX_RECORD_BYTES, MAX_RECORD_TTL_MS,
  RECORD_DOMAIN, RECORD_NAMESPACE, RECORD_VERSION
} from '../../src/network/did-record.ts'
import type { DeviceEntry } from '../../src/network/did-record.ts'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'))
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

const HOUR = 3600_000
/** "now" for every vector: 2026-01-01T00:00:00Z. Verify with verifyDidRecord(bytes, did, at). */
const AT = Date.UTC(2026, 0, 1)
const MASTER_SEED_HEX = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'
const DEVICE_NONCE_HEX = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'
/** Mallory: a key that is not the DID's. */
const OTHER_SEED_HEX = '0202020202020202020202020202020202020202020202020202020202020202'

export interface ValidVector { name: string, at: number, did: string, recordHex: string, payload: unknown, createdBy: 'createDidRecord' }
export interface InvalidVector {
  name: string
  at: number
  /** the DID the record is checked against (the DHT key's, or the one being connected to) */
  did: string
  recordHex: string
  /** verifyDidRecord throws INVALID_RECORD with a message containing this */
  error: string
  /** whether record.schema.json accepts the payload; null when the payload is not JSON */
  schemaValid: boolean | null
}

/** Frame any payload by hand: u16 BE length || payload || Ed25519(domain || payload). */
function frame (signer: Ed25519Key, payload: Uint8Array | string, domain: Uint8Array = RECORD_DOMAIN): Uint8Array {
  const p = typeof payload === 'string' ? utf8(payload) : payload
  const signed = new Uint8Array(domain.length + p.length)
  signed.set(domain)
  signed.set(p, domain.length)
  const out = new Uint8Array(2 + p.length + 64)
  out[0] = (p.length >> 8) & 0xff
  out[1] = p.length & 0xff
  out.set(p, 2)
  out.set(signer.sign(signed), 2 + p.length)
  return out
}

/** An address of exactly `length` characters: /dns4/<name>/tcp/4012. */
function addrOfLength (length: number, fill = 'a'): string {
  const fixed = '/dns4/'.length + '/tcp/4012'.length
  return `/dns4/${fill.repeat(length - fixed)}/tcp/4012`
}

export async function buildVectors (): Promise<Record<string, unknown>> {
  const masterSeed = fromHex(MASTER_SEED_HEX)
  const alice = deriveIdentityKey(masterSeed)
  const mallory = ed25519FromSeed(fromHex(OTHER_SEED_HEX))
  const peerIdOf = async (nonceLastByte: number): Promise<string> => {
    const nonce = fromHex(DEVICE_NONCE_HEX)
    nonce[15] = nonceLastByte
    return peerIdFromPrivateKey(await deriveDeviceKey(masterSeed, nonce).toLibp2pPrivateKey()).toString()
  }
  const peers: string[] = []
  for (let i = 0; i < MAX_DEVICES + 1; i++) peers.push(await peerIdOf(0xaf - i))
  const laptop: DeviceEntry = { peerId: peers[0]!, addrs: ['/ip4/192.0.2.10/tcp/4012', '/ip6/2001:db8::10/tcp/4012'] }

  const fields = (seq: number, exp: number, devices: DeviceEntry[] = [laptop]) => ({ seq, exp, devices })
  const payloadOf = (record: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(record.subarray(2, record.length - 64)))
  /** the JSON a correct record for `alice` would carry, for hand-made variants */
  const base = (over: Record<string, unknown> = {}): Record<string, unknown> =>
    ({ v: RECORD_VERSION, did: alice.did, seq: AT, exp: AT + 24 * HOUR, devices: [laptop], ...over })
  const signedJson = (obj: unknown): Uint8Array => frame(alice, JSON.stringify(obj))

  // --- valid -------------------------------------------------------------------------------
  const valid: ValidVector[] = []
  const addValid = (name: string, f: { seq: number, exp: number, devices: DeviceEntry[] }): Uint8Array => {
    const bytes = createDidRecord(alice, f)
    valid.push({ name, at: AT, did: alice.did, recordHex: hex(bytes), payload: payloadOf(bytes), createdBy: 'createDidRecord' })
    return bytes
  }
  const typical = addValid('one device, two addresses, seq = clock ms, 24 h lifetime (what a node publishes)', fields(AT, AT + 24 * HOUR))
  addValid('seq 0, no addresses, expires 1 ms after now', fields(0, AT + 1, [{ peerId: peers[0]!, addrs: [] }]))
  addValid('expiry exactly 48 h after now (MAX_RECORD_TTL_MS, inclusive)', fields(AT + 1, AT + MAX_RECORD_TTL_MS))
  addValid(`${MAX_DEVICES} devices (MAX_DEVICES)`, fields(AT + 2, AT + HOUR,
    peers.slice(0, MAX_DEVICES).map((peerId, i) => ({ peerId, addrs: [`/ip4/192.0.2.${i + 1}/tcp/4012`] }))))
  addValid(`${MAX_ADDRS_PER_DEVICE} addresses of ${MAX_ADDR_LENGTH} characters (MAX_ADDRS_PER_DEVICE, MAX_ADDR_LENGTH)`,
    fields(AT + 3, AT + HOUR, [{ peerId: peers[0]!, addrs: Array.from({ length: MAX_ADDRS_PER_DEVICE }, (_, i) => addrOfLength(MAX_ADDR_LENGTH, String.fromCharCode(97 + i))) }]))
  // Exactly MAX_RECORD_BYTES: the size limit binds long before 8 x 16 x 256 characters would.
  const exactDevices = fillToSize(peers.slice(0, MAX_DEVICES), MAX_RECORD_BYTES, d => signedJson(base({ seq: AT + 4, exp: AT + HOUR, devices: d })).length)
  const exact = addValid(`exactly ${MAX_RECORD_BYTES} bytes (MAX_RECORD_BYTES, inclusive)`, fields(AT + 4, AT + HOUR, exactDevices))
  if (exact.length !== MAX_RECORD_BYTES) throw new Error(`size vector is ${exact.length} bytes`)

  // --- invalid -----------------------------------------------------------------------------
  const invalid: InvalidVector[] = []
  const bad = (name: string, bytes: Uint8Array, error: string, schemaValid: boolean | null, did = alice.did, at = AT): void => {
    invalid.push({ name, at, did, recordHex: hex(bytes), error, schemaValid })
  }

  // framing and size
  bad('empty', new Uint8Array(0), 'too short', null)
  bad('67 bytes: shorter than prefix + "{}" + signature', typical.subarray(0, 67), 'too short', null)
  bad('truncated: last byte of the signature missing', typical.subarray(0, typical.length - 1), 'length prefix does not match the record size', null)
  bad('one byte appended after the signature', Uint8Array.from([...typical, 0]), 'length prefix does not match the record size', null)
  const wrongPrefix = Uint8Array.from(typical)
  wrongPrefix[0] = wrongPrefix[0]! ^ 0x01
  bad('length prefix off by 256', wrongPrefix, 'length prefix does not match the record size', null)
  const over = fillToSize(peers.slice(0, MAX_DEVICES), MAX_RECORD_BYTES + 1, d => signedJson(base({ exp: AT + HOUR, devices: d })).length)
  bad(`${MAX_RECORD_BYTES + 1} bytes, correctly framed and signed (oversized)`, signedJson(base({ exp: AT + HOUR, devices: over })),
    `is over the ${MAX_RECORD_BYTES}-byte limit`, true)
  bad('payload is not JSON', frame(alice, 'v=1;did=' + alice.did), 'payload is not UTF-8 JSON', null)
  bad('payload is not UTF-8 (0xff inside a string)', frame(alice, Uint8Array.from([...utf8('{"v":1,"x":"'), 0xff, ...utf8('"}')])), 'payload is not UTF-8 JSON', null)

  // canonical form (checked after the shape): signed by the DID's key, but not the one byte form
  bad('duplicate key: seq twice, the last one larger', frame(alice, JSON.stringify(base()).replace(/,"exp":/, ',"seq":999999999999999,"exp":')),
    'payload is not in canonical form', null)
  bad('keys reordered (did before v)', frame(alice, JSON.stringify(base()).replace(/^\{"v":1,("did":"[^"]+"),/, '{$1,"v":1,')), 'payload is not in canonical form', true)
  bad('whitespace between tokens', frame(alice, JSON.stringify(base(), null, 1)), 'payload is not in canonical form', true)

  // shape (checked before the signature: these are all correctly signed by the DID's key)
  bad('payload is a JSON array', signedJson([base()]), 'payload must be an object', false)
  bad('extra key "note"', signedJson(base({ note: 'hi' })), 'payload must have exactly v, did, seq, exp, devices', false)
  bad('extra key "__proto__"', frame(alice, JSON.stringify(base()).replace(/^\{/, '{"__proto__":{"v":1},')), 'payload must have exactly v, did, seq, exp, devices', false)
  const { exp: _exp, ...noExp } = base()
  bad('missing key "exp"', signedJson(noExp), 'payload must have exactly v, did, seq, exp, devices', false)
  bad('version 2', signedJson(base({ v: 2 })), 'unsupported version 2', false)
  bad('did is not a string', signedJson(base({ did: 42 })), 'bad did', false)
  bad('did longer than 256 characters', signedJson(base({ did: 'did:key:z' + '1'.repeat(248) })), 'bad did', false, 'did:key:z' + '1'.repeat(248))
  bad('seq negative', signedJson(base({ seq: -1 })), 'seq must be a non-negative safe integer', false)
  bad('seq not an integer', signedJson(base({ seq: 1.5 })), 'seq must be a non-negative safe integer', false)
  bad('seq above 2^53 - 1', signedJson(base({ seq: 2 ** 53 })), 'seq must be a non-negative safe integer', false)
  bad('exp is a string', signedJson(base({ exp: String(AT + HOUR) })), 'exp must be an integer (ms since epoch)', false)
  bad('no devices', signedJson(base({ devices: [] })), `devices must list 1 to ${MAX_DEVICES} entries`, false)
  bad(`${MAX_DEVICES + 1} devices`, signedJson(base({ devices: peers.map(peerId => ({ peerId, addrs: [] })) })), `devices must list 1 to ${MAX_DEVICES} entries`, false)
  bad('device is not an object', signedJson(base({ devices: [peers[0]] })), 'devices[0] must be an object', false)
  bad('device with an extra key', signedJson(base({ devices: [{ ...laptop, name: 'laptop' }] })), 'devices[0] must have exactly peerId and addrs', false)
  bad('device without addrs', signedJson(base({ devices: [{ peerId: peers[0] }] })), 'devices[0] must have exactly peerId and addrs', false)
  bad('peerId with characters no PeerId has', signedJson(base({ devices: [{ peerId: 'not-a-peer-id', addrs: [] }] })), 'devices[0].peerId is not a PeerId', false)
  bad('peerId truncated (right alphabet, not a multihash)', signedJson(base({ devices: [{ peerId: peers[0]!.slice(0, 20), addrs: [] }] })), 'devices[0].peerId is not a PeerId', true)
  bad(`${MAX_ADDRS_PER_DEVICE + 1} addresses on one device`, signedJson(base({ devices: [{ peerId: peers[0], addrs: Array.from({ length: MAX_ADDRS_PER_DEVICE + 1 }, (_, i) => `/ip4/192.0.2.${i}/tcp/4012`) }] })),
    `devices[0] lists more than ${MAX_ADDRS_PER_DEVICE} addresses`, false)
  bad(`address of ${MAX_ADDR_LENGTH + 1} characters`, signedJson(base({ devices: [{ peerId: peers[0], addrs: [addrOfLength(MAX_ADDR_LENGTH + 1)] }] })), 'devices[0] has a bad address', false)
  bad('address is a number', signedJson(base({ devices: [{ peerId: peers[0], addrs: [4012] }] })), 'devices[0] has a bad address', false)
  bad('address is host:port, not a multiaddr', signedJson(base({ devices: [{ peerId: peers[0], addrs: ['192.0.2.10:4012'] }] })), 'devices[0] has an address that is not a multiaddr', false)
  bad('address starts with / but is not a multiaddr (bad IPv4)', signedJson(base({ devices: [{ peerId: peers[0], addrs: ['/ip4/192.0.2.999/tcp/4012'] }] })), 'devices[0] has an address that is not a multiaddr', true)

  // key, time and signature (the payloads are all well-formed)
  bad('record for another DID than the key it was fetched under', typical, 'record is for another DID than its key', true, mallory.did)
  bad('expired 1 ms ago', createDidRecord(alice, fields(AT, AT - 1)), 'expired', true)
  bad('expires exactly now', createDidRecord(alice, fields(AT, AT)), 'expired', true)
  bad('expiry 48 h + 1 ms after now', createDidRecord(alice, fields(AT, AT + MAX_RECORD_TTL_MS + 1)), 'expiry is too far in the future', true)
  bad('typical record checked 24 h later (at = exp)', typical, 'expired', true, alice.did, AT + 24 * HOUR)
  bad('did is a did:web, not a did:key', signedJson(base({ did: 'did:web:example.com' })), 'not a did:key', false, 'did:web:example.com')
  bad('forged: claims the DID, signed by another key', createDidRecord({ ...mallory, did: alice.did }, fields(AT + 10, AT + HOUR)), 'bad signature', true)
  const flipped = Uint8Array.from(typical)
  flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01
  bad('one bit of the signature flipped', flipped, 'bad signature', true)
  const p = JSON.stringify(base())
  const reSeq = Uint8Array.from(typical)
  reSeq.set(utf8(p.replace(`"seq":${AT}`, `"seq":${AT + 1}`)), 2)
  bad('payload changed after signing (seq + 1, same length)', reSeq, 'bad signature', true)
  bad('signed without the domain prefix', frame(alice, p, new Uint8Array(0)), 'bad signature', true)
  bad('signed under another domain prefix', frame(alice, p, utf8('hearth-did-record/v2:')), 'bad signature', true)

  // --- validator (stale rule) and selector ---------------------------------------------------
  const rec = (seq: number, exp = AT + HOUR, devices: DeviceEntry[] = [laptop]): string => hex(createDidRecord(alice, fields(seq, exp, devices)))
  const validator = {
    description: 'Feed the records in order to one createRecordValidator() at `at`, under the key /vrm/<did>. error: null means accepted.',
    at: AT,
    did: alice.did,
    steps: [
      { recordHex: rec(1000), error: null },
      { recordHex: rec(999), error: 'stale: seq 999 is older than 1000' },
      { recordHex: rec(1000, AT + 2 * HOUR), error: null },
      { recordHex: rec(1001), error: null },
      { recordHex: hex(createDidRecord({ ...mallory, did: alice.did }, fields(5000, AT + HOUR))), error: 'bad signature' },
      { recordHex: rec(1000), error: 'stale: seq 1000 is older than 1001' }
    ],
    newestSeq: 1001
  }
  const tieA = rec(7, AT + HOUR, [{ peerId: peers[0]!, addrs: ['/ip4/192.0.2.1/tcp/4012'] }])
  const tieB = rec(7, AT + HOUR, [{ peerId: peers[1]!, addrs: ['/ip4/192.0.2.1/tcp/4012'] }])
  const selector = {
    description: 'selectRecord(recordKey(did), values) at `at` returns `best`, the index of the winning value.',
    at: AT,
    did: alice.did,
    cases: [
      { name: 'highest seq wins; forged, expired and garbage values are ignored',
        valuesHex: [rec(5), rec(9, AT + HOUR), hex(createDidRecord({ ...mallory, did: alice.did }, fields(99, AT + HOUR))), rec(50, AT - 1), 'deadbeef', rec(7)], best: 1 },
      { name: 'same seq: the later expiry wins', valuesHex: [rec(7, AT + HOUR), rec(7, AT + 2 * HOUR), rec(6, AT + 3 * HOUR)], best: 1 },
      { name: 'same seq and expiry: the lexicographically lower bytes win', valuesHex: [tieA, tieB], best: Buffer.compare(fromHex(tieA), fromHex(tieB)) < 0 ? 0 : 1 },
      { name: 'nothing valid: index 0 (kad-dht needs an index; the validator has already refused such values)', valuesHex: ['deadbeef', rec(9, AT - 1)], best: 0 }
    ]
  }

  return {
    description: 'Hearth DID record (/vrm/<did>) test vectors: protocols/did-record/README.md. TEST KEYS ONLY. ' +
      'Regenerate: node protocols/did-record/generate-vectors.ts > protocols/did-record/vectors.json',
    namespace: `/${RECORD_NAMESPACE}/`,
    domainUtf8: new TextDecoder().decode(RECORD_DOMAIN),
    limits: { MAX_RECORD_BYTES, MAX_RECORD_TTL_MS, MAX_DEVICES, MAX_ADDRS_PER_DEVICE, MAX_ADDR_LENGTH },
    keys: {
      identity: { masterSeedHex: MASTER_SEED_HEX, derivation: 'deriveIdentityKey(masterSeed)', did: alice.did },
      devices: { derivation: `deriveDeviceKey(masterSeed, nonce ${DEVICE_NONCE_HEX} with its last byte 0xaf, 0xae, ...)`, peerIds: peers },
      other: { ed25519SeedHex: OTHER_SEED_HEX, did: mallory.did }
    },
    valid,
    invalid,
    validator,
    selector
  }
}

/**
 * Devices whose records measure exactly `target` bytes: fill addresses of MAX_ADDR_LENGTH
 * characters device by device, then shorten the last one by the overshoot.
 */
function fillToSize (peerIds: string[], target: number, size: (devices: DeviceEntry[]) => number): DeviceEntry[] {
  const devices: DeviceEntry[] = peerIds.map(peerId => ({ peerId, addrs: [] }))
  let n = 0
  while (size(devices) < target) {
    const d = devices[n % devices.length]!
    if (d.addrs.length >= MAX_ADDRS_PER_DEVICE) throw new Error('cannot reach the target size within the limits')
    d.addrs.push(addrOfLength(MAX_ADDR_LENGTH, String.fromCharCode(97 + (n % 26))))
    n++
  }
  const last = devices[(n - 1) % devices.length]!
  const overshoot = size(devices) - target
  const a = last.addrs.pop()!
  last.addrs.push(addrOfLength(a.length - overshoot, a[6]))
  if (size(devices) !== target) throw new Error('size did not converge')
  return devices
}

if (import.meta.main) process.stdout.write(JSON.stringify(await buildVectors(), null, 2) + '\n')
