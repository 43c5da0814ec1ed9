import { describe } from 'vitest'
import { bearer, json } from './harness.ts'
import { runSecurityTable } from './security-table.ts'
import type { Ctx, SecurityCase } from './security-table.ts'

// GET /v1/id with a valid token and the given Host header(s).
const withHost = (host: (c: Ctx) => string | null | string[], path = '/v1/id') =>
  (c: Ctx) => ({ path, host: host(c), headers: [bearer(c.token)] })

// GET /v1/id with a valid token and the given Origin header(s).
const withOrigin = (origins: (c: Ctx) => string[], path = '/v1/id') =>
  (c: Ctx) => ({ path, headers: [bearer(c.token), ...origins(c).map((o): [string, string] => ['Origin', o])] })

describe('Host allowlist (DNS rebinding)', () => {
  const cases: SecurityCase[] = [
    { name: 'Host 127.0.0.1:<port>', request: withHost(c => `127.0.0.1:${c.port}`), status: 200 },
    { name: 'Host localhost:<port>', request: withHost(c => `localhost:${c.port}`), status: 200 },
    { name: 'Host [::1]:<port>', request: withHost(c => `[::1]:${c.port}`), status: 200 },
    { name: 'Host LOCALHOST:<port> (case-insensitive)', request: withHost(c => `LOCALHOST:${c.port}`), status: 200 },
    { name: 'Host evil.example', request: withHost(() => 'evil.example'), status: 403, code: 'FORBIDDEN' },
    { name: 'Host evil.example:<port>', request: withHost(c => `evil.example:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host localhost:<other port>', request: withHost(c => `localhost:${c.port + 1}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host localhost without port', request: withHost(() => 'localhost'), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 127.0.0.1 without port', request: withHost(() => '127.0.0.1'), status: 403, code: 'FORBIDDEN' },
    { name: 'Host localhost.:<port> (trailing dot)', request: withHost(c => `localhost.:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 127.0.0.1.nip.io:<port>', request: withHost(c => `127.0.0.1.nip.io:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 2130706433:<port> (decimal IP)', request: withHost(c => `2130706433:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 0x7f.1:<port> (hex IP)', request: withHost(c => `0x7f.1:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 0x7f000001:<port> (hex IP)', request: withHost(c => `0x7f000001:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 127.1:<port> (short IP)', request: withHost(c => `127.1:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 0.0.0.0:<port>', request: withHost(c => `0.0.0.0:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host [0:0:0:0:0:0:0:1]:<port> (long IPv6)', request: withHost(c => `[0:0:0:0:0:0:0:1]:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host user@127.0.0.1:<port>', request: withHost(c => `user@127.0.0.1:${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'Host 127.0.0.1:0<port> (leading zero)', request: withHost(c => `127.0.0.1:0${c.port}`), status: 403, code: 'FORBIDDEN' },
    { name: 'empty Host', request: withHost(() => ''), status: 403, code: 'FORBIDDEN' },
    { name: 'no Host (HTTP/1.1)', request: withHost(() => null), status: 400, code: 'INVALID_ARGUMENT', message: 'Host' },
    { name: 'no Host (HTTP/1.0)', request: c => ({ ...withHost(() => null)(c), version: '1.0' }), status: 400, code: 'INVALID_ARGUMENT', message: 'Host' },
    { name: 'two Host headers, good then evil', request: withHost(c => [`127.0.0.1:${c.port}`, 'evil.example']), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'two identical good Host headers', request: withHost(c => [`127.0.0.1:${c.port}`, `127.0.0.1:${c.port}`]), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'absolute-form target to a foreign authority', request: withHost(c => `127.0.0.1:${c.port}`, 'http://evil.example/v1/id'), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'absolute-form target to our own authority', request: c => withHost(() => `127.0.0.1:${c.port}`, `http://127.0.0.1:${c.port}/v1/id`)(c), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'asterisk-form target (OPTIONS *)', request: c => ({ ...withHost(() => `127.0.0.1:${c.port}`, '*')(c), method: 'OPTIONS' }), status: 400, code: 'INVALID_ARGUMENT' },
    { name: '/healthz with a foreign Host', request: withHost(() => 'evil.example', '/healthz'), status: 403, code: 'FORBIDDEN' },
    { name: '/openapi.json with a foreign Host', request: withHost(() => 'evil.example', '/openapi.json'), status: 403, code: 'FORBIDDEN' },
    { name: '/v1/events with a foreign Host', request: withHost(() => 'evil.example', '/v1/events'), status: 403, code: 'FORBIDDEN' },
    {
      name: 'POST /v1/shutdown with token, JSON and a rebinding Host',
      request: c => ({ method: 'POST', path: '/v1/shutdown', host: 'attacker.example', headers: [bearer(c.token), json], body: '{}' }),
      status: 403,
      code: 'FORBIDDEN'
    },
    {
      name: 'POST /v1/connect with token, JSON and a rebinding Host',
      request: c => ({ method: 'POST', path: '/v1/connect', host: `attacker.example:${c.port}`, headers: [bearer(c.token), json], body: '{"target":"did:key:z"}' }),
      status: 403,
      code: 'FORBIDDEN'
    }
  ]
  runSecurityTable(cases)
})

describe('Origin check (cross-site requests)', () => {
  const cases: SecurityCase[] = [
    { name: 'no Origin', request: withOrigin(() => []), status: 200 },
    { name: 'Origin http://127.0.0.1:<port>', request: withOrigin(c => [`http://127.0.0.1:${c.port}`]), status: 200 },
    { name: 'Origin http://localhost:<port>', request: withOrigin(c => [`http://localhost:${c.port}`]), status: 200 },
    { name: 'Origin http://[::1]:<port>', request: withOrigin(c => [`http://[::1]:${c.port}`]), status: 200 },
    { name: 'Origin null', request: withOrigin(() => ['null']), status: 403, code: 'FORBIDDEN' },
    { name: 'empty Origin', request: withOrigin(() => ['']), status: 403, code: 'FORBIDDEN' },
    { name: 'Origin http://evil.example', request: withOrigin(() => ['http://evil.example']), status: 403, code: 'FORBIDDEN' },
    { name: 'Origin http://127.0.0.1:<port>.evil.example (prefix trick)', request: withOrigin(c => [`http://127.0.0.1:${c.port}.evil.example`]), status: 403, code: 'FORBIDDEN' },
    { name: 'Origin http://evil.example/http://127.0.0.1:<port> (suffix trick)', request: withOrigin(c => [`http://evil.example/http://127.0.0.1:${c.port}`]), status: 403, code: 'FORBIDDEN' },
    { name: 'Origin http://127.0.0.1:<port>/ (trailing slash)', request: withOrigin(c => [`http://127.0.0.1:${c.port}/`]), status: 403, code: 'FORBIDDEN' },
    { name: 'Origin http://localhost:<other port>', request: withOrigin(c => [`http://localhost:${c.port + 1}`]), status: 403, code: 'FORBIDDEN' },
    { name: 'Origin https://127.0.0.1:<port> (other scheme)', request: withOrigin(c => [`https://127.0.0.1:${c.port}`]), status: 403, code: 'FORBIDDEN' },
    { name: 'Origin chrome-extension://random', request: withOrigin(() => ['chrome-extension://abcdefghijklmnop']), status: 403, code: 'FORBIDDEN' },
    { name: 'two Origin headers, good then evil', request: withOrigin(c => [`http://127.0.0.1:${c.port}`, 'http://evil.example']), status: 403, code: 'FORBIDDEN' },
    { name: '/healthz with Origin null', request: withOrigin(() => ['null'], '/healthz'), status: 403, code: 'FORBIDDEN' },
    { name: '/openapi.json with a foreign Origin', request: withOrigin(() => ['http://evil.example'], '/openapi.json'), status: 403, code: 'FORBIDDEN' },
    {
      name: 'POST /v1/shutdown with token and JSON from a foreign Origin (CSRF)',
      request: c => ({ method: 'POST', path: '/v1/shutdown', headers: [bearer(c.token), json, ['Origin', 'http://evil.example']], body: '{}' }),
      status: 403,
      code: 'FORBIDDEN'
    },
    {
      name: 'CORS preflight from a public Origin asking for private-network access',
      request: () => ({
        method: 'OPTIONS',
        path: '/v1/connect',
        headers: [['Origin', 'https://evil.example'], ['Access-Control-Request-Method', 'POST'],
          ['Access-Control-Request-Headers', 'authorization, content-type'], ['Access-Control-Request-Private-Network', 'true']]
      }),
      status: 403,
      code: 'FORBIDDEN'
    },
    {
      name: 'CORS preflight from our own Origin (no token: preflights never carry one)',
      request: c => ({ method: 'OPTIONS', path: '/v1/connect', headers: [['Origin', `http://127.0.0.1:${c.port}`], ['Access-Control-Request-Method', 'POST']] }),
      status: 401,
      code: 'UNAUTHORIZED'
    },
    {
      name: 'OPTIONS with a token is just a method the route lacks',
      request: c => ({ method: 'OPTIONS', path: '/v1/connect', headers: [bearer(c.token), ['Access-Control-Request-Method', 'POST']] }),
      status: 405,
      code: 'INVALID_ARGUMENT',
      allow: 'POST'
    }
  ]
  runSecurityTable(cases)
})
