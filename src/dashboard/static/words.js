// Plain words for what the API returns, and the small pieces every view shares.
// Anything a peer sent is passed through text() and rendered as a text node, never as markup.
import { html, useEffect, useState } from '/ui/vendor/preact-htm.js'

/**
 * A peer's value as a plain string, at most `max` characters. Objects become JSON text, so a
 * crafted object can never reach Preact as something it would treat as an element.
 */
export function text (value, max = 2000) {
  if (value === undefined || value === null) return ''
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
  return s.length > max ? s.slice(0, max) + '…' : s
}

/** did:key:z6MkhaXg…4fWq: enough to tell DIDs apart at a glance; the full DID is in the title. */
export function shortDid (did) {
  const s = text(did, 300)
  return s.length > 28 ? `${s.slice(0, 18)}…${s.slice(-6)}` : s
}

export const Did = ({ did }) => html`<span class="did" title=${text(did, 300)}>${shortDid(did)}</span>`

export function ago (ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return 'never'
  const s = Math.round((Date.now() - ms) / 1000)
  if (s < 0) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86400) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86400)} days ago`
}

export function when (value) {
  const d = new Date(typeof value === 'number' ? value : text(value, 40))
  return Number.isNaN(d.getTime()) ? text(value, 40) : d.toLocaleString()
}

/** ISO 8601 durations of the terms (P30D, PT24H) in words. */
export function duration (iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text(iso, 32))
  if (m === null) return text(iso, 32)
  const parts = [[m[1], 'day'], [m[2], 'hour'], [m[3], 'minute'], [m[4], 'second']]
    .filter(([n]) => n !== undefined && Number(n) > 0).map(([n, unit]) => `${Number(n)} ${unit}${Number(n) === 1 ? '' : 's'}`)
  return parts.length === 0 ? 'no time' : list(parts)
}

export const FIELD_NAMES = { email: 'email address', name: 'name', postalAddress: 'postal address', phone: 'phone number', birthDate: 'date of birth' }
export const fieldName = (f) => FIELD_NAMES[f] ?? text(f, 60)
export function list (items) {
  const words = items.map(item => text(item))
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
}

/** One sentence per agreement state, from her side. */
export function agreementSentence (a, title) {
  const them = shortDid(a.counterparty)
  const terms = `“${title}”`
  switch (a.state) {
    case 'proposed': return a.awaiting === 'us' ? `${them} proposes ${terms}. Your answer is needed.` : `You proposed ${terms} to ${them}; waiting for their answer.`
    case 'countered': return a.awaiting === 'us' ? `${them} answered with ${terms} instead. Your answer is needed.` : `You offered ${terms} instead; waiting for ${them}.`
    case 'accepted': return `Accepted ${terms} with ${them}; waiting for the confirmation.`
    case 'active': return `You and ${them} agreed on ${terms}.`
    case 'rejected': return `${a.rejection?.by === 'us' ? 'You' : them} declined ${terms}.`
    case 'terminating': return `Ending ${terms} with ${them}; waiting for their deletion receipt.`
    case 'terminated': return `You and ${them} ended ${terms}.`
    case 'expired': return `${terms} with ${them} expired.`
    default: return `${terms} with ${them}: ${text(a.state, 40)}.`
  }
}

/** Loads data, again whenever `tick` changes (a live event came in). */
export function useLoad (load, deps) {
  const [state, setState] = useState({ loading: true })
  useEffect(() => {
    let live = true
    load().then(data => { if (live) setState({ data }) }, error => { if (live) setState(s => ({ data: s.data, error })) })
    return () => { live = false }
  }, deps)
  return state
}

export const Problem = ({ error }) => error === undefined
  ? null
  : html`<p class="problem" role="alert">${text(error.message, 500)}</p>`

/**
 * A button that runs an async action, shows it is busy, and reports a failure next to itself.
 * With `confirm`, the first click asks in the page (no window.confirm: a dialog is what an
 * injected script would open, and the tests treat any dialog as one).
 */
export function Action ({ label, busyLabel, run, kind = '', confirm: question }) {
  const [busy, setBusy] = useState(false)
  const [asking, setAsking] = useState(false)
  const [error, setError] = useState()
  const go = async () => {
    setAsking(false)
    setBusy(true)
    setError(undefined)
    try { await run() } catch (err) { setError(err) } finally { setBusy(false) }
  }
  if (asking) {
    return html`<span class="action confirm"><span>${question}</span>
      <button type="button" class=${kind} onClick=${go}>Yes, ${label.toLowerCase()}</button>
      <button type="button" onClick=${() => setAsking(false)}>No</button></span>`
  }
  const click = () => { if (question !== undefined) setAsking(true); else go() }
  return html`<span class="action"><button type="button" class=${kind} disabled=${busy} onClick=${click}>${busy ? (busyLabel ?? label + '…') : label}</button><${Problem} error=${error} /></span>`
}
