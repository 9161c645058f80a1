import { InvalidFilterError } from './errors.js'
import type { JsonValue, Payload } from './json.js'
import { isPlainObject } from './validate.js'

/** A value a filter compares against: JSON scalars only. */
export type FilterScalar = string | number | boolean | null

/** The range operators: they take finite numbers and match only numeric values. */
export interface RangeOperators {
  /** A number greater than the value. */
  $gt?: number
  /** A number greater than or equal to the value. */
  $gte?: number
  /** A number less than the value. */
  $lt?: number
  /** A number less than or equal to the value. */
  $lte?: number
}

/**
 * Per-key operators, for a key whose values are `V`. Range operators are
 * offered where `V` can be a number.
 */
export type FieldOperators<V extends FilterScalar = FilterScalar> = {
  /** Equal to the value (JSON-typed: `'1'` is not `1`). */
  $eq?: V
  /** Present and not equal to the value. */
  $ne?: V
  /** Equal to one of the values. */
  $in?: readonly V[]
  /** Present and equal to none of the values. */
  $nin?: readonly V[]
  /** Whether the key is present (true) or absent (false). */
  $exists?: boolean
} & ([Extract<V, number>] extends [never] ? unknown : RangeOperators)

// The scalars a payload field can be compared with: an array or object value never equals one.
type ScalarOf<V> = Extract<Exclude<V, undefined>, FilterScalar>

/** What a filter may say about one key whose values are `V`: a value it equals, or operators. */
export type FieldCondition<V> = ScalarOf<V> | FieldOperators<ScalarOf<V>>

/**
 * A filter over top-level payload keys. `{ a: 1, b: 'x' }` means every key
 * equals its value (the spec's flat form); a key may instead hold
 * {@link FieldOperators}; `$and` / `$or` combine filters at any level.
 * A missing key never matches a comparison (`$ne` and `$nin` included);
 * `$exists` tests presence. Equality is JSON-typed: `'1'` ≠ `1`, `true` ≠ `1`.
 *
 * Typed by the payload (`Filter<Chunk>`), keys and values are checked at
 * compile time; a filter whose keys are only known at run time is written as
 * a plain `Filter` and cast (`filter as Filter<Chunk>`).
 */
export type Filter<P extends object = Payload> = string extends keyof P ? AnyFilter : TypedFilter<P>

/** A filter over any keys: the {@link Filter} of a `Payload`. */
export interface AnyFilter {
  /** Every filter matches. */
  $and?: readonly AnyFilter[]
  /** At least one filter matches. */
  $or?: readonly AnyFilter[]
  [key: string]: FilterScalar | FieldOperators | readonly AnyFilter[] | undefined
}

/** A filter over the keys of a payload type `P`, with their value types. */
export type TypedFilter<P extends object> = {
  /** Every filter matches. */
  $and?: readonly Filter<P>[]
  /** At least one filter matches. */
  $or?: readonly Filter<P>[]
} & { [K in keyof P & string]?: FieldCondition<P[K]> }

/** Comparison operators, as the normalized filter names them. */
export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte'

/** A filter parsed, validated and normalized: what backends compile. */
export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly children: readonly FilterNode[] }
  | {
      readonly kind: 'compare'
      readonly key: string
      readonly op: ComparisonOperator
      readonly value: FilterScalar
    }
  | {
      readonly kind: 'in'
      readonly key: string
      readonly values: readonly FilterScalar[]
      readonly negated: boolean
    }
  | { readonly kind: 'exists'; readonly key: string; readonly exists: boolean }

/** Longest filterable key, in UTF-16 code units. */
export const MAX_FILTER_KEY_LENGTH = 128
/** Deepest `$and`/`$or` nesting accepted. */
export const MAX_FILTER_DEPTH = 16

// Letters, digits and a few separators: keys stay safe to name in any engine's query language.
const FILTER_KEY_PATTERN = /^[\p{L}\p{N}_][\p{L}\p{N}_.:@/-]*$/u

const RANGE_OPS = { $gt: 'gt', $gte: 'gte', $lt: 'lt', $lte: 'lte' } as const
const OPERATOR_NAMES = ['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists']

/** Parses and validates a filter; throws {@link InvalidFilterError} on anything malformed. */
export function parseFilter(filter: unknown): FilterNode {
  return parseLevel(filter, 0)
}

/** True when the filter has no condition at all (matches every entry). */
export function isEmptyFilter(node: FilterNode): boolean {
  return node.kind === 'and' && node.children.length === 0
}

function parseLevel(filter: unknown, depth: number): FilterNode {
  if (depth > MAX_FILTER_DEPTH) {
    throw new InvalidFilterError(`filter nests deeper than ${MAX_FILTER_DEPTH} levels`)
  }
  if (!isPlainObject(filter)) throw new InvalidFilterError('expected a filter object')
  const children: FilterNode[] = []
  for (const [key, condition] of Object.entries(filter)) {
    if (condition === undefined) continue
    if (key === '$and' || key === '$or') {
      children.push(parseCombinator(key, condition, depth))
    } else {
      checkKey(key)
      children.push(...parseCondition(key, condition))
    }
  }
  return children.length === 1 ? (children[0] as FilterNode) : { kind: 'and', children }
}

function parseCombinator(name: '$and' | '$or', operands: unknown, depth: number): FilterNode {
  if (!Array.isArray(operands) || operands.length === 0) {
    throw new InvalidFilterError(`${name} expects a non-empty array of filters`)
  }
  const children = operands.map((operand) => parseLevel(operand, depth + 1))
  // An empty operand would make `$and: [{}]` match everything and slip past deleteWhere's guard.
  if (children.some(isEmptyFilter))
    throw new InvalidFilterError(`${name} operands must not be empty filters`)
  return { kind: name === '$and' ? 'and' : 'or', children }
}

function parseCondition(key: string, condition: unknown): FilterNode[] {
  if (!isPlainObject(condition)) {
    return [{ kind: 'compare', key, op: 'eq', value: checkScalar(key, '$eq', condition) }]
  }
  const nodes: FilterNode[] = []
  for (const [op, operand] of Object.entries(condition)) {
    if (operand === undefined) continue
    nodes.push(parseOperator(key, op, operand))
  }
  if (nodes.length === 0) throw new InvalidFilterError(`key '${key}' has an empty operator object`)
  return nodes
}

function parseOperator(key: string, op: string, operand: unknown): FilterNode {
  switch (op) {
    case '$eq':
    case '$ne':
      return {
        kind: 'compare',
        key,
        op: op === '$eq' ? 'eq' : 'ne',
        value: checkScalar(key, op, operand),
      }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      if (typeof operand !== 'number' || !Number.isFinite(operand)) {
        throw new InvalidFilterError(`${op} on '${key}' expects a finite number`)
      }
      return { kind: 'compare', key, op: RANGE_OPS[op], value: operand }
    case '$in':
    case '$nin':
      if (!Array.isArray(operand))
        throw new InvalidFilterError(`${op} on '${key}' expects an array`)
      return {
        kind: 'in',
        key,
        values: operand.map((value) => checkScalar(key, op, value)),
        negated: op === '$nin',
      }
    case '$exists':
      if (typeof operand !== 'boolean') {
        throw new InvalidFilterError(`$exists on '${key}' expects true or false`)
      }
      return { kind: 'exists', key, exists: operand }
    default:
      throw new InvalidFilterError(
        `unknown operator '${op.slice(0, 32)}' on '${key}': expected one of ${OPERATOR_NAMES.join(' ')}`,
      )
  }
}

function checkKey(key: string): void {
  if (key.length > MAX_FILTER_KEY_LENGTH || !FILTER_KEY_PATTERN.test(key)) {
    throw new InvalidFilterError(
      `invalid filter key ${JSON.stringify(key.slice(0, 40))}: expected 1-${MAX_FILTER_KEY_LENGTH} letters, digits or _ . : @ / - (not starting with a separator)`,
    )
  }
}

function checkScalar(key: string, op: string, value: unknown): FilterScalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
  if (typeof value === 'number' && Number.isFinite(value)) return value
  throw new InvalidFilterError(`${op} on '${key}' expects a string, finite number, boolean or null`)
}

/** The reference evaluator: does a payload match a parsed filter? Every backend must agree with it. */
export function matchesFilter(node: FilterNode, payload: Payload): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => matchesFilter(child, payload))
    case 'or':
      return node.children.some((child) => matchesFilter(child, payload))
    case 'exists':
      return Object.hasOwn(payload, node.key) === node.exists
    case 'in': {
      if (!Object.hasOwn(payload, node.key)) return false
      const value = payload[node.key] as JsonValue
      return node.values.some((candidate) => candidate === value) !== node.negated
    }
    case 'compare':
      if (!Object.hasOwn(payload, node.key)) return false
      return compare(node.op, payload[node.key] as JsonValue, node.value)
  }
}

function compare(op: ComparisonOperator, value: JsonValue, operand: FilterScalar): boolean {
  switch (op) {
    case 'eq':
      return value === operand
    case 'ne':
      return value !== operand
    default:
      // Range operators match numbers only: no cross-type or string ordering, which engines disagree on.
      if (typeof value !== 'number' || typeof operand !== 'number') return false
      if (op === 'gt') return value > operand
      if (op === 'gte') return value >= operand
      if (op === 'lt') return value < operand
      return value <= operand
  }
}

const OPERATOR_OF = {
  eq: '$eq',
  ne: '$ne',
  gt: '$gt',
  gte: '$gte',
  lt: '$lt',
  lte: '$lte',
} as const

/** A parsed filter written back as a {@link Filter} (operators spelled out): `parseFilter` reads it back to the same node. */
export function filterOf(node: FilterNode): Filter {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.length === 0 ? {} : { [`$${node.kind}`]: node.children.map(filterOf) }
    case 'compare':
      return { [node.key]: { [OPERATOR_OF[node.op]]: node.value } }
    case 'in':
      return { [node.key]: { [node.negated ? '$nin' : '$in']: node.values } }
    case 'exists':
      return { [node.key]: { $exists: node.exists } }
  }
}
