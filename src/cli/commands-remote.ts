import { resolveRepo } from '../repo/index.ts'
import type { ConnectResult, ContactView, IdentityView, PeerView, StatusView } from '../api/backend.ts'
import { connectClient } from './client.ts'
import { print, qr, table, dim } from './output.ts'

export interface RemoteOptions { repo?: string, json?: boolean, qr?: boolean, timeout?: string }

const client = async (opts: RemoteOptions) => await connectClient(resolveRepo(opts.repo))

export async function cmdId (opts: RemoteOptions): Promise<void> {
  const id = await (await client(opts)).get<IdentityView>('/v1/id')
  print(opts, id, () => [`DID     ${id.did}`, `PeerId  ${id.peerId}`, ...id.addresses.map((a, i) => `${i === 0 ? 'Addrs ' : '      '}  ${a}`)].join('\n'))
}

export async function cmdInvite (opts: RemoteOptions): Promise<void> {
  const inv = await (await client(opts)).get<{ uri: string, did: string }>('/v1/invite')
  print(opts, inv, () => [
    ...(opts.qr !== false ? [qr(inv.uri)] : []),
    inv.uri,
    dim('Share this invitation (or just your DID). The other side runs: hearth connect \'<invitation>\'')
  ].join('\n'))
}

export async function cmdConnect (target: string, opts: RemoteOptions): Promise<void> {
  const timeoutMs = opts.timeout !== undefined ? Number(opts.timeout) : 30_000
  const r = await (await client(opts)).post<ConnectResult>('/v1/connect', { target, timeoutMs }, { timeoutMs: timeoutMs + 5_000 })
  print(opts, r, () => `Connected to ${r.did}\n  PeerId  ${r.peerId}\n  Address ${r.remoteAddr}\n  Found   via ${r.via} in ${r.ms} ms`)
}

export async function cmdPeers (opts: RemoteOptions): Promise<void> {
  const { peers } = await (await client(opts)).get<{ peers: PeerView[] }>('/v1/peers')
  print(opts, { peers }, () => peers.length === 0
    ? 'No connected peers.'
    : table([['PEER', 'DID', 'PATH', 'DIR', 'ADDRESS'], ...peers.map(p => [p.peerId, p.did ?? '-', pathText(p), p.direction, p.remoteAddr])]))
}

/** 'direct', 'hole-punched', or 'relayed via <relay DID or PeerId>' */
function pathText (p: PeerView): string {
  if (p.path !== 'relayed' || p.relay === undefined) return p.path
  return `relayed via ${p.relay.did ?? p.relay.peerId}`
}

export async function cmdContacts (opts: RemoteOptions): Promise<void> {
  const { contacts } = await (await client(opts)).get<{ contacts: ContactView[] }>('/v1/contacts')
  print(opts, { contacts }, () => contacts.length === 0
    ? 'No contacts yet. Connect to someone: hearth connect <did-or-invitation>'
    : table([['DID', 'SOURCE', 'LAST SEEN'], ...contacts.map(c => [c.did, c.source, c.lastSeen !== undefined ? new Date(c.lastSeen).toISOString() : '-'])]))
}

export async function cmdStatus (opts: RemoteOptions): Promise<void> {
  const s = await (await client(opts)).get<StatusView>('/v1/status')
  print(opts, s, () => [
    `Hearth ${s.version}, up ${Math.round(s.uptimeMs / 1000)} s`,
    `  DID          ${s.did}`,
    `  PeerId       ${s.peerId}`,
    `  Repo         ${s.repo}`,
    `  Connections  ${s.connections}${s.maxConnections !== undefined ? ` (at most ${s.maxConnections})` : ''}`,
    ...(s.profile !== undefined && s.profile !== 'default' ? [`  Profile      ${s.profile}`] : []),
    `  Contacts     ${s.contacts}`,
    `  DHT          ${s.dht.mode} mode, ${s.dht.routingTableSize} peers in the routing table`,
    ...(s.reachability !== undefined ? [`  Reachable    ${reachabilityText(s)}`] : []),
    ...(s.publicAddresses ?? []).map((a, i) => `  ${i === 0 ? 'Public' : '      '}       ${a.address} (${a.source})`),
    ...(s.relays ?? []).map((r, i) => `  ${i === 0 ? 'Relays' : '      '}       ${r.did ?? r.peerId}: ${r.status}${r.error !== undefined ? ` (${r.error})` : ''}`),
    ...(s.relayService !== undefined ? [`  Relay        ${relayServiceText(s.relayService)}`] : []),
    `  DID record   seq ${s.record.seq}, ${s.record.publishedAt !== undefined ? `published ${new Date(s.record.publishedAt).toISOString()}` : 'not published yet'}${s.record.lastError !== undefined ? ` (last error: ${s.record.lastError})` : ''}`,
    ...s.listen.map((a, i) => `  ${i === 0 ? 'Listening' : '         '}    ${a}`)
  ].join('\n'))
}

function reachabilityText (s: StatusView): string {
  switch (s.reachability) {
    case 'public': return 'directly (a public address)'
    case 'relayed': return 'through relays only (behind NAT)'
    default: return 'not from outside this network (no public address, no relay)'
  }
}

function relayServiceText (r: NonNullable<StatusView['relayService']>): string {
  if (r.mode === 'off') return 'off'
  const state = r.active ? `serving contacts (${r.mode}), ${r.reservations.length} reservation${r.reservations.length === 1 ? '' : 's'}` : `not serving (${r.mode}: not publicly reachable)`
  return state + (r.refused > 0 ? `, ${r.refused} refused` : '') + (r.cutOff.length > 0 ? `, ${r.cutOff.length} cut off for flooding` : '')
}

export async function cmdStop (opts: RemoteOptions): Promise<void> {
  const r = await (await client(opts)).post<{ stopping: boolean }>('/v1/shutdown', {})
  print(opts, r, () => 'The daemon is stopping.')
}
