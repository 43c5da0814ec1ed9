// Intents and offers: say what she wants, see the offers vendors send, accept one or decline.
// Everything in an offer (vendor name, items, conditions) is the vendor's text: shown as text.
import { html, useState } from '/ui/vendor/preact-htm.js'
import { api } from '/ui/api.js'
import { Action, Did, Problem, fieldName, list, text, useLoad, when } from '/ui/words.js'

/** Category id -> label, from /v1/categories (the open list in protocols/intentcast/categories.json). */
const labels = new Map()
const categoryLabel = (id) => labels.get(id) ?? text(id, 40)
let categories
const loadCategories = async () => {
  categories ??= api('/v1/categories').then(r => {
    for (const c of r.categories) labels.set(c.id, text(c.label, 100))
    return r.categories
  }, err => { categories = undefined; throw err })
  return await categories
}

const money = (m) => m === undefined || m === null ? '' : `${text(m.amount, 20)} ${text(m.currency, 8)}`
const STATUS = { open: 'open', withdrawn: 'withdrawn', expired: 'expired', accepted: 'accepted' }
const METHODS = { delivery: 'delivery', pickup: 'pickup', 'service-on-site': 'service on site' }
const CONDITIONS = [['termsAndConditions', 'Terms and conditions'], ['refundPolicy', 'Refunds'], ['warranty', 'Warranty']]
const attributes = (a) => a === undefined || a === null ? '' : Object.entries(a).slice(0, 16).map(([k, v]) => `${text(k, 40)}: ${text(v, 200)}`).join(', ')

export function Intents ({ tick }) {
  const data = useLoad(async () => {
    try {
      const [{ intents }, { offers }, cats] = await Promise.all([api('/v1/intents'), api('/v1/offers'), loadCategories()])
      return { intents, offers, cats }
    } catch (err) {
      if (err.status === 404 && err.code === 'NOT_FOUND') return { unavailable: true }
      throw err
    }
  }, [tick])
  if (data.data?.unavailable === true) {
    return html`<section class="card"><h2>Intents</h2><p class="quiet" id="intents-unavailable">This node does not run intentcasting yet.</p></section>`
  }
  const { intents = [], offers = [], cats = [] } = data.data ?? {}
  return html`
    <section class="card">
      <h2>Your intents</h2>
      <${Problem} error=${data.error} />
      ${data.data === undefined ? html`<p class="quiet">Loading…</p>`
        : intents.length === 0 ? html`<p class="quiet">None yet. Say what you are looking for below; vendors answer with offers.</p>`
        : html`<ul class="rows" id="intents">${intents.map(i => html`<${Intent} intent=${i} offers=${offers.filter(o => o.intentId === i.id)} />`)}</ul>`}
    </section>
    <${NewIntent} cats=${cats} />`
}

function Intent ({ intent: i, offers }) {
  const withdraw = () => api(`/v1/intents/${encodeURIComponent(text(i.id, 100))}/withdraw`, { method: 'POST', body: {} })
  return html`
    <li class="row intent" data-id=${text(i.id, 100)}>
      <div class="intent-head">
        <strong class="what">${text(i.what, 500)}</strong>
        <span class=${'state ' + (STATUS[i.status] ?? '')}>${STATUS[i.status] ?? text(i.status, 20)}</span>
      </div>
      <span class="quiet">${[
        categoryLabel(i.category),
        i.budget !== undefined && i.budget !== null ? `up to ${money({ amount: i.budget.max, currency: i.budget.currency })}` : '',
        i.where?.country !== undefined ? `in ${text(i.where.country, 8)}${i.where.region !== undefined ? ' ' + text(i.where.region, 8) : ''}` : '',
        i.fulfilment?.length > 0 ? list(i.fulfilment.map(m => METHODS[m] ?? text(m, 20))) : '',
        i.status === 'open' ? `open until ${when(i.expiresAt)}` : `sent ${when(i.createdAt)}`
      ].filter(part => part !== '').join(', ')}</span>
      ${offers.length === 0 ? html`<p class="quiet">${i.status === 'open' ? 'No offers yet.' : 'No offers.'}</p>`
        : html`<ul class="offers">${offers.map(o => html`<${Offer} offer=${o} />`)}</ul>`}
      ${i.status === 'open' && html`<div class="buttons"><${Action} label="Withdraw" confirm="Withdraw this intent? Vendors are told it is no longer open." run=${withdraw} /></div>`}
    </li>`
}

function Offer ({ offer: o }) {
  const id = encodeURIComponent(text(o.id, 100))
  return html`
    <li class=${'offer ' + text(o.status, 20)} data-id=${text(o.id, 100)}>
      <div class="offer-head">
        <span class="vendor">${o.vendor?.name !== undefined ? text(o.vendor.name, 200) : 'A vendor'}</span>
        <${Did} did=${o.vendor?.did} />
        <strong class="total">${money(o.total)}</strong>
      </div>
      <ul class="items">${(o.items ?? []).slice(0, 20).map(it => html`<li>${text(it.quantity, 10)} × ${text(it.name, 200)}${it.attributes !== undefined ? ` (${attributes(it.attributes)})` : ''}, ${money(it.price)} each</li>`)}</ul>
      <p class="quiet">${METHODS[o.fulfilment?.method] ?? text(o.fulfilment?.method, 40)}${o.fulfilment?.cost !== undefined ? ` (${money(o.fulfilment.cost)})` : ''}${o.fulfilment?.estimatedDelivery !== undefined ? `, by ${when(o.fulfilment.estimatedDelivery)}` : ''}; valid until ${when(o.validUntil)}</p>
      ${o.conditions !== undefined && o.conditions !== null && html`<dl class="conditions">${CONDITIONS.filter(([k]) => o.conditions[k] !== undefined).map(([k, label]) => html`<dt>${label}</dt><dd>${text(o.conditions[k], 2000)}</dd>`)}</dl>`}
      ${o.proposedAgreement !== undefined && o.proposedAgreement !== null && html`<p class="quiet">If you accept, you propose the terms ${text(o.proposedAgreement.termId, 40)}${o.proposedAgreement.share?.length > 0 ? `, sharing your ${list(o.proposedAgreement.share.map(fieldName))}` : ''}.</p>`}
      ${o.status === 'open'
        ? html`<div class="buttons">
            <${Action} label="Accept" kind="primary" run=${() => api(`/v1/offers/${id}/accept`, { method: 'POST', body: {} })} />
            <${Action} label="Decline" run=${() => api(`/v1/offers/${id}/decline`, { method: 'POST', body: {} })} />
          </div>`
        : html`<p class=${'quiet status-' + text(o.status, 20)}>${o.status === 'accepted' ? 'You accepted this offer.' : o.status === 'declined' ? 'You declined this offer.' : 'This offer expired.'}
            ${o.agreementId !== undefined && html` <a href=${'#/agreements/' + encodeURIComponent(text(o.agreementId, 64))}>See the agreement</a>`}</p>`}
    </li>`
}

function NewIntent ({ cats }) {
  const [f, setF] = useState({ what: '', category: '', max: '', currency: 'EUR', country: '', days: '7', delivery: true, pickup: true })
  const [state, setState] = useState({})
  const set = (k) => (e) => { const v = e.currentTarget.type === 'checkbox' ? e.currentTarget.checked : e.currentTarget.value; setF(old => ({ ...old, [k]: v })) }
  const submit = async (e) => {
    e.preventDefault()
    // amounts are decimal strings on the wire (never binary floating point)
    const body = { what: f.what.trim(), category: f.category || cats[0]?.id || '' }
    if (f.max.trim() !== '') body.budget = { max: f.max.trim().replace(',', '.'), currency: f.currency.trim().toUpperCase() }
    if (f.country.trim() !== '') body.where = { country: f.country.trim().toUpperCase() }
    body.expiresInSeconds = Math.round(Number(f.days || '7') * 86400)
    const fulfilment = ['delivery', 'pickup'].filter(m => f[m])
    if (fulfilment.length > 0) body.fulfilment = fulfilment
    setState({ busy: true })
    try {
      await api('/v1/intents', { method: 'POST', body })
      setF(old => ({ ...old, what: '', max: '' }))
      setState({ done: true })
    } catch (error) {
      setState({ error })
    }
  }
  return html`
    <section class="card">
      <h2>Looking for something?</h2>
      <p class="quiet">Say what you want. Vendors see your intent, not who you are, and answer with offers.</p>
      <form class="intent-form" onSubmit=${submit}>
        <label for="what">What</label>
        <input id="what" required minlength="10" maxlength="500" value=${f.what} placeholder="a road bike, 56 cm frame" onInput=${set('what')} />
        <label for="category">Category</label>
        <select id="category" value=${f.category} onChange=${set('category')}>${cats.map(c => html`<option value=${text(c.id, 100)} title=${text(c.description, 300)}>${text(c.label, 100)}</option>`)}</select>
        <label for="max">Budget (up to)</label>
        <span class="pair"><input id="max" inputmode="decimal" value=${f.max} onInput=${set('max')} /><input id="currency" aria-label="currency" maxlength="3" value=${f.currency} onInput=${set('currency')} /></span>
        <label for="country">Country</label>
        <input id="country" maxlength="2" placeholder="FR" value=${f.country} onInput=${set('country')} />
        <span class="label">How</span>
        <span class="checks"><label><input type="checkbox" id="delivery" checked=${f.delivery} onChange=${set('delivery')} /> delivery</label><label><input type="checkbox" id="pickup" checked=${f.pickup} onChange=${set('pickup')} /> pickup</label></span>
        <label for="days">Open for (days)</label>
        <input id="days" inputmode="numeric" value=${f.days} onInput=${set('days')} />
        <div class="buttons"><button type="submit" class="primary" disabled=${state.busy === true || f.what.trim() === ''}>${state.busy === true ? 'Sending…' : 'Send intent'}</button></div>
      </form>
      ${state.done === true && html`<p class="ok" role="status">Your intent is out. Offers appear under it, above, as they come in.</p>`}
      <${Problem} error=${state.error} />
    </section>`
}
