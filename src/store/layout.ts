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
 *   agreements!<agreementId>      -> AgreementRecord  state, terms, the ids of its messages
 *   messages!<messageId>          -> StoredMessage    every agreement message sent or received, exact JWT
 *   outbox!<did>!<n, 12 digits>   -> OutboxItem       messages waiting for the peer's Ack, in order
 *   replay!jti/<iss>/<jti>        -> { id, exp }      (iss, jti) already accepted (src/messages/replay-guard.ts)
 *   replay!seq/<thread>/<iss>     -> { seq, id }      last accepted seq from iss in thread
 *   ledger!<index, 12 digits>     -> LedgerEntry      the hash chain (src/ledger)
 *   ledger!head                   -> { index, hash }
 *   profile!current               -> Profile          her own fields and version
 *   held!<agreementId>            -> HeldData         data a counterparty shared with us under an agreement
 *   intents!<intentId>            -> OwnIntent        her intents: the label its keys derive from, each version's JWT, status
 *   offers!<intentId>!<offerId>   -> ReceivedOffer    offers she received, the exact JWT, status
 *   market!<intentId>             -> MarketIntent     (vendor) intents received; deleted at expiry or withdrawal
 *   marketOffers!<offerId>        -> SentOffer        (vendor) offers this node made, the exact JWT, status
 *   webhook!q!<seq, 16 digits>    -> QueuedEvent      (vendor) CRM webhook events waiting for a 2xx, in order (src/webhook/queue.ts)
 *   webhook!seq                   -> number           the last webhook seq handed out
 */
export const STORE_FORMAT_VERSION = 1

export const SUBLEVELS = ['meta', 'self', 'contacts', 'libp2p', 'agreements', 'messages', 'outbox', 'replay', 'ledger', 'profile', 'held', 'intents', 'offers', 'market', 'marketOffers', 'webhook'] as const
export type SublevelName = typeof SUBLEVELS[number]
