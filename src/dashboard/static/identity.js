// "You": her DID, PeerId, addresses and the invitation (with its QR code); connect to someone.
import { html, useState } from '/ui/vendor/preact-htm.js'
import { api } from '/ui/api.js'
import { Problem, text, useLoad } from '/ui/words.js'

export function Identity ({ tick }) {
  const id = useLoad(() => api('/v1/id'), [tick])
  // The QR code is drawn once: the invitation changes only with the node's addresses.
  const qr = useLoad(async () => {
    const svg = await api('/v1/invite/qr.svg')
    // uqr's SVG of our own invitation, as an image: an <img> never runs script inside an SVG.
    return 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(svg)))
  }, [])
  const me = id.data
  return html`
    <section class="card">
      <h2>You</h2>
      <${Problem} error=${id.error} />
      ${me === undefined ? html`<p class="quiet">Loading…</p>` : html`
        <dl>
          <dt>Your DID</dt><dd><code id="did">${text(me.did)}</code></dd>
          <dt>Device (PeerId)</dt><dd><code>${text(me.peerId)}</code></dd>
          <dt>Listening on</dt><dd><ul class="plain">${me.addresses.map(a => html`<li><code>${text(a)}</code></li>`)}</ul></dd>
        </dl>`}
    </section>
    <section class="card">
      <h2>Invite someone</h2>
      <p>Show this code, or send the invitation. With it, their Hearth finds yours.</p>
      <div class="invite">
        ${qr.data !== undefined && html`<img id="qr" src=${qr.data} alt="QR code of your invitation" width="220" height="220" />`}
        ${me !== undefined && html`<textarea id="invitation" readonly rows="6" value=${text(me.invitation)} onFocus=${e => e.currentTarget.select()}></textarea>`}
      </div>
      <${Problem} error=${qr.error} />
    </section>
    <${Connect} />`
}

function Connect () {
  const [target, setTarget] = useState('')
  const [state, setState] = useState({})
  const submit = async (e) => {
    e.preventDefault()
    setState({ busy: true })
    try {
      const r = await api('/v1/connect', { method: 'POST', body: { target: target.trim() }, timeoutMs: 40_000 })
      setState({ done: r })
      setTarget('')
    } catch (error) {
      setState({ error })
    }
  }
  return html`
    <section class="card">
      <h2>Connect to someone</h2>
      <form onSubmit=${submit}>
        <label for="target">Their DID or invitation</label>
        <input id="target" value=${target} placeholder="did:key:… or hearth:invite…" spellcheck="false" autocomplete="off" onInput=${e => setTarget(e.currentTarget.value)} />
        <button type="submit" disabled=${state.busy === true || target.trim() === ''}>${state.busy === true ? 'Connecting…' : 'Connect'}</button>
      </form>
      ${state.done !== undefined && html`<p class="ok" role="status">Connected to <code>${text(state.done.did)}</code> (found via ${text(state.done.via)} in ${text(state.done.ms)} ms).</p>`}
      <${Problem} error=${state.error} />
    </section>`
}
