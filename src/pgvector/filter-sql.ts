import { type SQL, sql } from 'drizzle-orm'
import type { ComparisonOperator, FilterNode, FilterScalar } from '../core/filter.js'
import { type AppColumn, columnCompare, columnExists, columnIn } from './app-columns.js'
import { identifier } from './sql.js'

const PAYLOAD = identifier('payload')
const RANGE_SQL: Readonly<Record<Exclude<ComparisonOperator, 'eq' | 'ne'>, SQL>> = {
  gt: sql.raw('>'),
  gte: sql.raw('>='),
  lt: sql.raw('<'),
  lte: sql.raw('<='),
}

/**
 * Compiles a parsed filter to a SQL condition on the `payload` jsonb column,
 * with exactly the meaning of the reference evaluator `matchesFilter`:
 *
 * - equality is jsonb containment, `payload @> {"key": value}`: JSON-typed
 *   (`"1"` ≠ `1`, `true` ≠ `1`, `1` = `1.0`), an array never equals a scalar,
 *   a missing key never matches, and the payload's GIN index serves it
 *   (equalities under one AND are merged into one containment);
 * - `$in` is containment of any of the candidate objects (GIN-usable too);
 * - `$ne` / `$nin` require the key to be present (`payload ? key`);
 * - range operators match numbers only: `jsonb_typeof` is checked inside a
 *   CASE, so a string value is never cast (CASE fixes the evaluation order);
 * - `$exists` is key presence.
 *
 * Keys that are app columns compile to the column instead (see `columnCompare`).
 * Keys and values are always bound parameters; nothing from the filter is
 * spliced into the SQL text.
 */
export function compileFilter(node: FilterNode, columns: AppColumns = NO_COLUMNS): SQL {
  const column = 'key' in node ? columns.get(node.key) : undefined
  switch (node.kind) {
    case 'and':
      return compileAnd(node.children, columns)
    case 'or':
      return sql`(${sql.join(
        node.children.map((child) => compileFilter(child, columns)),
        sql` OR `,
      )})`
    case 'exists':
      if (column) return columnExists(column, node.exists)
      return node.exists ? hasKey(node.key) : sql`NOT ${hasKey(node.key)}`
    case 'in':
      if (column) return columnIn(column, node.values, node.negated)
      return compileIn(node.key, node.values, node.negated)
    case 'compare':
      if (column) return columnCompare(column, node.op, node.value)
      return compileCompare(node.key, node.op, node.value)
  }
}

/** The app columns of a table by payload key (see app-columns.ts): filters on them use the column. */
export type AppColumns = ReadonlyMap<string, AppColumn>

const NO_COLUMNS: AppColumns = new Map()

function compileAnd(children: readonly FilterNode[], columns: AppColumns): SQL {
  if (children.length === 0) return sql`TRUE`
  // Equalities on distinct keys become one containment object: one GIN lookup.
  // No prototype: a key named __proto__ is merged as a plain key.
  const merged: Record<string, FilterScalar> = Object.create(null) as Record<string, FilterScalar>
  const rest: SQL[] = []
  for (const child of children) {
    const payloadKey = child.kind === 'compare' && !columns.has(child.key)
    if (payloadKey && child.op === 'eq' && !Object.hasOwn(merged, child.key)) {
      merged[child.key] = child.value
    } else {
      rest.push(compileFilter(child, columns))
    }
  }
  const parts = Object.keys(merged).length > 0 ? [contains(merged), ...rest] : rest
  return parts.length === 1 ? (parts[0] as SQL) : sql`(${sql.join(parts, sql` AND `)})`
}

function compileCompare(key: string, op: ComparisonOperator, value: FilterScalar): SQL {
  if (op === 'eq') return contains({ [key]: value })
  if (op === 'ne') return sql`(${hasKey(key)} AND NOT ${contains({ [key]: value })})`
  return sql`(CASE WHEN jsonb_typeof(${field(key)}) = 'number' THEN (${field(key)})::numeric ${RANGE_SQL[op]} ${String(value)}::numeric ELSE FALSE END)`
}

function compileIn(key: string, values: readonly FilterScalar[], negated: boolean): SQL {
  if (values.length === 0) return negated ? hasKey(key) : sql`FALSE`
  const candidates = JSON.stringify(values.map((value) => ({ [key]: value })))
  const anyOf = sql`${PAYLOAD} @> ANY (ARRAY(SELECT jsonb_array_elements(${candidates}::jsonb)))`
  return negated ? sql`(${hasKey(key)} AND NOT ${anyOf})` : anyOf
}

function contains(object: Record<string, FilterScalar>): SQL {
  return sql`${PAYLOAD} @> ${JSON.stringify(object)}::jsonb`
}

function hasKey(key: string): SQL {
  return sql`(${PAYLOAD} ? ${key}::text)`
}

function field(key: string): SQL {
  return sql`${PAYLOAD} -> ${key}::text`
}
