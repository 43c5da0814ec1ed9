import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { HearthError } from '../errors.ts'
import { publicKeyFromDidKey } from '../identity/index.ts'

/**
 * An invitation is a URI a person can paste or show as a QR code:
 *   hearth:invite?did=<did:key>&addr=<multiaddr/p2p/peerId>&addr=…
 * Addresses are hints only: whoever answers at them must still prove, with a record signed
 * by the DID's key, that it speaks for the DID (src/network/record-protocol.ts).
 */
export const INVITE_PREFIX = 'hearth:invite?'
export const MAX_INVITE_LENGTH = 4096
export const MAX_INVITE_ADDRS = 16

export interface Invitation { did: string, addrs: string[] }

/** Keeps only what parseInvitation accepts: addresses ending in /p2p/<peerId>, within the limits. */
export function formatInvitation (inv: Invitation): string {
  // ':' and '/' may stand unescaped in a URI query (RFC 3986 section 3.4): shorter QR codes.
  const enc = (s: string): string => encodeURIComponent(s).replace(/%3A/gi, ':').replace(/%2F/gi, '/')
  let uri = INVITE_PREFIX + `did=${enc(inv.did)}`
  let n = 0
  for (const a of inv.addrs) {
    const part = `&addr=${enc(a)}`
    if (n === MAX_INVITE_ADDRS || uri.length + part.length > MAX_INVITE_LENGTH) break
    if (!endsInPeerId(a)) continue
    uri += part
    n++
  }
  return uri
}

function endsInPeerId (addr: string): boolean {
  try {
    const last = multiaddr(addr).getComponents().at(-1)
    if (last?.name !== 'p2p' || last.value === undefined) return false
    peerIdFromString(last.value)
    return true
  } catch { return false }
}

export const isInvitation = (s: string): boolean => s.startsWith(INVITE_PREFIX)

export function parseInvitation (uri: string): Invitation {
  const bad = (why: string): HearthError => new HearthError('INVALID_INVITATION', `invalid invitation: ${why}`)
  if (uri.length > MAX_INVITE_LENGTH) throw bad(`longer than ${MAX_INVITE_LENGTH} characters`)
  if (!isInvitation(uri)) throw bad(`it must start with ${INVITE_PREFIX}`)
  const q = new URLSearchParams(uri.slice(INVITE_PREFIX.length))
  for (const k of q.keys()) if (k !== 'did' && k !== 'addr') throw bad(`unknown parameter ${JSON.stringify(k.slice(0, 40))}`)
  const dids = q.getAll('did')
  if (dids.length !== 1) throw bad('it must name exactly one did')
  const did = dids[0]!
  try { publicKeyFromDidKey(did) } catch (err) { throw bad((err as Error).message) }
  const addrs = q.getAll('addr')
  if (addrs.length > MAX_INVITE_ADDRS) throw bad(`more than ${MAX_INVITE_ADDRS} addresses`)
  for (const a of addrs) {
    try { multiaddr(a) } catch { throw bad(`${JSON.stringify(a.slice(0, 80))} is not a multiaddr`) }
    if (!endsInPeerId(a)) throw bad(`address ${JSON.stringify(a.slice(0, 80))} must end in /p2p/<peerId>`)
  }
  return { did, addrs }
}
