/**
 * The ledger: an append-only hash chain over every agreement message this node sends or
 * receives (DESIGN.md section 8; the JLINC SISA event chain, research/vrm-protocols.md 1.5).
 *
 * Format, in the ledger's own sublevel (every key in it belongs to the ledger):
 *
 *   <index, 12 digits zero-padded>  -> entry   e.g. 000000000001; key order = chain order
 *   head                            -> { index, hash }  the last entry (0 and the genesis hash when empty)
 *
 *   entry = { index, at, direction, thread, kind, messageId, jwt, prevHash, hash }
 *     index      1, 2, 3 … with no gaps
 *     at         ms since the epoch, when the entry was appended
 *     direction  'sent' | 'received'
 *     thread     the agreement id
 *     kind       the message kind, e.g. 'vrm.AgreementProposal'
 *     messageId  CIDv1 (raw, sha2-256, base32) of the exact JWT bytes
 *     jwt        the signed message, exactly as sent or received
 *     prevHash   the previous entry's hash; 'sha256:' + 64 zeros for entry 1
 *     hash       'sha256:' + hex SHA-256 of the canonical JSON (keys sorted, no spaces: RFC
 *                8785 for these values) of every stored field but `hash`
 *
 * Writing: prepareAppend(fields) is synchronous and returns { entry, ops }: the entry built on
 * an in-memory tip (head + what was prepared since), its put and the head's put. A caller
 * holding the message as src/messages signed or verified it passes `vouched: true` with its
 * id: the JWT is then not parsed and hashed again (verify() still checks every id). The caller
 * puts them in its own batch with the message and its replay marker, as many as it needs,
 * and hands the batch to write(ops): one synced LevelDB batch, writes serialised, the ledger
 * entries re-chained onto the head on disk (read once, then kept as each flush leaves it, and
 * read again after committed() or aborted()) in the order they appear (the provisional values
 * unless an earlier prepared batch failed or was dropped), the head put last. So a
 * failed batch leaves neither entry nor head advanced, and can never leave a gap. write()
 * refuses deletes in the ledger, entries it did not prepare or already wrote, and (checked once
 * per process) a tail changed outside Hearth. Callers that use the Store's batch directly get
 * none of this and must call committed() after it and aborted() when it fails.
 *
 * verify() follows the chain back from the head through prevHash links and reports, first
 * bad entry first: 'edited' (content does not match its hash, or its successor links to a
 * different hash, or its messageId is not its JWT's), 'removed' (an entry the chain or the
 * head names is missing), 'reordered' (an entry stored at another entry's position),
 * 'inserted' (an entry nothing links to, one beyond the head, or a key that is no entry:
 * index 0) and
 * 'head-mismatch' (head record missing, malformed or pointing at another index). Locally it
 * cannot see a consistent rewrite of the tail and head together; the counterparty's copy of
 * the same signed messages can (exportThread).
 */
export { createLedger } from './ledger.ts'
export type { Ledger, LedgerInit, LedgerSublevel, PreparedAppend } from './ledger.ts'
export type { LedgerEntry, LedgerAppend, LedgerHead } from './entry.ts'
export { GENESIS_HASH, HEAD_KEY, entryKey, entryHash, cidOfJwt, canonicalJson } from './entry.ts'
export type { VerifyResult, LedgerProblem, LedgerProblemKind } from './verify.ts'
export { CONSENT_RECORD_SCHEMA } from './consent-record.ts'
export type { ConsentRecord, ConsentRecordContext, ConsentEvent, ConsentParty, AgreementState } from './consent-record.ts'
