import type { Store } from '../store/index.ts'
import type { ContactView } from '../api/backend.ts'

/** Where a DID was last seen. Stored in contacts!<did> (src/store/layout.ts). */
export interface Contact extends ContactView {
  /** the last valid signed record seen for this DID, base64 */
  record?: string
}

/** A contact someone made on purpose (connect, invitation), not one mDNS found on the LAN. */
const deliberate = (c: Contact): boolean => c.source !== 'mdns'

/** bounded: a flood of connections must not grow memory without limit */
const MAX_KNOWN_PEERS = 10_000

export interface Contacts {
  get (did: string): Promise<Contact | undefined>
  list (): Promise<Contact[]>
  /** Save what we learned; never replaces a newer record's data with an older one. */
  upsert (contact: Contact): Promise<Contact>
  /** did by PeerId, from memory (cheap lookups for peers/status) */
  didOf (peerId: string): string | undefined
  /** remember, in memory only, which DID a connected peer proved it speaks for */
  learn (peerId: string, did: string): void
  /** a device of a contact made on purpose (not one mDNS found, nor a peer whose DID we merely learned): who our relay serves */
  isContactPeer (peerId: string): boolean
}

export async function createContacts (store: Store): Promise<Contacts> {
  const byPeer = new Map<string, string>()
  const contactPeers = new Set<string>()
  for (const c of await store.values<Contact>(store.contacts)) {
    for (const p of c.peerIds) { byPeer.set(p, c.did); if (deliberate(c)) contactPeers.add(p) }
  }
  return {
    async get (did) { return await store.get<Contact>(store.contacts, did) },
    async list () { return await store.values<Contact>(store.contacts) },
    async upsert (contact) {
      const old = await store.get<Contact>(store.contacts, contact.did)
      let next = contact
      if (old !== undefined && (old.seq ?? -1) > (contact.seq ?? -1)) {
        // keep the newer record's devices; only refresh when we saw it
        next = { ...old, lastSeen: contact.lastSeen ?? old.lastSeen }
      }
      await store.batch([{ type: 'put', sublevel: store.contacts, key: next.did, value: next }])
      for (const p of next.peerIds) { byPeer.set(p, next.did); if (deliberate(next) || (old !== undefined && deliberate(old))) contactPeers.add(p) }
      return next
    },
    didOf (peerId) { return byPeer.get(peerId) },
    learn (peerId, did) {
      if (byPeer.size >= MAX_KNOWN_PEERS && !byPeer.has(peerId)) byPeer.delete(byPeer.keys().next().value!)
      byPeer.set(peerId, did)
    },
    isContactPeer: peerId => contactPeers.has(peerId)
  }
}
