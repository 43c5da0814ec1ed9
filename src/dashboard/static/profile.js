// Her profile: each field, and who holds it under which agreement; change a field in one move.
import { html, useState } from '/ui/vendor/preact-htm.js'
import { api } from '/ui/api.js'
import { Did, FIELD_NAMES, Problem, text, useLoad } from '/ui/words.js'

export function Profile ({ tick }) {
  const data = useLoad(() => api('/v1/profile'), [tick])
  const [editing, setEditing] = useState(false)
  const p = data.data
  if (p === undefined) return html`<section class="card"><h2>Your profile</h2><${Problem} error=${data.error} /><p class="quiet">Loading…</p></section>`
  const holders = p.holders ?? []
  return html`
    <section class="card">
      <h2>Your profile</h2>
      <p class="quiet">Only what an active agreement covers ever leaves your node. A change goes to everyone who holds that field.</p>
      <${Problem} error=${data.error} />
      <ul class="rows" id="profile">${Object.entries(FIELD_NAMES).map(([field, name]) => {
        const who = holders.filter(h => h.fields.includes(field))
        return html`<li class="row field" data-field=${field}>
          <span class="label">${name}</span>
          <span class="value">${p.fields?.[field] !== undefined ? text(p.fields[field], 1000) : html`<span class="quiet">not set</span>`}</span>
          <span class="holders">${who.length === 0 ? html`<span class="quiet">nobody holds it</span>`
            : who.map(h => html`<span class="holder">held by <${Did} did=${h.counterparty} /> under <a href=${'#/agreements/' + encodeURIComponent(text(h.agreementId, 64))}>${text(h.termId, 40)}</a>${h.upToDate ? '' : ' (update on its way)'}</span>`)}</span>
        </li>`
      })}</ul>
      ${editing ? html`<${Edit} fields=${p.fields ?? {}} done=${() => setEditing(false)} />` : html`<button type="button" onClick=${() => setEditing(true)}>Change</button>`}
    </section>`
}

function Edit ({ fields, done }) {
  const [values, setValues] = useState(() => Object.fromEntries(Object.keys(FIELD_NAMES).map(f => [f, fields[f] ?? ''])))
  const [state, setState] = useState({})
  const save = async (e) => {
    e.preventDefault()
    const set = {}
    for (const [f, v] of Object.entries(values)) {
      const before = fields[f] ?? ''
      if (v.trim() !== before) set[f] = v.trim() === '' ? null : v.trim()
    }
    if (Object.keys(set).length === 0) { done(); return }
    setState({ busy: true })
    try {
      await api('/v1/profile', { method: 'POST', body: { set } })
      done()
    } catch (error) {
      setState({ error })
    }
  }
  return html`
    <form class="edit" onSubmit=${save}>
      ${Object.entries(FIELD_NAMES).map(([f, name]) => html`
        <label for=${'field-' + f}>${name}</label>
        <input id=${'field-' + f} value=${values[f]} maxlength="1000" onInput=${e => { const v = e.currentTarget.value; setValues(old => ({ ...old, [f]: v })) }} />`)}
      <div class="buttons">
        <button type="submit" class="primary" disabled=${state.busy === true}>${state.busy === true ? 'Saving…' : 'Save'}</button>
        <button type="button" onClick=${done}>Cancel</button>
      </div>
      <${Problem} error=${state.error} />
    </form>`
}
