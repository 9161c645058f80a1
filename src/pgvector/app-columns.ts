import { getTableColumns, type SQL, sql } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'
import { InvalidPayloadError } from '../core/errors.js'
import type { ComparisonOperator, FilterScalar } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import { identifier } from './sql.js'

/** What kind of JSON value an app column holds, as a payload key. */
export type AppColumnKind = 'string' | 'uuid' | 'integer' | 'number' | 'boolean'

/**
 * A column of your own on a vector table that the backend maps to a payload
 * key: the key (the column's property in your Drizzle table) is stored in the
 * column, read back into the payload, and filters on it compile to the column.
 */
export interface AppColumn {
  readonly key: string
  /** The column's SQL name. */
  readonly name: string
  /** Its SQL type, as Drizzle declares it (`text`, `integer`, `uuid`, ...). */
  readonly sqlType: string
  readonly kind: AppColumnKind
}

// vecstore's own columns: never app columns.
const OWN_COLUMNS = new Set(['id', 'embedding', 'payload', 'created_at', 'updated_at'])
const INTEGER_RANGE: Readonly<Record<string, number>> = {
  smallint: 2 ** 15,
  integer: 2 ** 31,
  bigint: 2 ** 53,
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The columns of a Drizzle table beyond vecstore's own that hold one JSON
 * scalar: text-like, uuid, integer, floating point and boolean columns. Others
 * (timestamps, jsonb, arrays, ...) are left alone: never written, read or filtered.
 */
export function appColumnsOf(table: PgTable): AppColumn[] {
  const columns: AppColumn[] = []
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    if (OWN_COLUMNS.has(column.name)) continue
    const sqlType = column.getSQLType()
    const kind = kindOf(sqlType)
    if (kind !== undefined) columns.push({ key, name: column.name, sqlType, kind })
  }
  return columns
}

function kindOf(sqlType: string): AppColumnKind | undefined {
  if (/^(text|varchar|character varying|char|character)\b/.test(sqlType)) return 'string'
  if (sqlType === 'uuid') return 'uuid'
  if (sqlType in INTEGER_RANGE) return 'integer'
  if (sqlType === 'real' || sqlType === 'double precision') return 'number'
  if (sqlType === 'boolean') return 'boolean'
  return undefined
}

/** Refuses a payload value its column cannot hold, before anything is written. */
export function checkAppColumnValues(columns: readonly AppColumn[], payload: Payload): void {
  for (const column of columns) {
    if (!Object.hasOwn(payload, column.key)) continue
    const value = payload[column.key]
    if (!fits(column, value)) {
      throw new InvalidPayloadError(
        `payload key '${column.key}' is stored in the column "${column.name}" (${column.sqlType}): expected ${expected(column)}`,
      )
    }
  }
}

function fits(column: AppColumn, value: unknown): boolean {
  switch (column.kind) {
    case 'string':
      return typeof value === 'string'
    case 'uuid':
      return typeof value === 'string' && UUID.test(value)
    case 'integer': {
      const bound = INTEGER_RANGE[column.sqlType] as number
      return Number.isInteger(value) && Math.abs(value as number) < bound
    }
    case 'number':
      return typeof value === 'number'
    case 'boolean':
      return typeof value === 'boolean'
  }
}

function expected(column: AppColumn): string {
  const what = {
    string: 'a string',
    uuid: 'a UUID string',
    integer: `a whole number within ${column.sqlType} range`,
    number: 'a number',
    boolean: 'true or false',
  }[column.kind]
  return `${what} (omit the key for no value)`
}

/** The select item of a row's full payload: the jsonb column with the app columns' values merged in. */
export function payloadExpression(columns: readonly AppColumn[]): SQL {
  const payload = identifier('payload')
  if (columns.length === 0) return payload
  const pairs = columns.map((column) => sql`${column.key}::text, ${identifier(column.name)}`)
  // A NULL column is an absent key.
  return sql`(${payload} || jsonb_strip_nulls(jsonb_build_object(${sql.join(pairs, sql`, `)}))) AS ${payload}`
}

/** For an upsert from rows with the full payload: the stored payload and each app column's value. */
export function splitPayload(columns: readonly AppColumn[], payload: SQL): SQL[] {
  const rest = columns.reduce((expr, column) => sql`(${expr} - ${column.key}::text)`, payload)
  return [
    rest,
    ...columns.map(
      (column) => sql`(${payload} ->> ${column.key}::text)::${sql.raw(column.sqlType)}`,
    ),
  ]
}

const RANGE_SQL: Readonly<Record<Exclude<ComparisonOperator, 'eq' | 'ne'>, SQL>> = {
  gt: sql.raw('>'),
  gte: sql.raw('>='),
  lt: sql.raw('<'),
  lte: sql.raw('<='),
}

/**
 * A comparison on an app column with the meaning of the reference evaluator:
 * JSON-typed equality (a value of another type never matches), a NULL column
 * is a missing key (it never matches a comparison, `$ne` included), and range
 * operators match numbers only. The column's own index serves it.
 */
export function columnCompare(column: AppColumn, op: ComparisonOperator, value: FilterScalar): SQL {
  const col = identifier(column.name)
  const present = sql`${col} IS NOT NULL`
  if (op === 'eq') return fits(column, value) ? sql`${col} = ${value}` : sql`FALSE`
  if (op === 'ne') return fits(column, value) ? sql`(${col} <> ${value})` : present
  const numeric = column.kind === 'integer' || column.kind === 'number'
  return numeric ? sql`(${col} ${RANGE_SQL[op]} ${value})` : sql`FALSE`
}

/** `$in` / `$nin` on an app column (values of another type never match). */
export function columnIn(
  column: AppColumn,
  values: readonly FilterScalar[],
  negated: boolean,
): SQL {
  const col = identifier(column.name)
  const matching = values.filter((value) => fits(column, value))
  if (matching.length === 0) return negated ? sql`${col} IS NOT NULL` : sql`FALSE`
  const list = sql`${col} IN (${sql.join(
    matching.map((value) => sql`${value}`),
    sql`, `,
  )})`
  return negated ? sql`(${col} IS NOT NULL AND NOT ${list})` : list
}

/** `$exists` on an app column. */
export function columnExists(column: AppColumn, exists: boolean): SQL {
  return exists
    ? sql`${identifier(column.name)} IS NOT NULL`
    : sql`${identifier(column.name)} IS NULL`
}
