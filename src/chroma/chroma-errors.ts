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
  if (CONNECTION_ERRORS.has(name) || isFetchFailure(error)) {
    return new BackendConnectionError(
      `${operation} failed: cannot reach the Chroma server at ${server}`,
      { cause: error },
    )
  }
  if (AUTH_ERRORS.has(name)) {
    return new BackendConnectionError(
      `${operation} failed: the Chroma server at ${server} refused the request (${name}: ${message})`,
      { cause: error },
    )
  }
  const dimension = DIMENSION.exec(message)
  if (dimension) return new DimensionMismatchError(Number(dimension[1]), Number(dimension[2]))
  return new BackendQueryError(operation, message, { cause: error })
}

/** True when the server could not be reached at all (refused, reset, timed out): worth retrying. */
export function isTransientChromaError(error: unknown): boolean {
  const name = (error as Error | undefined)?.name ?? ''
  return CONNECTION_ERRORS.has(name) || isFetchFailure(error)
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
