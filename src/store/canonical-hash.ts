import { createHash } from 'node:crypto'
import type { JsonValue } from '../core/json.js'

/**
 * JSON with object keys sorted at every level: two values that are equal as
 * JSON (whatever their key order) give the same text, and any change, however
 * deeply nested, gives another. Arrays keep their order.
 */
export function canonicalJson(value: JsonValue | undefined): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const keys = Object.keys(value).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`
}

/** The SHA-256 of a text, as 64 hex digits. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
