import { UnsupportedFilterError } from '../core/errors.js'
import type { ComparisonOperator, FilterNode, FilterScalar } from '../core/filter.js'
import type { ChromaWhere } from './chroma-api.js'
import {
  floatKey,
  isServerInt,
  NULL_VALUE,
  presenceKey,
  serverNumberKind,
  storedKey,
} from './payload-mapping.js'

/**
 * A filter compiled to Chroma: every entry (`all`), no entry (`none`, so no
 * request is needed), or a `where` clause.
 */
export type CompiledFilter =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'where'; readonly where: ChromaWhere }

const ALL = Symbol('all')
const NONE = Symbol('none')
type Clause = ChromaWhere | typeof ALL | typeof NONE

/**
 * Compiles a parsed filter to a Chroma `where` with exactly the semantics of
 * the reference evaluator `matchesFilter`, over metadata written by
 * `payload-mapping.ts`. Measured on server 1.0.0, and handled here:
 * - `$ne`/`$nin` also match missing keys: they are ANDed with presence (`@k: true`);
 * - a fractional operand is truncated when compared with integer values
 *   (`{n: 1.5}` matches 1): fractional comparisons are split by the float mark `@k#f`;
 * - `$in`/`$nin` lists must be non-empty and of one type: they are split by type;
 * - `$and`/`$or` need two or more clauses, and two keys at one level are an error.
 * An integral operand from 2^63 to 2^64 is refused by the server as a where
 * operand: such filters throw {@link UnsupportedFilterError}.
 */
export function compileFilter(node: FilterNode): CompiledFilter {
  const clause = compileNode(node)
  if (clause === ALL) return { kind: 'all' }
  if (clause === NONE) return { kind: 'none' }
  return { kind: 'where', where: clause }
}

function compileNode(node: FilterNode): Clause {
  switch (node.kind) {
    case 'and':
      return and(node.children.map(compileNode))
    case 'or':
      return or(node.children.map(compileNode))
    case 'exists':
      return node.exists ? present(node.key) : absent(node.key)
    case 'in':
      return node.negated ? notIn(node.key, node.values) : isIn(node.key, node.values)
    case 'compare':
      if (node.op === 'eq') return equals(node.key, node.value)
      if (node.op === 'ne') return notEquals(node.key, node.value)
      return range(node.key, node.op, node.value as number)
  }
}

function and(clauses: readonly Clause[]): Clause {
  if (clauses.includes(NONE)) return NONE
  const kept = clauses.filter((clause): clause is ChromaWhere => clause !== ALL)
  if (kept.length === 0) return ALL
  return kept.length === 1 ? (kept[0] as ChromaWhere) : { $and: kept }
}

function or(clauses: readonly Clause[]): Clause {
  if (clauses.includes(ALL)) return ALL
  const kept = clauses.filter((clause): clause is ChromaWhere => clause !== NONE)
  if (kept.length === 0) return NONE
  return kept.length === 1 ? (kept[0] as ChromaWhere) : { $or: kept }
}

// One condition on the metadata key that holds `key` (marks are never escaped: see storedKey).
const op = (
  key: string,
  operator: '$eq' | '$ne' | '$gt' | '$gte' | '$lt' | '$lte' | '$in' | '$nin',
  operand: string | number | boolean | readonly (string | number | boolean)[],
): ChromaWhere => ({ [storedKey(key)]: { [operator]: operand } }) as ChromaWhere
const present = (key: string) => op(presenceKey(key), '$eq', true)
// $ne also matches a missing mark: absent keys and dropped ones (marked false).
const absent = (key: string) => op(presenceKey(key), '$ne', true)
const isNull = (key: string) => op(key, '$eq', NULL_VALUE)
const notNull = (key: string) => and([present(key), op(key, '$ne', NULL_VALUE)])
const isFloat = (key: string) => op(floatKey(key), '$eq', true)
const notFloat = (key: string) => op(floatKey(key), '$ne', true)

function equals(key: string, value: FilterScalar): Clause {
  if (value === null) return isNull(key)
  if (typeof value === 'string' && value.includes('\u0000')) return NONE
  if (typeof value !== 'number' || isServerInt(checkOperand(key, value))) {
    return op(key, '$eq', value)
  }
  return and([op(key, '$eq', value), isFloat(key)])
}

function notEquals(key: string, value: FilterScalar): Clause {
  if (value === null) return notNull(key)
  if (typeof value === 'string' && value.includes('\u0000')) return present(key)
  if (typeof value !== 'number' || isServerInt(checkOperand(key, value))) {
    return and([present(key), op(key, '$ne', value)])
  }
  return and([present(key), or([notFloat(key), op(key, '$ne', value)])])
}

const RANGE_OPERATORS = { gt: '$gt', gte: '$gte', lt: '$lt', lte: '$lte' } as const

function range(key: string, comparison: ComparisonOperator, value: number): Clause {
  const operator = RANGE_OPERATORS[comparison as keyof typeof RANGE_OPERATORS]
  if (isServerInt(checkOperand(key, value))) return op(key, operator, value)
  const floats = and([op(key, operator, value), isFloat(key)])
  return or([floats, intsInRange(key, comparison, value)])
}

// Integer operands compare exactly with integers and doubles alike.
const isNumber = (key: string) => or([op(key, '$gte', 0), op(key, '$lt', 0)])

// Integers compared with a fractional (or out-of-i64) operand, rewritten with an integer operand.
function intsInRange(key: string, comparison: ComparisonOperator, value: number): Clause {
  const above = comparison === 'gt' || comparison === 'gte'
  if (Number.isInteger(value)) {
    // Beyond i64 (2^63 and up, or below -2^63): every stored integer is on one side of it.
    return above === value < 0 ? and([isNumber(key), notFloat(key)]) : NONE
  }
  const floor = Math.floor(value)
  return and([op(key, above ? '$gt' : '$lte', floor), notFloat(key)])
}

interface ByType {
  strings: string[]
  booleans: boolean[]
  ints: number[]
  floats: number[]
  hasNull: boolean
}

function splitByType(key: string, values: readonly FilterScalar[]): ByType {
  const split: ByType = { strings: [], booleans: [], ints: [], floats: [], hasNull: false }
  for (const value of new Set(values)) {
    if (value === null) split.hasNull = true
    else if (typeof value === 'boolean') split.booleans.push(value)
    // A string with NUL equals no stored value (and would equal DEAD): leave it out.
    else if (typeof value === 'string') {
      if (!value.includes('\u0000')) split.strings.push(value)
    } else if (isServerInt(checkOperand(key, value))) split.ints.push(value)
    else split.floats.push(value)
  }
  return split
}

function isIn(key: string, values: readonly FilterScalar[]): Clause {
  const { strings, booleans, ints, floats, hasNull } = splitByType(key, values)
  return or([
    strings.length > 0 ? op(key, '$in', strings) : NONE,
    booleans.length > 0 ? op(key, '$in', booleans) : NONE,
    ints.length > 0 ? op(key, '$in', ints) : NONE,
    floats.length > 0 ? and([op(key, '$in', floats), isFloat(key)]) : NONE,
    hasNull ? isNull(key) : NONE,
  ])
}

function notIn(key: string, values: readonly FilterScalar[]): Clause {
  const { strings, booleans, ints, floats, hasNull } = splitByType(key, values)
  return and([
    hasNull ? notNull(key) : present(key),
    strings.length > 0 ? op(key, '$nin', strings) : ALL,
    booleans.length > 0 ? op(key, '$nin', booleans) : ALL,
    ints.length > 0 ? op(key, '$nin', ints) : ALL,
    floats.length > 0 ? or([notFloat(key), op(key, '$nin', floats)]) : ALL,
  ])
}

// The server parses an integer literal from 2^63 to 2^64 as u64 and rejects it in a where.
function checkOperand(key: string, value: number): number {
  if (serverNumberKind(value) === 'u64') {
    throw new UnsupportedFilterError(
      `Chroma cannot compare '${key}' with ${value}: integral operands from 2^63 to 2^64 are not supported`,
    )
  }
  return value
}
