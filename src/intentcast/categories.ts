import { readFileSync } from 'node:fs'
import { HearthError } from '../errors.ts'

/**
 * The open category list (protocols/intentcast/categories.json, README section 4), shipped
 * with the node like the terms roster: each id names one gossipsub topic (topics.ts). Read and
 * checked once; a damaged file stops the node rather than silently shrinking the market.
 */
export const CATEGORIES_URL = new URL('../../protocols/intentcast/categories.json', import.meta.url)
export const CATEGORY_ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/
export const MAX_CATEGORY_ID_LENGTH = 32

export interface Category { id: string, label: string, description: string }

let list: readonly Category[] | undefined
let ids: ReadonlySet<string> | undefined

const corrupt = (why: string): HearthError => new HearthError('INTERNAL', `the category list ${CATEGORIES_URL.pathname} is damaged: ${why}`)

/** Every category, in file order. */
export function categories (): readonly Category[] {
  if (list !== undefined) return list
  let doc: { version?: unknown, categories?: unknown }
  try {
    doc = JSON.parse(readFileSync(CATEGORIES_URL, 'utf8')) as typeof doc
  } catch (err) {
    throw corrupt(`not readable JSON (${(err as Error).message})`)
  }
  if (doc.version !== 1 || !Array.isArray(doc.categories)) throw corrupt('expected { version: 1, categories: [...] }')
  const out = new Map<string, Category>()
  for (const c of doc.categories as Category[]) {
    if (typeof c?.id !== 'string' || c.id.length > MAX_CATEGORY_ID_LENGTH || !CATEGORY_ID_PATTERN.test(c.id) || out.has(c.id)) {
      throw corrupt(`bad or repeated id ${JSON.stringify(c?.id)}`)
    }
    if (typeof c.label !== 'string' || typeof c.description !== 'string') throw corrupt(`${c.id}: label and description must be strings`)
    out.set(c.id, Object.freeze({ id: c.id, label: c.label, description: c.description }))
  }
  ids = new Set(out.keys())
  list = Object.freeze([...out.values()])
  return list
}

export function isCategory (id: string): boolean {
  if (ids === undefined) categories()
  return typeof id === 'string' && ids!.has(id)
}
