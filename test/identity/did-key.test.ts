import { describe, expect, it } from 'vitest'
import { base58btc } from 'multiformats/bases/base58'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  didKeyFromPublicKey, ed25519FromSeed, peerIdFromDidKey, publicKeyFromDidKey
} from '../../src/identity/index.ts'
import { fromHex, readKeysJson } from './helpers.ts'

interface PublishedVectors { source: string, vectors: Array<{ seedHex: string, did: string, ed25519PublicKeyBase58: string }> }
const published = await readKeysJson<PublishedVectors>('did-key-ed25519.json')
const someDid = published.vectors[1]!.did
const multibase = (bytes: number[]): string => 'did:key:' + base58btc.encode(Uint8Array.from(bytes))

describe('did:key (published w3c-ccg/did-method-key vectors)', () => {
  it('cites its source', () => {
    expect(published.source).toMatch(/^https:\/\/github\.com\/w3c-ccg\/did-method-key\/.*ed25519-x25519\.json$/)
    expect(published.vectors).toHaveLength(5)
  })

  it.each(published.vectors)('seed $seedHex -> $did', ({ seedHex, did, ed25519PublicKeyBase58 }) => {
    const key = ed25519FromSeed(fromHex(seedHex))
    expect(key.did).toBe(did)
    expect(base58btc.baseEncode(key.publicKey)).toBe(ed25519PublicKeyBase58)
    expect(didKeyFromPublicKey(key.publicKey)).toBe(did)
    expect(publicKeyFromDidKey(did)).toEqual(key.publicKey)
  })
})

describe('peerIdFromDidKey', () => {
  it('gives the Ed25519 PeerId of the same key as the libp2p private key', async () => {
    const key = ed25519FromSeed(fromHex(published.vectors[2]!.seedHex))
    const peerId = peerIdFromDidKey(key.did)
    expect(peerId.type).toBe('Ed25519')
    expect(peerId.publicKey.raw).toEqual(key.publicKey)
    expect(peerId.toString()).toMatch(/^12D3KooW/)
    expect(peerId.equals(peerIdFromPrivateKey(await key.toLibp2pPrivateKey()))).toBe(true)
  })

  it('rejects what publicKeyFromDidKey rejects', () => {
    expect(() => peerIdFromDidKey(`${someDid}#key-1`)).toThrow(expect.objectContaining({ code: 'INVALID_DID' }))
  })
})

describe('publicKeyFromDidKey is strict', () => {
  const key = publicKeyFromDidKey(someDid)
  const bad: Array<[string, unknown]> = [
    ['a fragment (DID URL)', `${someDid}#${someDid.slice(8)}`],
    ['a query', `${someDid}?service=files`],
    ['a path', `${someDid}/path`],
    ['DID parameters', `${someDid};service=x`],
    ['an X25519 key (multicodec 0xec)', 'did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW'],
    ['a secp256k1 key (multicodec 0xe7)', multibase([0xe7, 0x01, 0x02, ...new Array<number>(32).fill(7)])],
    ['a 31-byte key', multibase([0xed, 0x01, ...key.slice(1)])],
    ['a 33-byte key', multibase([0xed, 0x01, ...key, 0])],
    ['the prefix alone', multibase([0xed, 0x01])],
    ['a leading zero byte (non-canonical)', multibase([0x00, 0xed, 0x01, ...key])],
    ['characters outside base58', 'did:key:z6Mk0OIl' + someDid.slice(16)],
    ['another multibase (base64url "u")', 'did:key:u7QE' + Buffer.from(key).toString('base64url')],
    ['another method', 'did:web:example.com'],
    ['upper-case scheme', someDid.replace('did:key', 'DID:KEY')],
    ['surrounding whitespace', ` ${someDid}`],
    ['an empty identifier', 'did:key:z'],
    ['an empty string', ''],
    ['a long string', `did:key:z${'1'.repeat(100_000)}`],
    ['a number', 42],
    ['undefined', undefined]
  ]

  it.each(bad)('rejects %s with INVALID_DID', (_name, did) => {
    expect(() => publicKeyFromDidKey(did as string)).toThrow(expect.objectContaining({ code: 'INVALID_DID' }))
  })

  it('never puts more than 120 characters of the input in its message', () => {
    try {
      publicKeyFromDidKey(`did:key:z${'A'.repeat(5000)}`)
      expect.unreachable()
    } catch (err) {
      expect((err as Error).message.length).toBeLessThan(250)
    }
  })

  it('didKeyFromPublicKey refuses anything but 32 bytes', () => {
    expect(() => didKeyFromPublicKey(new Uint8Array(33))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
