/**
 * The LevelDB key layout, written down once. docs/store-layout.md explains each kind; this
 * file is what the code uses. Every sublevel uses UTF-8 keys; values are JSON unless noted.
 *
 *   meta!format            -> number      STORE_FORMAT_VERSION, written at creation, checked at open
 *   meta!createdAt         -> string      ISO time of creation
 *   meta!did               -> string      the DID this store belongs to (refuses a foreign keystore)
 *   self!record            -> SelfRecord  our last published DID record (seq survives restarts)
 *   contacts!<did>         -> Contact     where a DID was last seen, and how we learned it
 *   libp2p!<datastore key> -> bytes       libp2p's own datastore: peer store and DHT records
 */
export const STORE_FORMAT_VERSION = 1

export const SUBLEVELS = ['meta', 'self', 'contacts', 'libp2p'] as const
export type SublevelName = typeof SUBLEVELS[number]
