import {
  BackendConnectionError,
  BackendQueryError,
  DimensionMismatchError,
  VectorStoreError,
} from '../core/errors.js'

const CONNECTION_ERRORS = new Set(['ChromaConnectionError', 'AbortError', 'TimeoutError'])
const AUTH_ERRORS = new Set(['ChromaAuthError', 'ChromaForbiddenError'])
const DIMENSION = /expecting embedding with dimension of (\d+), got (\d+)/
const MAX_MESSAGE = 300
const RACED_DELETE = /Error finding id|Error getting embedding/

/**
 * Turns what the Chroma client threw into a vecstore error, keeping the
 * original as `cause`. `server` names the server (`host:port`) and never
 * carries headers. The client's messages hold request URLs, not bodies, so
 * no vector data reaches a message; they are still shortened.
 */
export function wrapChromaError(
  operation: string,
  error: unknown,
  server: string,
): VectorStoreError {
  if (error instanceof VectorStoreError) return error
  const name = (error as Error | undefined)?.name ?? ''
  const message = cleanMessage(String((error as Error | undefined)?.message ?? error))
  const options = { cause: error, engineCode: engineCodeOf(error) }
  if (CONNECTION_ERRORS.has(name) || isFetchFailure(error)) {
    return new BackendConnectionError(
      `${operation} failed: cannot reach the Chroma server at ${server}`,
      options,
    )
  }
  if (AUTH_ERRORS.has(name)) {
    return new BackendConnectionError(
      `${operation} failed: the Chroma server at ${server} refused the request (${name}: ${message})`,
      options,
    )
  }
  const dimension = DIMENSION.exec(message)
  if (dimension) return new DimensionMismatchError(Number(dimension[1]), Number(dimension[2]))
  return new BackendQueryError(operation, message, options)
}

// The socket's code behind a failed request (ECONNREFUSED, ...), else the Chroma client's
// error class name (ChromaClientError, ChromaNotFoundError, ...).
function engineCodeOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return (error as Error | undefined)?.name
}

/**
 * True when a retry may succeed: the server could not be reached at all
 * (refused, reset, timed out), or a read met an entry a concurrent delete was
 * removing (the server's "Error finding id", or "Error getting embedding" in a search).
 */
export function isTransientChromaError(error: unknown): boolean {
  const name = (error as Error | undefined)?.name ?? ''
  const message = String((error as Error | undefined)?.message ?? '')
  return CONNECTION_ERRORS.has(name) || isFetchFailure(error) || RACED_DELETE.test(message)
}

function isFetchFailure(error: unknown): boolean {
  return error instanceof TypeError && /fetch failed/i.test(error.message)
}

// "Bad request to http://host/api/v2/.../get with status: X" -> "X"; credentials in URLs redacted.
function cleanMessage(message: string): string {
  const cleaned = message
    .replace(/^Bad request to \S+ with status: /, '')
    .replace(/\/\/[^/@\s]*@/g, '//***@')
  return cleaned.length > MAX_MESSAGE ? `${cleaned.slice(0, MAX_MESSAGE)}…` : cleaned
}
