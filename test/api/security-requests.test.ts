import { describe } from 'vitest'
import { bearer, json } from './harness.ts'
import { runSecurityTable } from './security-table.ts'
import type { Ctx, SecurityCase } from './security-table.ts'

const get = (path: string, headers: (c: Ctx) => Array<[string, string]> = c => [bearer(c.token)]) =>
  (c: Ctx) => ({ path, headers: headers(c) })

const post = (path: string, body: string | undefined, headers: (c: Ctx) => Array<[string, string]> = c => [bearer(c.token), json]) =>
  (c: Ctx) => ({ method: 'POST', path, headers: headers(c), ...(body === undefined ? {} : { body }) })

const connectBody = (body: unknown): string => JSON.stringify(body)

describe('bearer token', () => {
  const wrong = (c: Ctx): string => (c.token.startsWith('A') ? 'B' : 'A') + c.token.slice(1)
  const cases: SecurityCase[] = [
    { name: 'Bearer <token>', request: get('/v1/id'), status: 200 },
    { name: 'lower-case scheme: bearer <token> (RFC 7235)', request: get('/v1/id', c => [['Authorization', `bearer ${c.token}`]]), status: 200 },
    { name: 'no Authorization', request: get('/v1/id', () => []), status: 401, code: 'UNAUTHORIZED' },
    { name: 'wrong token of the same length', request: get('/v1/id', c => [['Authorization', `Bearer ${wrong(c)}`]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'wrong token of another length', request: get('/v1/id', () => [['Authorization', 'Bearer abc']]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'token with a suffix', request: get('/v1/id', c => [['Authorization', `Bearer ${c.token}x`]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'token prefix only', request: get('/v1/id', c => [['Authorization', `Bearer ${c.token.slice(0, 20)}`]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'lower-case bearer with a wrong token', request: get('/v1/id', c => [['Authorization', `bearer ${wrong(c)}`]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'two spaces after Bearer', request: get('/v1/id', c => [['Authorization', `Bearer  ${c.token}`]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'Basic scheme carrying the token', request: get('/v1/id', c => [['Authorization', `Basic ${Buffer.from(`x:${c.token}`).toString('base64')}`]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'bare token without a scheme', request: get('/v1/id', c => [['Authorization', c.token]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'token in ?token= query', request: c => get(`/v1/id?token=${c.token}`, () => [])(c), status: 401, code: 'UNAUTHORIZED' },
    { name: 'token in ?access_token= query', request: c => get(`/v1/id?access_token=${c.token}`, () => [])(c), status: 401, code: 'UNAUTHORIZED' },
    { name: 'token in a cookie', request: get('/v1/id', c => [['Cookie', `token=${c.token}; api.token=${c.token}`]]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'two Authorization headers, good first', request: get('/v1/id', c => [bearer(c.token), ['Authorization', 'Bearer abc']]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'unknown path without token (no route probing)', request: get('/v1/secret', () => []), status: 401, code: 'UNAUTHORIZED' },
    { name: 'POST /v1/shutdown without token', request: post('/v1/shutdown', '{}', () => [json]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'POST /v1/connect with a wrong token', request: post('/v1/connect', connectBody({ target: 'did:key:z' }), () => [json, ['Authorization', 'Bearer nope']]), status: 401, code: 'UNAUTHORIZED' },
    { name: 'GET /v1/events without token', request: get('/v1/events', () => []), status: 401, code: 'UNAUTHORIZED' },
    { name: '/healthz needs no token', request: get('/healthz', () => []), status: 200 },
    { name: '/openapi.json needs no token', request: get('/openapi.json', () => []), status: 200 }
  ]
  runSecurityTable(cases)
})

describe('methods: changes are POST only', () => {
  const cases: SecurityCase[] = [
    { name: 'GET /v1/shutdown', request: get('/v1/shutdown'), status: 405, code: 'INVALID_ARGUMENT', allow: 'POST' },
    { name: 'GET /v1/connect', request: get('/v1/connect'), status: 405, code: 'INVALID_ARGUMENT', allow: 'POST' },
    { name: 'PUT /v1/connect', request: c => ({ ...post('/v1/connect', connectBody({ target: 'did:key:z' }))(c), method: 'PUT' }), status: 405, allow: 'POST' },
    { name: 'PATCH /v1/connect', request: c => ({ ...post('/v1/connect', connectBody({ target: 'did:key:z' }))(c), method: 'PATCH' }), status: 405, allow: 'POST' },
    { name: 'DELETE /v1/shutdown', request: c => ({ ...get('/v1/shutdown')(c), method: 'DELETE' }), status: 405, allow: 'POST' },
    { name: 'POST /v1/id', request: post('/v1/id', '{}'), status: 405, code: 'INVALID_ARGUMENT', allow: 'GET' },
    { name: 'HEAD /v1/id', request: c => ({ ...get('/v1/id')(c), method: 'HEAD' }), status: 405, allow: 'GET' },
    { name: 'TRACE /v1/id', request: c => ({ ...get('/v1/id')(c), method: 'TRACE' }), status: 405, allow: 'GET' },
    { name: 'GET of an unknown path', request: get('/v1/nothing-here'), status: 404, code: 'NOT_FOUND' }
  ]
  runSecurityTable(cases)
})

describe('Content-Type: only application/json', () => {
  const body = connectBody({ target: 'did:key:z' })
  const typed = (type: string | undefined) => (c: Ctx): Array<[string, string]> =>
    type === undefined ? [bearer(c.token)] : [bearer(c.token), ['Content-Type', type]]
  const cases: SecurityCase[] = [
    { name: 'form-urlencoded', request: post('/v1/connect', 'target=did%3Akey%3Az', typed('application/x-www-form-urlencoded')), status: 415, code: 'INVALID_ARGUMENT' },
    { name: 'text/plain carrying JSON', request: post('/v1/connect', body, typed('text/plain')), status: 415, code: 'INVALID_ARGUMENT' },
    { name: 'multipart/form-data', request: post('/v1/connect', '--x\r\nContent-Disposition: form-data; name="target"\r\n\r\ndid:key:z\r\n--x--\r\n', typed('multipart/form-data; boundary=x')), status: 415, code: 'INVALID_ARGUMENT' },
    { name: 'no Content-Type with a JSON body', request: post('/v1/connect', body, typed(undefined)), status: 415, code: 'INVALID_ARGUMENT' },
    { name: 'no Content-Type and no body (shutdown)', request: post('/v1/shutdown', undefined, typed(undefined)), status: 415, code: 'INVALID_ARGUMENT' },
    { name: 'text/plain on shutdown', request: post('/v1/shutdown', '{}', typed('text/plain')), status: 415, code: 'INVALID_ARGUMENT' },
    { name: 'application/json-patch+json', request: post('/v1/connect', body, typed('application/json-patch+json')), status: 415 },
    { name: 'application/jsonp', request: post('/v1/connect', body, typed('application/jsonp')), status: 415 },
    { name: 'text/json', request: post('/v1/connect', body, typed('text/json')), status: 415 },
    { name: 'a list of types', request: post('/v1/connect', body, typed('application/json, text/plain')), status: 415 }
  ]
  runSecurityTable(cases)
})

describe('bodies: size, JSON, schema', () => {
  const cases: SecurityCase[] = [
    { name: 'body one byte over 64 KiB', request: post('/v1/connect', connectBody({ target: 'x'.repeat(65536 - 12) })), status: 413, code: 'INVALID_ARGUMENT' },
    { name: 'Content-Length of 100 MB (answered before the body)', request: c => ({ ...post('/v1/connect', '{"target":"x"}')(c), contentLength: 100_000_000 }), status: 413 },
    { name: 'malformed JSON', request: post('/v1/connect', '{"target":'), status: 400, code: 'INVALID_ARGUMENT', message: 'JSON' },
    { name: 'empty JSON body', request: post('/v1/connect', ''), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'JSON null', request: post('/v1/connect', 'null'), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'JSON array', request: post('/v1/connect', '[]'), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'missing target', request: post('/v1/connect', '{}'), status: 400, code: 'INVALID_ARGUMENT', message: 'body/target' },
    { name: 'target not a string', request: post('/v1/connect', connectBody({ target: 5 })), status: 400, code: 'INVALID_ARGUMENT', message: 'target' },
    { name: 'empty target', request: post('/v1/connect', connectBody({ target: '' })), status: 400, message: 'target' },
    { name: 'target of 4097 characters', request: post('/v1/connect', connectBody({ target: 'd'.repeat(4097) })), status: 400, message: 'target' },
    { name: 'unknown field', request: post('/v1/connect', connectBody({ target: 'did:key:z', admin: true })), status: 400, code: 'INVALID_ARGUMENT', message: 'body/admin' },
    { name: 'timeoutMs below 100', request: post('/v1/connect', connectBody({ target: 'did:key:z', timeoutMs: 99 })), status: 400, message: 'timeoutMs' },
    { name: 'timeoutMs above 120000', request: post('/v1/connect', connectBody({ target: 'did:key:z', timeoutMs: 120001 })), status: 400, message: 'timeoutMs' },
    { name: 'timeoutMs as a string (no coercion)', request: post('/v1/connect', connectBody({ target: 'did:key:z', timeoutMs: '500' })), status: 400, message: 'timeoutMs' },
    { name: 'timeoutMs not an integer', request: post('/v1/connect', connectBody({ target: 'did:key:z', timeoutMs: 150.5 })), status: 400, message: 'timeoutMs' },
    { name: '__proto__ key', request: post('/v1/connect', '{"target":"did:key:z","__proto__":{"admin":true}}'), status: 400, code: 'INVALID_ARGUMENT', message: 'JSON' },
    { name: 'constructor.prototype key', request: post('/v1/connect', '{"target":"did:key:z","constructor":{"prototype":{"admin":true}}}'), status: 400, code: 'INVALID_ARGUMENT', message: 'JSON' },
    { name: 'shutdown with a field', request: post('/v1/shutdown', '{"now":true}'), status: 400, code: 'INVALID_ARGUMENT', message: 'body/now' },
    { name: 'shutdown with an empty body', request: post('/v1/shutdown', ''), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'shutdown with an array', request: post('/v1/shutdown', '[]'), status: 400, code: 'INVALID_ARGUMENT' }
  ]
  runSecurityTable(cases)
})

describe('request line, headers and paths', () => {
  const cases: SecurityCase[] = [
    { name: 'a 9 KiB header', request: get('/v1/id', c => [bearer(c.token), ['X-Padding', 'p'.repeat(9 * 1024)]]), status: 431, code: 'INVALID_ARGUMENT' },
    { name: '64 KiB of headers', request: get('/v1/id', c => [bearer(c.token), ...Array.from({ length: 64 }, (_, i): [string, string] => [`X-P${i}`, 'p'.repeat(1000)])]), status: 431 },
    { name: 'garbage instead of a request line', request: () => 'HELLO THERE\r\n\r\n', status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'trailing slash /v1/id/', request: get('/v1/id/'), status: 404, code: 'NOT_FOUND' },
    { name: 'upper-case /V1/ID', request: get('/V1/ID'), status: 404, code: 'NOT_FOUND' },
    { name: 'double slash //v1/id', request: get('//v1/id'), status: 404, code: 'NOT_FOUND' },
    { name: 'traversal /v1/../api.token', request: get('/v1/../api.token'), status: 404, code: 'NOT_FOUND' },
    { name: 'encoded traversal /v1/%2e%2e/api.token', request: get('/v1/%2e%2e/api.token'), status: 404, code: 'NOT_FOUND' },
    { name: 'encoded slash /v1/..%2f..%2fapi.token', request: get('/v1/..%2f..%2fapi.token'), status: 404, code: 'NOT_FOUND' },
    { name: 'backslash /v1/..%5capi.token', request: get('/v1/..%5capi.token'), status: 404, code: 'NOT_FOUND' },
    { name: 'NUL /v1/id%00', request: get('/v1/id%00'), status: 404, code: 'NOT_FOUND' },
    { name: 'bad percent-encoding /v1/%zz', request: get('/v1/%zz'), status: 400, code: 'INVALID_ARGUMENT' },
    { name: 'bad percent-encoding with a foreign Host', request: c => ({ ...get('/v1/%zz')(c), host: 'evil.example' }), status: 403, code: 'FORBIDDEN' }
  ]
  runSecurityTable(cases)
})
