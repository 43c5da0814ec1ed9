// Contacts and how each is connected right now: direct, hole-punched, relayed, or last seen.
import { html } from '/ui/vendor/preact-htm.js'
import { api } from '/ui/api.js'
import { Did, Problem, ago, shortDid, text, useLoad } from '/ui/words.js'

// how her node learned where the contact is (ContactView.source, ConnectResult.via)
const SOURCES = { invitation: 'address from an invitation', dht: 'found by DID', findPeer: 'found by DID', mdns: 'found on your local network', peer: 'introduced by another peer', connected: 'met over an open connection', cache: 'a known address' }

function how (conn) {
  if (conn.path === 'direct') return `connected directly (${conn.direction === 'inbound' ? 'they called' : 'you called'})`
  if (conn.path === 'hole-punched') return 'connected directly, through the firewall'
  return `connected through a relay${conn.relay !== undefined ? ` (${shortDid(conn.relay.did ?? conn.relay.peerId)})` : ''}`
}

export function Contacts ({ tick }) {
  const data = useLoad(async () => {
    const [{ contacts }, { peers }] = await Promise.all([api('/v1/contacts'), api('/v1/peers')])
    return { contacts, peers }
  }, [tick])
  const { contacts = [], peers = [] } = data.data ?? {}
  const connectionOf = (c) => peers.find(p => (p.did !== undefined && p.did === c.did) || c.peerIds.includes(p.peerId))
  const strangers = peers.filter(p => !contacts.some(c => connectionOf(c) === p))
  return html`
    <section class="card">
      <h2>Contacts</h2>
      <${Problem} error=${data.error} />
      ${data.data === undefined ? html`<p class="quiet">Loading…</p>`
        : contacts.length === 0 ? html`<p class="quiet">No contacts yet. Share your invitation, or connect to someone from the “You” page.</p>`
        : html`<ul class="rows" id="contacts">${contacts.map(c => {
          const conn = connectionOf(c)
          return html`<li class="row">
            <${Did} did=${c.did} />
            <span class=${conn === undefined ? 'status away' : 'status on'}>${conn === undefined ? `not connected, last seen ${ago(c.lastSeen)}` : how(conn)}</span>
            <span class="quiet">${SOURCES[c.source] ?? text(c.source, 40)}</span>
          </li>`
        })}</ul>`}
    </section>
    ${strangers.length > 0 && html`
      <section class="card">
        <h2>Other connections</h2>
        <p class="quiet">Nodes of the network your Hearth talks to (bootstrap, relays, neighbours). They are not your contacts.</p>
        <ul class="rows">${strangers.map(p => html`<li class="row">
          <code class="did" title=${text(p.peerId)}>${p.did !== undefined ? shortDid(p.did) : shortDid(p.peerId)}</code>
          <span class="status on">${how(p)}</span>
          <code class="quiet addr">${text(p.remoteAddr, 200)}</code>
        </li>`)}</ul>
      </section>`}`
}
