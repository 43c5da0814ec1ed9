import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { INBOX_BUCKETS, REPLY_BUCKETS } from '../../src/intentcast/topics.ts'
import { MAX_SEALED_BYTES, SEAL_OVERHEAD } from '../../src/intentcast/seal.ts'
import { INTENTCAST_ONLY_WIRE_CODES, INTENTCAST_SKEW_SECONDS, MAX_INTENT_LIFETIME_SECONDS, MAX_INTENTCAST_MESSAGE_BYTES } from '../../src/intentcast/wire.ts'

/** The spec's numbers are the code's: protocols/intentcast/README.md sections 2, 8 and 9. */
const readme = readFileSync(new URL('../../protocols/intentcast/README.md', import.meta.url), 'utf8')
const limits = readme.slice(readme.indexOf('## 8. Limits'), readme.indexOf('## 9.'))
const row = (constant: string): string => limits.split('\n').find(l => l.startsWith('|') && l.includes(`\`${constant}\``)) ?? ''

describe('protocols/intentcast/README.md', () => {
  it('states each limit with the value of its constant', () => {
    expect(row('MAX_INTENTCAST_MESSAGE_BYTES')).toContain(`${MAX_INTENTCAST_MESSAGE_BYTES} bytes`)
    expect(row('MAX_SEALED_BYTES')).toContain(`${MAX_SEALED_BYTES} bytes (+ ${SEAL_OVERHEAD} overhead)`)
    expect(row('MAX_INTENT_LIFETIME_SECONDS')).toContain(`${MAX_INTENT_LIFETIME_SECONDS / 86_400} days`)
    expect(row('INTENTCAST_SKEW_SECONDS')).toContain(`${INTENTCAST_SKEW_SECONDS} s`)
    expect(row('REPLY_BUCKETS')).toContain(`${REPLY_BUCKETS} / ${INBOX_BUCKETS}`)
    expect(readme).toContain(`MAX_INTENT_LIFETIME_SECONDS\` = ${MAX_INTENT_LIFETIME_SECONDS}`)
  })

  it('lists every intentcast-only wire code', () => {
    for (const code of INTENTCAST_ONLY_WIRE_CODES) expect(readme).toContain(`| \`${code}\` |`)
  })
})
