// Agreements: the list in plain sentences, and one agreement in detail with its terms, the
// tamper-evident record, and the buttons for whatever is hers to do next.
import { html } from '/ui/vendor/preact-htm.js'
import { api } from '/ui/api.js'
import { Action, Did, Problem, agreementSentence, duration, fieldName, list, text, useLoad, when } from '/ui/words.js'

/** The roster (id -> {title, text}) from /v1/terms, loaded once per page. */
let roster
const loadRoster = async () => {
  roster ??= api('/v1/terms').then(t => new Map(t.roster.map(r => [r.id, r])), err => { roster = undefined; throw err })
  return await roster
}
const titleOf = (terms, id) => terms?.get(id)?.title ?? text(id, 40)

export function Agreements ({ tick }) {
  const data = useLoad(async () => {
    const [{ agreements }, terms] = await Promise.all([api('/v1/agreements'), loadRoster()])
    return { agreements, terms }
  }, [tick])
  const { agreements = [], terms } = data.data ?? {}
  const yours = agreements.filter(a => a.awaiting === 'us' && (a.state === 'proposed' || a.state === 'countered'))
  return html`
    <section class="card">
      <h2>Agreements</h2>
      <${Problem} error=${data.error} />
      ${data.data === undefined ? html`<p class="quiet">Loading…</p>`
        : agreements.length === 0 ? html`<p class="quiet">No agreements yet. They start with a proposal, yours (<code>hearth agree propose</code>) or someone else's.</p>`
        : html`
          ${yours.length > 0 && html`<p class="attention">${yours.length === 1 ? 'One agreement waits' : `${yours.length} agreements wait`} for your answer.</p>`}
          <ul class="rows" id="agreements">${agreements.map(a => html`
            <li class=${'row agreement ' + text(a.state, 20)}>
              <a href=${'#/agreements/' + encodeURIComponent(text(a.id, 64))}>${agreementSentence(a, titleOf(terms, a.terms.termId))}</a>
              <span class="quiet">${text(a.state, 20)}, updated ${when(a.updatedAt)}</span>
            </li>`)}
          </ul>`}
    </section>`
}

function purposeWords (p) {
  return text(p, 100).replace(/^dpv:/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()
}

export function AgreementDetail ({ id, tick }) {
  const data = useLoad(async () => {
    const [agreement, terms, ledger] = await Promise.all([
      api('/v1/agreements/' + encodeURIComponent(id)),
      loadRoster(),
      api('/v1/ledger/verify').catch(error => ({ error }))
    ])
    return { agreement, terms, ledger }
  }, [id, tick])
  const back = html`<p><a href="#/agreements">← All agreements</a></p>`
  if (data.data === undefined) return html`<section class="card">${back}<${Problem} error=${data.error} />${data.error === undefined && html`<p class="quiet">Loading…</p>`}</section>`
  const { agreement: a, terms, ledger } = data.data
  const term = terms.get(a.terms.termId)
  const post = async (what, body = {}) => { await api(`/v1/agreements/${encodeURIComponent(id)}/${what}`, { method: 'POST', body }) }
  const decide = a.awaiting === 'us' && (a.state === 'proposed' || a.state === 'countered')
  const mine = a.role === 'proposer'
  const held = a.held?.fields ?? {}
  return html`
    <section class="card" id="agreement">
      ${back}
      <h2>${agreementSentence(a, titleOf(terms, a.terms.termId))}</h2>
      <${Problem} error=${data.error} />
      <dl>
        <dt>With</dt><dd><${Did} did=${a.counterparty} /></dd>
        <dt>State</dt><dd><span id="state" class=${'state ' + text(a.state, 20)}>${text(a.state, 20)}</span>${a.pending?.length > 0 ? html` <span class="quiet">(${a.pending.length} message${a.pending.length === 1 ? '' : 's'} on the way)</span>` : ''}</dd>
        <dt>Valid</dt><dd>from ${when(a.terms.validFrom)} until ${when(a.terms.validUntil)}</dd>
        <dt>${mine ? 'They may receive' : 'You may receive'}</dt><dd>${a.terms.share.length === 0 ? 'no personal data' : list(a.terms.share.map(fieldName))}</dd>
        <dt>For</dt><dd>${list((a.terms.purposes ?? []).map(purposeWords))}</dd>
        <dt>Passed on</dt><dd>${a.terms.recipients === 'anonymisedThirdParties' ? 'only anonymised, to third parties' : 'to no one else'}</dd>
        <dt>When it ends</dt><dd>the data is deleted within ${duration(a.terms.onTermination?.within)}, with a signed receipt</dd>
      </dl>
      <h3>The terms, in plain words</h3>
      <blockquote id="terms-text">${term !== undefined ? text(term.text, 4000) : `Unknown terms ${text(a.terms.termId, 40)}`}</blockquote>
      ${a.rejection !== undefined && html`<p class="problem">Declined by ${a.rejection.by === 'us' ? 'you' : 'them'}${a.rejection.reason !== undefined ? ': ' : '.'}<q id="rejection-reason">${text(a.rejection.reason, 500)}</q></p>`}
      ${a.lastError !== undefined && html`<p class="problem">They refused a message: ${text(a.lastError.code, 60)}${a.lastError.reason !== undefined ? ` (${text(a.lastError.reason, 500)})` : ''}</p>`}
      ${a.deletionReceipt !== undefined && html`<p class="ok">They deleted ${a.deletionReceipt.fields.length === 0 ? 'everything they held' : list(a.deletionReceipt.fields.map(fieldName))} on ${when(a.deletionReceipt.completedAt)}, and signed for it.</p>`}
      ${Object.keys(held).length > 0 && html`
        <h3>What they shared with you</h3>
        <dl id="held">${Object.entries(held).map(([k, v]) => html`<dt>${fieldName(k)}</dt><dd>${text(v, 1000)}</dd>`)}</dl>`}
      <div class="buttons">
        ${decide && html`<${Action} label="Accept" kind="primary" run=${() => post('accept')} />`}
        ${decide && html`<${Action} label="Decline" run=${() => post('reject')} />`}
        ${a.state === 'active' && html`<${Action} label="Terminate" kind="danger" confirm=${mine ? 'End this agreement? They must delete your data.' : 'End this agreement? You must delete their data.'} run=${() => post('terminate')} />`}
      </div>
    </section>
    <section class="card">
      <h3>Your record</h3>
      ${ledger.error !== undefined ? html`<${Problem} error=${ledger.error} />`
        : ledger.ok ? html`<p class="ok" id="ledger">Your record of every agreement message is intact (${ledger.count} entries, each chained to the one before).</p>`
        : html`<div class="problem" id="ledger"><p>Your record has been changed outside Hearth:</p><ul>${(ledger.problems ?? []).slice(0, 20).map(p => html`<li>${text(p.detail, 300)}</li>`)}</ul></div>`}
      <p class="quiet">${a.messages?.length ?? 0} signed messages in this agreement. Export them with <code>hearth agree export ${text(a.id, 64)}</code>.</p>
    </section>`
}
