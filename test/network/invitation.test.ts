import { describe, it, expect } from 'vitest'
import { formatInvitation, parseInvitation } from '../../src/network/invitation.ts'
import { INVITE_PREFIX, MAX_INVITE_ADDRS, MAX_INVITE_LENGTH } from '../../src/network/invitation.ts'

// keys/vectors.json: the identity DID and device PeerId of the test seed 00..1f
const DID = 'did:key:z6MkkZP9HTxk5r5RBeMk7fyLu9NPmvqYLrtcKfxmVAoYgeEn'
const PEER = '12D3KooWNFZCg7dBe3hTfKesvriXKRvoMQrJvd4f1NnjJ3kSYNoa'
const addr = (i = 10): string => `/ip4/192.0.2.${i}/tcp/4012/p2p/${PEER}`
const uri = (...params: string[]): string => INVITE_PREFIX + params.join('&')

const refused = (text: string, why: RegExp): void => {
  expect(() => parseInvitation(text)).toThrow(expect.objectContaining({
    code: 'INVALID_INVITATION',
    message: expect.stringMatching(new RegExp(`^invalid invitation: ${why.source}`))
  }))
}

describe('invitations (hearth:invite?did=…&addr=…)', () => {
  it('round-trip through formatInvitation and parseInvitation', () => {
    const inv = {
      did: DID,
      addrs: [addr(), `/ip6/2001:db8::10/tcp/4012/p2p/${PEER}`, `/dns4/home.example.org/tcp/4012/p2p/${PEER}`,
        `/ip4/198.51.100.1/tcp/4001/p2p/${PEER}/p2p-circuit/p2p/${PEER}`]
    }
    expect(parseInvitation(formatInvitation(inv))).toEqual(inv)
    expect(parseInvitation(formatInvitation({ did: DID, addrs: [] }))).toEqual({ did: DID, addrs: [] })
  })

  it('keep \':\' and \'/\' unescaped, so the URI stays short and readable', () => {
    expect(formatInvitation({ did: DID, addrs: [addr(), `/ip6/::1/tcp/4012/p2p/${PEER}`] }))
      .toBe(`hearth:invite?did=${DID}&addr=${addr()}&addr=/ip6/::1/tcp/4012/p2p/${PEER}`)
  })

  it('parse fully percent-encoded ones too', () => {
    const text = uri(`did=${encodeURIComponent(DID)}`, `addr=${encodeURIComponent(addr())}`)
    expect(text).toContain('%2F')
    expect(parseInvitation(text)).toEqual({ did: DID, addrs: [addr()] })
  })

  it(`format at most ${MAX_INVITE_ADDRS} addresses, and what they format parses`, () => {
    const many = Array.from({ length: MAX_INVITE_ADDRS + 4 }, (_, i) => addr(i))
    expect(parseInvitation(formatInvitation({ did: DID, addrs: many })).addrs).toEqual(many.slice(0, MAX_INVITE_ADDRS))
  })

  it(`accept exactly ${MAX_INVITE_LENGTH} characters and refuse ${MAX_INVITE_LENGTH + 1}`, () => {
    const padded = (length: number): string => {
      const head = uri(`did=${DID}`, ...Array.from({ length: MAX_INVITE_ADDRS - 1 }, (_, i) => `addr=${addr(i)}`), 'addr=/dns4/')
      const tail = `/tcp/4012/p2p/${PEER}`
      return head + 'a'.repeat(length - head.length - tail.length) + tail
    }
    expect(padded(MAX_INVITE_LENGTH)).toHaveLength(MAX_INVITE_LENGTH)
    expect(parseInvitation(padded(MAX_INVITE_LENGTH)).addrs).toHaveLength(MAX_INVITE_ADDRS)
    refused(padded(MAX_INVITE_LENGTH + 1), /longer than 4096 characters/)
  })

  describe('are refused with INVALID_INVITATION and the reason', () => {
    it.each([
      ['another scheme', `https://example.org/invite?did=${DID}`],
      ['another path', `hearth:invitation?did=${DID}`],
      ['upper case', `HEARTH:INVITE?did=${DID}`],
      ['no query', 'hearth:invite'],
      ['leading space', ` hearth:invite?did=${DID}`]
    ])('wrong prefix: %s', (_name, text) => {
      refused(text, /it must start with hearth:invite\?/)
    })

    it('two dids', () => { refused(uri(`did=${DID}`, `did=${DID}`, `addr=${addr()}`), /it must name exactly one did/) })
    it('no did', () => { refused(uri(`addr=${addr()}`), /it must name exactly one did/) })
    it('an unknown parameter', () => { refused(uri(`did=${DID}`, 'name=alice'), /unknown parameter "name"/) })
    it('a parameter name in another case', () => { refused(uri(`DID=${DID}`), /unknown parameter "DID"/) })
    it(`more than ${MAX_INVITE_ADDRS} addresses`, () => {
      refused(uri(`did=${DID}`, ...Array.from({ length: MAX_INVITE_ADDRS + 1 }, (_, i) => `addr=${addr(i)}`)), /more than 16 addresses/)
    })
    it('an address without /p2p/<peerId>', () => {
      refused(uri(`did=${DID}`, 'addr=/ip4/192.0.2.10/tcp/4012'), /address "\/ip4\/192.0.2.10\/tcp\/4012" must end in \/p2p\/<peerId>/)
    })
    it('an empty address', () => { refused(uri(`did=${DID}`, 'addr='), /address "" must end in \/p2p\/<peerId>/) })
    it('an address with /p2p/<peerId> not at the end', () => {
      refused(uri(`did=${DID}`, `addr=/ip4/192.0.2.10/tcp/4012/p2p/${PEER}/p2p-circuit`), /address .* must end in \/p2p\/<peerId>/)
    })
    it.each([
      ['host:port', '192.0.2.10:4012'],
      ['a bad IPv4 address', `/ip4/192.0.2.999/tcp/4012/p2p/${PEER}`],
      ['an unknown protocol', `/ipx/1/p2p/${PEER}`]
    ])('an address that is not a multiaddr: %s', (_name, a) => {
      refused(uri(`did=${DID}`, `addr=${a}`), /".*" is not a multiaddr/)
    })
    it(`more than ${MAX_INVITE_LENGTH} characters`, () => {
      refused(uri(`did=${DID}`, `addr=/dns4/${'a'.repeat(MAX_INVITE_LENGTH)}/tcp/1/p2p/${PEER}`), /longer than 4096 characters/)
    })
    it.each([
      ['did:web', 'did:web:example.org', /invalid DID "did:web:example.org": not a did:key/],
      ['not a DID', 'alice', /invalid DID "alice": not a did:key/],
      ['a did:key with a character outside base58', 'did:key:z6Mk0OIl', /invalid DID .*base58btc/],
      ['a did:key of a secp256k1 key', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', /invalid DID .*not ed25519-pub/],
      ['a did:key with a fragment', `${DID}#key-1`, /invalid DID .*no fragment/],
      ['an empty did', '', /invalid DID "": not a did:key/]
    ])('a did that is not an Ed25519 did:key: %s', (_name, did, why) => {
      refused(uri(`did=${encodeURIComponent(did)}`, `addr=${addr()}`), why)
    })
  })

  // src bug (see the report): the last /p2p component is not checked to be a PeerId, so an
  // invitation that can never be dialled is accepted. Flip to it() once parseInvitation checks it.
  it('refuse an address whose /p2p/ value is not a PeerId', () => {
    refused(uri(`did=${DID}`, 'addr=/ip4/192.0.2.10/tcp/4012/p2p/garbage'), /address ".*\/p2p\/garbage" must end in \/p2p\/<peerId>/)
  })
})
