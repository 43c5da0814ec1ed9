// The page's only way to the node: fetch() with `Authorization: Bearer`, same origin.
// The token comes from the URL fragment (which browsers never send to a server), is kept in
// sessionStorage for this tab only, and is never put in a cookie, a query string or a log.

const KEY = 'hearth.token'
const TOKEN = /^[A-Za-z0-9\-._~+/]{16,200}=*$/

/** Moves a `#token=...` fragment into sessionStorage and out of the address bar and history. */
export function adoptTokenFromUrl () {
  const hash = location.hash
  if (!hash.startsWith('#token=')) return
  let token = ''
  try { token = decodeURIComponent(hash.slice('#token='.length)) } catch { /* malformed: ask for it */ }
  history.replaceState(null, '', location.pathname + '#/')
  if (TOKEN.test(token)) sessionStorage.setItem(KEY, token)
}

export const getToken = () => sessionStorage.getItem(KEY) ?? ''
export function setToken (token) {
  const t = token.trim()
  if (!TOKEN.test(t)) return false
  sessionStorage.setItem(KEY, t)
  return true
}
export const forgetToken = () => { sessionStorage.removeItem(KEY) }

export class ApiError extends Error {
  constructor (status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** One JSON call. A 401 forgets the token (the daemon restarted with a new one) and tells the app. */
export async function api (path, { method = 'GET', body, timeoutMs = 60_000 } = {}) {
  const headers = { authorization: `Bearer ${getToken()}` }
  if (method !== 'GET') headers['content-type'] = 'application/json'
  let res
  try {
    res = await fetch(path, {
      method,
      headers,
      body: method === 'GET' ? undefined : JSON.stringify(body ?? {}),
      credentials: 'omit',
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs)
    })
  } catch (err) {
    throw new ApiError(0, 'UNREACHABLE', `The node is not answering (${err.name === 'TimeoutError' ? 'timed out' : 'is it still running?'})`)
  }
  if (res.status === 401) {
    forgetToken()
    window.dispatchEvent(new Event('hearth:unauthorized'))
  }
  const type = res.headers.get('content-type') ?? ''
  if (!type.startsWith('application/json')) {
    if (!res.ok) throw new ApiError(res.status, 'INTERNAL', `HTTP ${res.status}`)
    return await res.text()
  }
  const json = await res.json()
  if (!res.ok) throw new ApiError(res.status, String(json?.error?.code ?? 'INTERNAL'), String(json?.error?.message ?? `HTTP ${res.status}`))
  return json
}

/**
 * Follows /v1/events. EventSource cannot send an Authorization header, so this reads the
 * stream with fetch() and parses Server-Sent Events itself, reconnecting with a growing delay.
 * onEvent gets {id, type, at, data}; onState gets 'live' | 'reconnecting'. Returns stop().
 */
export function followEvents (onEvent, onState) {
  let stopped = false
  let controller
  let delay = 1000
  const run = async () => {
    while (!stopped) {
      controller = new AbortController()
      try {
        const res = await fetch('/v1/events', {
          headers: { authorization: `Bearer ${getToken()}`, accept: 'text/event-stream' },
          credentials: 'omit',
          cache: 'no-store',
          signal: controller.signal
        })
        if (res.status === 401) {
          forgetToken()
          window.dispatchEvent(new Event('hearth:unauthorized'))
          return
        }
        if (!res.ok || res.body === null) throw new Error(`HTTP ${res.status}`)
        onState('live')
        delay = 1000
        await readStream(res.body, onEvent)
      } catch {
        // the daemon went away or the network blinked: try again below
      }
      if (stopped) return
      onState('reconnecting')
      await new Promise(resolve => setTimeout(resolve, delay))
      delay = Math.min(delay * 2, 15_000)
    }
  }
  run()
  return () => { stopped = true; controller?.abort() }
}

/** SSE framing (html.spec.whatwg.org, "event stream interpretation"), enough for our server's messages. */
async function readStream (body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += value
    // a peer cannot put a line break into an event: the server JSON-encodes the data
    if (buffer.length > 1024 * 1024) throw new Error('event too large')
    let end
    while ((end = buffer.search(/\r?\n\r?\n/)) !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '')
      const data = block.split(/\r?\n/).filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n')
      if (data === '') continue
      try { onEvent(JSON.parse(data)) } catch { /* not one of ours: skip it */ }
    }
  }
}
