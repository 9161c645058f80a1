import type { VectorRecord } from './backend.js'
import {
  DimensionMismatchError,
  InvalidArgumentError,
  InvalidIdError,
  InvalidPayloadError,
  InvalidVectorError,
} from './errors.js'
import type { Payload } from './json.js'
import type { DistanceMetric } from './metric.js'

/** Longest id accepted, in UTF-16 code units. */
export const MAX_ID_LENGTH = 256
/** Largest vector dimension accepted (pgvector's limit for `vector`). */
export const MAX_DIMENSIONS = 16_000
/** Largest `topK` / `limit` accepted in one call. */
export const MAX_RESULTS = 10_000
/** Deepest nesting of objects and arrays accepted in a payload. */
export const MAX_PAYLOAD_DEPTH = 32

const BYTE_ORDER_MARK = 0xfeff

export function validateId(id: unknown): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidIdError('expected id to be a non-empty string')
  }
  if (id.length > MAX_ID_LENGTH) {
    throw new InvalidIdError(`expected id of at most ${MAX_ID_LENGTH} characters, got ${id.length}`)
  }
  if (!isStorableString(id)) {
    throw new InvalidIdError('expected id without NUL characters or unpaired surrogates')
  }
  return id
}

/**
 * Checks the id of an entry being written: {@link validateId}, and no leading
 * byte-order mark, which text decoders (PGlite's among them) drop, so the id
 * would come back changed. Reads stay lenient: entries written before keep
 * working.
 */
export function validateNewId(id: unknown): string {
  const checked = validateId(id)
  if (checked.charCodeAt(0) === BYTE_ORDER_MARK) {
    throw new InvalidIdError('expected id not to start with U+FEFF (a byte-order mark)')
  }
  return checked
}

/**
 * Checks a vector and returns it as float32. `dim` is the index dimension
 * when known; `where` names the index in a dimension mismatch. COSINE
 * refuses the zero vector: its similarity is undefined.
 */
export function validateVector(
  vector: unknown,
  dim: number | undefined,
  metric: DistanceMetric,
  where?: string,
): Float32Array {
  if (!Array.isArray(vector) && !(vector instanceof Float32Array)) {
    throw new InvalidVectorError('expected vector to be an array of numbers or a Float32Array')
  }
  const length = vector.length
  if (length === 0 || length > MAX_DIMENSIONS) {
    throw new InvalidVectorError(
      `expected a vector of 1 to ${MAX_DIMENSIONS} dimensions, got ${length}`,
    )
  }
  if (dim !== undefined && length !== dim) throw new DimensionMismatchError(dim, length, where)
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) {
    const x: unknown = vector[i]
    if (typeof x !== 'number')
      throw new InvalidVectorError(`expected numbers, found a ${typeof x} at index ${i}`)
    out[i] = x
  }
  checkFloats(out, metric)
  return out
}

/**
 * Checks float32 values in place: finite (a double beyond float32 range has
 * become Infinity), a squared length that float32 can hold (every engine
 * scores in float32), and under COSINE not zero nor so small it underflows.
 */
export function checkFloats(vector: Float32Array, metric: DistanceMetric): void {
  let squaredNorm = 0
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i] as number
    if (!Number.isFinite(x)) {
      throw new InvalidVectorError(
        `expected finite float32 numbers, found an invalid value at index ${i}`,
      )
    }
    squaredNorm += x * x
  }
  if (squaredNorm > FLOAT32_MAX) {
    throw new InvalidVectorError(
      'expected a vector whose squared length fits in float32 (at most 3.4e38)',
    )
  }
  if (metric === 'cosine' && squaredNorm < FLOAT32_MIN_NORMAL) {
    throw new InvalidVectorError(
      squaredNorm === 0
        ? 'the zero vector has no cosine similarity: expected a non-zero vector'
        : 'expected a vector whose squared length is at least 1.2e-38 (smaller ones underflow in float32)',
    )
  }
}

const FLOAT32_MAX = 3.4028234663852886e38
const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38

/** Checks a payload is a plain JSON object that every backend stores unchanged. */
export function validatePayload(payload: unknown): Payload {
  if (!isPlainObject(payload))
    throw new InvalidPayloadError('expected payload to be a plain object')
  checkJson(payload, '', 0, new Set())
  return payload as Payload
}

function checkJson(value: unknown, path: string, depth: number, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
      if (!isStorableString(value))
        fail(path, 'a string with NUL characters or unpaired surrogates')
      return
    case 'boolean':
      return
    case 'number':
      if (!Number.isFinite(value)) fail(path, 'a non-finite number')
      return
    case 'object':
      break
    default:
      fail(path, `a value of type ${typeof value}`)
  }
  if (value === null) return
  if (depth >= MAX_PAYLOAD_DEPTH) fail(path, `nesting deeper than ${MAX_PAYLOAD_DEPTH} levels`)
  if (seen.has(value)) fail(path, 'a circular reference')
  seen.add(value)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) fail(`${path}[${i}]`, 'an array hole')
      checkJson(value[i], `${path}[${i}]`, depth + 1, seen)
    }
  } else if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (!isStorableString(key)) fail(path, 'a key with NUL characters or unpaired surrogates')
      checkJson(child, path ? `${path}.${key.slice(0, 40)}` : key.slice(0, 40), depth + 1, seen)
    }
  } else {
    fail(path, `an instance of ${value.constructor?.name ?? 'an unknown class'}`)
  }
  seen.delete(value)
}

function fail(path: string, what: string): never {
  throw new InvalidPayloadError(
    `expected JSON values only, found ${what} at ${path === '' ? 'the top level' : `'${path}'`}`,
  )
}

/** Validates a batch: ids, vectors and payloads, one dimension across the batch. */
export function validateRecords(
  records: unknown,
  dim: number | undefined,
  metric: DistanceMetric,
  where?: string,
): { id: string; vector: Float32Array; payload: Payload }[] {
  if (!Array.isArray(records)) throw new InvalidArgumentError('expected an array of records')
  let batchDim = dim
  return records.map((record: unknown) => {
    if (typeof record !== 'object' || record === null) {
      throw new InvalidArgumentError('expected each record to be { id, vector, payload }')
    }
    const { id, vector, payload } = record as VectorRecord
    const checked = {
      id: validateNewId(id),
      vector: validateVector(vector, batchDim, metric, where),
      payload: validatePayload(payload),
    }
    batchDim = checked.vector.length
    return checked
  })
}

/** Checks `topK` / `limit`: a whole number from 1 to {@link MAX_RESULTS}. */
export function validateCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_RESULTS) {
    throw new InvalidArgumentError(`expected ${name} to be a whole number from 1 to ${MAX_RESULTS}`)
  }
  return value
}

/** Checks a search's `minScore`: a finite number, when given. */
export function validateMinScore(minScore: unknown): number | undefined {
  if (minScore === undefined) return undefined
  if (typeof minScore !== 'number' || !Number.isFinite(minScore)) {
    throw new InvalidArgumentError('expected minScore to be a finite number')
  }
  return minScore
}

/** Checks the ids of a `getByIds` call: an array of at most {@link MAX_RESULTS} valid ids. */
export function validateIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.length > MAX_RESULTS) {
    throw new InvalidArgumentError(`expected ids to be an array of at most ${MAX_RESULTS} ids`)
  }
  // Array.from visits holes too, so a sparse array is refused like any missing id.
  return Array.from(ids as unknown[], (id) => validateId(id))
}

/** Longest embedding model name accepted. */
export const MAX_MODEL_LENGTH = 256

/** Checks an optional embedding model name: 1-256 characters, no NUL nor unpaired surrogates. */
export function validateModel(model: unknown): string | undefined {
  if (model === undefined) return undefined
  if (
    typeof model !== 'string' ||
    model.length === 0 ||
    model.length > MAX_MODEL_LENGTH ||
    !isStorableString(model)
  ) {
    throw new InvalidArgumentError(
      `expected model to be a name of 1 to ${MAX_MODEL_LENGTH} characters`,
    )
  }
  return model
}

/** Checks an optional dimension option. */
export function validateDimensions(dim: unknown): number | undefined {
  if (dim === undefined) return undefined
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > MAX_DIMENSIONS) {
    throw new InvalidArgumentError(`expected dim to be a whole number from 1 to ${MAX_DIMENSIONS}`)
  }
  return dim
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

// Postgres text and jsonb cannot hold NUL, and unpaired surrogates are not valid UTF-8.
function isStorableString(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed()
}

/** Compares ids by Unicode code point (the order of UTF-8 bytes and of Postgres `COLLATE "C"`). */
export function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    // Surrogates (astral code points) sort after U+E000..U+FFFF in code point order.
    if (x >= 0xd800) x += x < 0xe000 ? 0x2000 : -0x800
    if (y >= 0xd800) y += y < 0xe000 ? 0x2000 : -0x800
    return x - y
  }
  return a.length - b.length
}
