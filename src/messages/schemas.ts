import { readdirSync, readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import { BODY_SCHEMA_FILES, KINDS } from './kinds.ts'
import type { Kind } from './kinds.ts'
import { invalidMessage } from './wire.ts'

/**
 * The JSON Schemas in protocols/agreement/schemas/ are the source of truth for every body
 * (and, through scripts/gen-types.ts, for the TypeScript types). They are compiled once, on
 * first use, in ajv's strict mode (an unknown keyword in a schema is an error, not ignored)
 * and with allErrors off, so a hostile body costs one error, not thousands.
 */
export const SCHEMA_DIR = new URL('../../protocols/agreement/schemas/', import.meta.url)
export const TERMS_SCHEMA_ID = 'urn:hearth:protocol:agreement:v1:terms'

let compiled: Map<Kind, ValidateFunction> | undefined
let termsValidator: ValidateFunction | undefined

/** Every schema file of the directory, parsed (gen-types.ts reads the same set). */
export function readSchemas (dir: URL = SCHEMA_DIR): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>()
  for (const name of readdirSync(dir).filter(n => n.endsWith('.schema.json')).sort()) {
    out.set(name, JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as Record<string, unknown>)
  }
  return out
}

function compile (): Map<Kind, ValidateFunction> {
  const ajv = new Ajv2020({ strict: true, allErrors: false, allowUnionTypes: true })
  const byFile = readSchemas()
  for (const schema of byFile.values()) ajv.addSchema(schema)
  const out = new Map<Kind, ValidateFunction>()
  for (const kind of KINDS) {
    const schema = byFile.get(BODY_SCHEMA_FILES[kind])
    if (schema === undefined) throw new Error(`missing schema ${BODY_SCHEMA_FILES[kind]} for ${kind}`)
    out.set(kind, ajv.getSchema(schema.$id as string) as ValidateFunction)
  }
  termsValidator = ajv.getSchema(TERMS_SCHEMA_ID) as ValidateFunction
  return out
}

function fail (validate: ValidateFunction, what: string): never {
  const e = validate.errors?.[0]
  const path = e === undefined ? '' : e.instancePath.replaceAll('/', '.')
  const field = `${what}${path}`
  const extra = e?.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : ''
  // a `false` subschema is how a schema forbids a field in some case (Ack.error without a rejection)
  const why = e?.keyword === 'false schema' ? 'is not allowed here' : e?.message ?? 'is invalid'
  throw invalidMessage('SCHEMA_INVALID', `${field} ${why}${extra}`, { field })
}

/** Throws INVALID_MESSAGE / SCHEMA_INVALID naming the first bad field, e.g. "body.terms.share.0". */
export function validateBody (kind: Kind, body: unknown): void {
  compiled ??= compile()
  const validate = compiled.get(kind)!
  if (!validate(body)) fail(validate, 'body')
}

/** The terms object alone (terms.schema.json), e.g. for terms a person types in before proposing. */
export function validateTerms (terms: unknown): void {
  compiled ??= compile()
  if (!termsValidator!(terms)) fail(termsValidator!, 'terms')
}
