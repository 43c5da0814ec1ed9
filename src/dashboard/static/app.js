// The dashboard's shell: the token, the live event stream, the navigation between views.
import { html, render, useEffect, useState } from '/ui/vendor/preact-htm.js'
import { adoptTokenFromUrl, followEvents, getToken, setToken } from '/ui/api.js'
import { Identity } from '/ui/identity.js'
import { Contacts } from '/ui/contacts.js'
import { Agreements, AgreementDetail } from '/ui/agreements.js'
import { Profile } from '/ui/profile.js'
import { Intents } from '/ui/intents.js'

const VIEWS = [
  ['identity', 'You'],
  ['contacts', 'Contacts'],
  ['agreements', 'Agreements'],
  ['profile', 'Profile'],
  ['intents', 'Intents']
]

/** '#/agreements/abc' -> ['agreements', 'abc']; anything unknown is the identity view. */
function route () {
  const [view = 'identity', id] = location.hash.replace(/^#\/?/, '').split('/')
  return VIEWS.some(([v]) => v === view) ? [view, id === undefined ? undefined : decodeURIComponent(id)] : ['identity', undefined]
}

function App () {
  const [token, setTokenState] = useState(getToken())
  const [[view, id], setRoute] = useState(route())
  const [tick, setTick] = useState(0)
  const [live, setLive] = useState('connecting')
  const [lastEvent, setLastEvent] = useState()

  useEffect(() => {
    const onHash = () => setRoute(route())
    const onUnauthorized = () => setTokenState('')
    window.addEventListener('hashchange', onHash)
    window.addEventListener('hearth:unauthorized', onUnauthorized)
    return () => { window.removeEventListener('hashchange', onHash); window.removeEventListener('hearth:unauthorized', onUnauthorized) }
  }, [])

  useEffect(() => {
    if (token === '') return
    // Bursts of events (an agreement's four messages) become one reload of the open view.
    let timer
    const stop = followEvents(event => {
      setLastEvent(event)
      clearTimeout(timer)
      timer = setTimeout(() => setTick(t => t + 1), 150)
    }, state => {
      setLive(state)
      if (state === 'live') setTick(t => t + 1) // catch up on what happened while we were away
    })
    return () => { clearTimeout(timer); stop() }
  }, [token])

  if (token === '') return html`<${NoToken} onToken=${t => setTokenState(t)} />`

  const props = { tick, lastEvent }
  return html`
    <header>
      <h1>Hearth</h1>
      <nav>${VIEWS.map(([v, label]) => html`<a href=${'#/' + v} class=${v === view ? 'here' : ''}>${label}</a>`)}</nav>
      <span class=${'live ' + live} title="Updates from your node">${live === 'live' ? 'live' : live === 'connecting' ? 'connecting…' : 'reconnecting…'}</span>
    </header>
    <main>
      ${view === 'identity' && html`<${Identity} ...${props} />`}
      ${view === 'contacts' && html`<${Contacts} ...${props} />`}
      ${view === 'agreements' && (id === undefined ? html`<${Agreements} ...${props} />` : html`<${AgreementDetail} id=${id} ...${props} />`)}
      ${view === 'profile' && html`<${Profile} ...${props} />`}
      ${view === 'intents' && html`<${Intents} ...${props} />`}
    </main>`
}

function NoToken ({ onToken }) {
  const [value, setValue] = useState('')
  const [bad, setBad] = useState(false)
  const submit = (e) => {
    e.preventDefault()
    if (setToken(value)) onToken(value.trim())
    else setBad(true)
  }
  return html`
    <main class="welcome">
      <h1>Hearth</h1>
      <section class="card" id="no-token">
        <h2>Your node needs its key</h2>
        <p>This page talks to your Hearth node with a secret token, which changes every time the node starts.</p>
        <p>The easy way: on the computer running the node, run</p>
        <pre>hearth dashboard</pre>
        <p>and open the address it prints. Or paste the token from the file <code>api.token</code> in your Hearth folder:</p>
        <form onSubmit=${submit}>
          <label for="token">API token</label>
          <input id="token" type="password" autocomplete="off" spellcheck="false" value=${value} onInput=${e => { setValue(e.currentTarget.value); setBad(false) }} />
          <button type="submit">Open</button>
        </form>
        ${bad && html`<p class="problem" role="alert">That does not look like a Hearth token.</p>`}
        <p class="quiet">The token stays in this tab only, and is forgotten when you close it.</p>
      </section>
    </main>`
}

adoptTokenFromUrl()
render(html`<${App} />`, document.getElementById('app'))
