import { DrizzleQueryError } from 'drizzle-orm'
import { BackendConnectionError, BackendQueryError, VectorStoreError } from '../core/errors.js'

// Node socket errors and postgres.js / node-postgres client states that mean "no usable connection".
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_DESTROYED',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
])
// SQLSTATE classes 08 (connection exception), 28 (authorization), 3D000 (no such database), 57P0x (shutdown).
const CONNECTION_SQLSTATE = /^(08|28|3D000|57P0[1-3])/

// node-postgres reports a lost connection without a code, by message only.
const CONNECTION_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed)/

const MAX_MESSAGE_LENGTH = 300

/**
 * Wraps an engine error at the backend boundary: the operation is named, the
 * driver's own error is kept as `cause`, and the message carries neither
 * credentials nor vector data. Library errors pass through unchanged.
 */
export function wrapEngineError(operation: string, error: unknown): VectorStoreError {
  if (error instanceof VectorStoreError) return error
  const cause = driverError(error)
  const code = stringProperty(cause, 'code')
  const message = sanitize(stringProperty(cause, 'message') ?? String(cause))
  const lost = code
    ? CONNECTION_CODES.has(code) || CONNECTION_SQLSTATE.test(code)
    : CONNECTION_MESSAGE.test(message)
  if (lost) {
    return new BackendConnectionError(`${operation} failed: cannot use the database (${message})`, {
      cause,
      engineCode: code,
    })
  }
  return new BackendQueryError(operation, code ? `${message} [${code}]` : message, {
    cause,
    engineCode: code,
  })
}

// Drizzle wraps driver errors in DrizzleQueryError, whose message lists every parameter: skip it.
function driverError(error: unknown): unknown {
  let current = error
  for (let depth = 0; depth < 4; depth++) {
    const inner = (current as { cause?: unknown } | null)?.cause
    if (!isDrizzleQueryError(current) || inner === undefined) break
    current = inner
  }
  // AggregateError (several addresses refused): report the first.
  const errors = (current as { errors?: unknown } | null)?.errors
  if (current instanceof AggregateError && Array.isArray(errors) && errors.length > 0) {
    return errors[0]
  }
  return current
}

// instanceof fails when the app resolves another copy of drizzle-orm: check the class name too.
function isDrizzleQueryError(error: unknown): boolean {
  return (
    error instanceof DrizzleQueryError ||
    (error as { constructor?: { name?: unknown } } | null)?.constructor?.name ===
      'DrizzleQueryError'
  )
}

function stringProperty(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const property = (value as Record<string, unknown>)[key]
  return typeof property === 'string' && property !== '' ? property : undefined
}

// Belt and braces: server messages do not echo bound values, but never let a URL or a vector through.
function sanitize(message: string): string {
  const clean = message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>')
    .replace(/password\s*=\s*\S+/gi, 'password=<redacted>')
    .replace(/\[[-+0-9.eE, ]{16,}\]?/g, '<vector>')
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH)}…` : clean
}
