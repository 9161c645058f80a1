import { InvalidFilterError } from '../core/errors.js'
import { parseFilter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import type { ChromaMetadata } from './chroma-api.js'

/**
 * How a payload is stored as Chroma metadata.
 *
 * - Each top-level key `k` that a filter can name (see `parseFilter`) is
 *   stored under its own name ({@link storedKey}: escaped when the server
 *   reserves it): its value when it is a string, number or boolean,
 *   {@link NULL_VALUE} for null, {@link DEAD} for an array or object.
 * - `@k` is `true` while the payload has `k` ({@link presenceKey}), and
 *   `@k#f` is `true` when `k` holds a number the server stores as a double
 *   ({@link floatKey}).
 * - `@:payload` holds the whole payload as JSON when the metadata cannot
 *   rebuild it exactly (arrays, objects, keys filters cannot name).
 *
 * Chroma compares metadata typed (`true` ≠ `1`, `'1'` ≠ `1`) but cannot test
 * presence, and its `$ne`/`$nin` match missing keys; the marks supply
 * presence and the int/float split server 1.0 needs (see `where.ts`). They
 * are booleans because a boolean key costs the server almost nothing, while
 * each extra string or number key made a 1000×384 upsert about 7% slower
 * (measured on 1.0.0). Filter keys never start with `@` nor hold `#`, so the
 * marks and `@:` keys cannot collide with them.
 */
export const PAYLOAD_KEY = '@:payload'

/**
 * The value stored under a key whose value is an array or object, or that a
 * newer version of the entry dropped. It holds NUL, which no payload string
 * can (validatePayload refuses it), so no filter operand of a payload value
 * ever equals it.
 */
export const DEAD = '\u0000'

/** The value stored for null (NUL again: no payload string equals it). */
export const NULL_VALUE = '\u0000null'

const ESCAPE = '@:'

/**
 * The metadata key a payload key's value is stored under. Server 1.0.0 never
 * returns keys starting with `chroma:` (its own namespace) and drops a key
 * named `__proto__` (a filter on it finds nothing), so those two kinds of key
 * are stored as `@:` + key: written, read back and filtered like any other.
 * No other stored key starts with `@:` but {@link PAYLOAD_KEY}, which is
 * neither.
 */
export function storedKey(key: string): string {
  return isReservedKey(key) ? `${ESCAPE}${key}` : key
}

function isReservedKey(key: string): boolean {
  return key === '__proto__' || key.startsWith('chroma:')
}

// The payload key stored under an escaped metadata key, if it is one.
function unescapedKey(stored: string): string | undefined {
  const key = stored.slice(ESCAPE.length)
  return stored.startsWith(ESCAPE) && isReservedKey(key) ? key : undefined
}

/** The presence mark of a payload key: `true` while present, `false` once dropped. */
export function presenceKey(key: string): string {
  return `@${key}`
}

/** The mark of a payload key holding a number the server stores as a double. */
export function floatKey(key: string): string {
  return `@${key}#f`
}

/**
 * How the server parses a number from the JSON the client sends: as an
 * integer (i64 or, above i64, u64) when JSON prints it as an integer literal
 * that fits, else as a double. JSON prints the shortest round-trip decimal,
 * so 2**62 goes out as 4611686018427388000: the text decides, not the value.
 * The mapping keeps order and equality, so comparisons stay exact.
 */
export function serverNumberKind(value: number): 'int' | 'u64' | 'float' {
  if (!Number.isInteger(value)) return 'float'
  if (Math.abs(value) <= Number.MAX_SAFE_INTEGER) return 'int'
  const text = JSON.stringify(value)
  if (text.includes('e')) return 'float'
  const integer = BigInt(text)
  if (integer >= I64_MIN && integer <= I64_MAX) return 'int'
  return integer > I64_MAX && integer <= U64_MAX ? 'u64' : 'float'
}

/** True when the server stores this number as a 64-bit integer. */
export function isServerInt(value: number): boolean {
  return serverNumberKind(value) === 'int'
}

const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
const U64_MAX = 2n ** 64n - 1n

const filterableCache = new Map<string, boolean>()

/** True when a filter may name this key: only those are stored for filtering. */
export function isFilterableKey(key: string): boolean {
  let known = filterableCache.get(key)
  if (known === undefined) {
    known = checkFilterable(key)
    if (filterableCache.size < 10_000) filterableCache.set(key, known)
  }
  return known
}

// The filter parser is the one authority on which keys filters can name.
function checkFilterable(key: string): boolean {
  if (key.startsWith('$')) return false
  try {
    parseFilter({ [key]: { $exists: true } })
    return true
  } catch (error) {
    if (error instanceof InvalidFilterError) return false
    throw error
  }
}

/** The metadata of a (validated) payload. */
export function toMetadata(payload: Payload): ChromaMetadata {
  // No prototype: a payload key named __proto__ is stored like any other.
  const metadata: ChromaMetadata = Object.create(null) as ChromaMetadata
  let rebuildable = true
  let keys = 0
  for (const [key, value] of Object.entries(payload)) {
    if (!isFilterableKey(key)) {
      rebuildable = false
      continue
    }
    keys++
    metadata[presenceKey(key)] = true
    const stored = storedKey(key)
    if (value === null) {
      metadata[stored] = NULL_VALUE
    } else if (typeof value === 'object') {
      metadata[stored] = DEAD
      rebuildable = false
    } else {
      metadata[stored] = value
      if (typeof value === 'number' && !isServerInt(value)) metadata[floatKey(key)] = true
    }
  }
  // Chroma refuses empty metadata: an empty payload is stored as JSON too.
  if (!rebuildable || keys === 0) metadata[PAYLOAD_KEY] = JSON.stringify(payload)
  return metadata
}

/**
 * Marks the keys an entry's previous metadata has and the new one lacks:
 * Chroma's upsert keeps them otherwise, and filters would still see them.
 */
export function markGoneKeys(next: ChromaMetadata, previous: Record<string, unknown>): void {
  for (const key of Object.keys(previous)) {
    if (Object.hasOwn(next, key)) continue
    next[key] = key.startsWith('@') && !key.startsWith('@:') ? false : DEAD
  }
}

/**
 * The payload of a record: its `@:payload` JSON, or else its values (keys
 * without `@` and escaped keys, values not {@link DEAD}, {@link NULL_VALUE}
 * as null), which is also how entries written by other tools read.
 */
export function fromMetadata(metadata: Record<string, unknown> | null | undefined): Payload {
  if (!metadata) return {}
  const json = metadata[PAYLOAD_KEY]
  if (typeof json === 'string' && json !== DEAD) return JSON.parse(json) as Payload
  const payload: Payload = {}
  for (const [name, stored] of Object.entries(metadata)) {
    const key = name.startsWith('@') ? unescapedKey(name) : name
    if (key === undefined || stored === DEAD || stored === null || stored === undefined) continue
    if (typeof stored === 'string' || typeof stored === 'number' || typeof stored === 'boolean') {
      Object.defineProperty(payload, key, {
        value: stored === NULL_VALUE ? null : stored,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  return payload
}
