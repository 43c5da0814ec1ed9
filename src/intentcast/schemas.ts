import { Ajv2020 } from 'ajv/dist/2020.js'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import { readSchemas } from '../messages/schemas.ts'
import { intentcastInvalid } from './wire.ts'
import type { IntentcastKind } from './wire.ts'

/**
 * protocols/intentcast/schemas/ is the source of truth for every body. Compiled once, on first
 * use, with its own ajv instance (its $ids must not meet the agreement schemas'), in strict mode
 * and with allErrors off, as src/messages/schemas.ts does: a hostile body costs one error.
 */
export const INTENTCAST_SCHEMA_DIR = new URL('../../protocols/intentcast/schemas/', import.meta.url)

export const INTENTCAST_SCHEMA_FILES: Readonly<Record<IntentcastKind, string>> = {
  'vrm.Intent': 'intent.schema.json',
  'vrm.IntentUpdate': 'intent-update.schema.json',
  'vrm.IntentWithdrawal': 'intent-withdrawal.schema.json',
  'vrm.Offer': 'offer.schema.json',
  'vrm.OfferResponse': 'offer-response.schema.json'
}

let compiled: Map<IntentcastKind, ValidateFunction> | undefined

function compile (): Map<IntentcastKind, ValidateFunction> {
  const ajv = new Ajv2020({ strict: true, allErrors: false })
  const byFile = readSchemas(INTENTCAST_SCHEMA_DIR)
  for (const schema of byFile.values()) ajv.addSchema(schema)
  const out = new Map<IntentcastKind, ValidateFunction>()
  for (const [kind, file] of Object.entries(INTENTCAST_SCHEMA_FILES) as Array<[IntentcastKind, string]>) {
    const schema = byFile.get(file)
    if (schema === undefined) throw new Error(`missing schema ${file} for ${kind}`)
    out.set(kind, ajv.getSchema(schema.$id as string) as ValidateFunction)
  }
  return out
}

/** Throws INVALID_MESSAGE / SCHEMA_INVALID naming the first bad field, e.g. "body.items.0.quantity". */
export function validateIntentcastBody (kind: IntentcastKind, body: unknown): void {
  compiled ??= compile()
  const validate = compiled.get(kind)
  if (validate === undefined) throw intentcastInvalid('WRONG_KIND', `no schema for ${String(kind).slice(0, 40)}`)
  if (validate(body)) return
  const e = validate.errors?.[0]
  const field = `body${e === undefined ? '' : e.instancePath.replaceAll('/', '.')}`
  const extra = e?.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty).slice(0, 40)})` : ''
  throw intentcastInvalid('SCHEMA_INVALID', `${field} ${e?.message ?? 'is invalid'}${extra}`, { field })
}
