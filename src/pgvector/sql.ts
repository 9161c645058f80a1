import { type SQL, sql } from 'drizzle-orm'
import { quoteIdentifier } from '../internal/identifiers.js'
import type { DistanceMetric } from '../core/metric.js'
import { type AppColumn, splitPayload } from './app-columns.js'
import type { TableSpec, VectorType } from './table-spec.js'
import { METRIC_SQL } from './vector-table.js'

/** What the query builders need to know about the table. */
export interface QueryTarget {
  /** The quoted, schema-qualified table name. */
  readonly table: SQL
  /** The table's schema, if given (indexes live in it too). */
  readonly schema: string | undefined
  readonly metric: DistanceMetric
  readonly vectorType: VectorType
  /** Whether upserts also set `updated_at`. */
  readonly hasUpdatedAt: boolean
  /** The app's own columns that hold payload keys (see `app-columns.ts`); usually none. */
  readonly columns: readonly AppColumn[]
  /** The select item of a row's full payload: the jsonb column, with the app columns merged in. */
  readonly payload: SQL
  /** The vector index is binary-quantized to this many bits: searches re-rank its candidates. */
  readonly quantizedBits?: number
}

/** One row to write: the vector as a pgvector literal, the payload as JSON text. */
export interface RowText {
  readonly id: string
  readonly vector: string
  readonly payload: string
}

/** Columns per row in an upsert: id, embedding, payload. */
export const PARAMS_PER_ROW = 3

/** A quoted, possibly schema-qualified identifier as SQL (names are validated before). */
export function identifier(...parts: readonly (string | undefined)[]): SQL {
  return sql.raw(quoteIdentifier(...parts))
}

/** The quoted, schema-qualified name of a table. */
export function tableName(spec: Pick<TableSpec, 'name' | 'schema'>): SQL {
  return identifier(spec.schema, spec.name)
}

/** The same name as text, for `to_regclass()` and catalog lookups (bound, never spliced). */
export function regclassText(spec: Pick<TableSpec, 'name' | 'schema'>): string {
  return quoteIdentifier(spec.schema, spec.name)
}

function vectorParam(target: QueryTarget, literal: string): SQL {
  return sql`${literal}::${sql.raw(target.vectorType)}`
}

/**
 * Nearest neighbours. `ORDER BY` is the bare distance (`embedding <op> $q`),
 * the only form a vector index can serve; the score is derived from the
 * returned distance, never sorted on (`ORDER BY 1 - distance` forces a scan).
 */
export function searchQuery(
  target: QueryTarget,
  literal: string,
  limit: number,
  where: SQL,
  candidates = limit,
): SQL {
  const operator = sql.raw(METRIC_SQL[target.metric].operator)
  if (target.quantizedBits !== undefined) {
    return rerankQuery(target, literal, limit, where, Math.max(candidates, limit))
  }
  return sql`SELECT "id", ${target.payload}, "embedding" ${operator} ${vectorParam(target, literal)} AS "distance" FROM ${target.table} WHERE ${where} ORDER BY "distance" LIMIT ${limit}`
}

/**
 * A binary-quantized index's search: the `candidates` nearest by Hamming
 * distance between bit strings (served by the index), re-ranked by the full
 * vectors' distance.
 */
function rerankQuery(
  target: QueryTarget,
  literal: string,
  limit: number,
  where: SQL,
  candidates: number,
): SQL {
  const operator = sql.raw(METRIC_SQL[target.metric].operator)
  const bits = sql.raw(`bit(${(target.quantizedBits as number).toFixed(0)})`)
  const query = vectorParam(target, literal)
  const nearest = sql`SELECT "id", ${target.payload}, "embedding" FROM ${target.table} WHERE ${where} ORDER BY binary_quantize("embedding")::${bits} <~> binary_quantize(${query})::${bits} LIMIT ${candidates}`
  return sql`SELECT "id", "payload", "embedding" ${operator} ${query} AS "distance" FROM (${nearest}) AS "candidates" ORDER BY "distance" LIMIT ${limit}`
}

// The distance functions behind the operators: the same values, but no vector index can serve
// an ORDER BY on a function call, so the planner must scan the matching rows.
const DISTANCE_FUNCTION: Readonly<Record<DistanceMetric, Readonly<Record<VectorType, string>>>> = {
  cosine: { vector: 'cosine_distance', halfvec: 'cosine_distance' },
  l2: { vector: 'l2_distance', halfvec: 'l2_distance' },
  ip: { vector: 'vector_negative_inner_product', halfvec: 'halfvec_negative_inner_product' },
}

/**
 * Nearest neighbours by an exact scan (never the vector index: see
 * `DISTANCE_FUNCTION`), the first `withVectors` of them with their stored
 * vector as text, so their scores can be computed exactly. The vectors are
 * printed outside the sorted subquery: for those rows only.
 */
export function exactSearchQuery(
  target: QueryTarget,
  literal: string,
  limit: number,
  withVectors: number,
  where: SQL,
): SQL {
  const distance = sql.raw(DISTANCE_FUNCTION[target.metric][target.vectorType])
  // The scan reads only ids and vectors, so a btree on (filter column, embedding, id) answers it
  // from the index alone. Payloads, app columns merged in, are read by id for the rows kept
  // (merging them for every matching row cost more than the distances: 10,000 rows, 16 of 34 ms);
  // OFFSET 0 keeps that a lookup per row. Its names cannot clash with an app column's or a table's.
  const nearest = sql`SELECT "id", "embedding", ${distance}("embedding", ${vectorParam(target, literal)}) AS "vecstore_distance" FROM ${target.table} WHERE ${where} ORDER BY "vecstore_distance" LIMIT ${limit}`
  const payload = sql`SELECT ${target.payload} FROM ${target.table} AS "vecstore_row" WHERE "vecstore_row"."id" = "vecstore_nearest"."id" OFFSET 0`
  return sql`SELECT "vecstore_nearest"."id", "vecstore_stored"."payload", "vecstore_distance" AS "distance", CASE WHEN row_number() OVER (ORDER BY "vecstore_distance") <= ${withVectors} THEN "embedding"::text END AS "vector" FROM (${nearest}) AS "vecstore_nearest" CROSS JOIN LATERAL (${payload}) AS "vecstore_stored"`
}

/** The stored vectors of some entries, as text. */
export function vectorsByIdsQuery(target: QueryTarget, ids: readonly string[]): SQL {
  return sql`SELECT "id", "embedding"::text AS "vector" FROM ${target.table} WHERE "id" IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`
}

/** Session settings for this transaction only (`set_config(name, value, true)` is `SET LOCAL`). */
export function settingsQuery(settings: readonly (readonly [string, string])[]): SQL {
  const calls = settings.map(([name, value]) => sql`set_config(${name}, ${value}, true)`)
  return sql`SELECT ${sql.join(calls, sql`, `)}`
}

/** The current values of some settings, as `s0`, `s1`, ... (null when not defined yet). */
export function currentSettingsQuery(settings: readonly (readonly [string, string])[]): SQL {
  const reads = settings.map(
    ([name], i) => sql`current_setting(${name}, true) AS ${identifier(`s${i}`)}`,
  )
  return sql`SELECT ${sql.join(reads, sql`, `)}`
}

/** Puts settings back to what {@link currentSettingsQuery} read (names are vecstore's own). */
export function restoreSettingsQuery(
  settings: readonly (readonly [string, string])[],
  before: Record<string, unknown>,
): SQL {
  const steps = settings.map(([name], i) => {
    const value = before[`s${i}`]
    return typeof value === 'string'
      ? sql`set_config(${name}, ${value}, true)`
      : sql`set_config(${name}, (SELECT reset_val FROM pg_settings WHERE name = ${name}), true)`
  })
  return sql`SELECT ${sql.join(steps, sql`, `)}`
}

/** Entries in id order (code points: `COLLATE "C"`), after an id for keyset paging. */
export function listQuery(
  target: QueryTarget,
  where: SQL,
  limit: number,
  after: string | undefined,
): SQL {
  const page = after === undefined ? sql`TRUE` : sql`"id" COLLATE "C" > ${after}`
  return sql`SELECT "id", ${target.payload} FROM ${target.table} WHERE ${where} AND ${page} ORDER BY "id" COLLATE "C" LIMIT ${limit}`
}

/** Entries by id, vectors as text. The ids travel as one JSON array parameter: one statement for any count. */
export function getByIdsQuery(target: QueryTarget, ids: readonly string[]): SQL {
  return sql`SELECT "id", "embedding"::text AS "vector", ${target.payload} FROM ${target.table} WHERE "id" IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`
}

export function countQuery(target: QueryTarget, where: SQL): SQL {
  return sql`SELECT count(*) AS "count" FROM ${target.table} WHERE ${where}`
}

export function deleteQuery(target: QueryTarget, where: SQL): SQL {
  return sql`DELETE FROM ${target.table} WHERE ${where}`
}

export function deleteByIdQuery(target: QueryTarget, id: string): SQL {
  return deleteQuery(target, sql`"id" = ${id}`)
}

/** One multi-row `INSERT ... ON CONFLICT (id) DO UPDATE`: a row's ids must be distinct. */
export function upsertQuery(target: QueryTarget, rows: readonly RowText[]): SQL {
  const cast = sql.raw(target.vectorType)
  const values = rows.map((row) => sql`(${row.id}, ${row.vector}::${cast}, ${row.payload}::jsonb)`)
  if (target.columns.length === 0) {
    return sql`INSERT INTO ${target.table} ("id", "embedding", "payload") VALUES ${sql.join(values, sql`, `)} ${onConflictUpdate(target)}`
  }
  const table = sql`(VALUES ${sql.join(values, sql`, `)}) AS "row" ("id", "embedding", "payload")`
  return upsertFromQuery(target, table)
}

/** Upserts every row of another table with the same three columns (ids distinct). */
export function upsertFromQuery(target: QueryTarget, source: SQL): SQL {
  const names = [sql`"id"`, sql`"embedding"`, ...columnNames(target)]
  const values = [sql`"id"`, sql`"embedding"`, ...splitPayload(target.columns, sql`"payload"`)]
  return sql`INSERT INTO ${target.table} (${sql.join(names, sql`, `)}) SELECT ${sql.join(values, sql`, `)} FROM ${source} ${onConflictUpdate(target)}`
}

function onConflictUpdate(target: QueryTarget): SQL {
  const touch = target.hasUpdatedAt ? sql`, "updated_at" = now()` : sql``
  // Every app column is set: a key the new payload lacks leaves its column NULL (absent).
  const columns = target.columns.map(
    (column) => sql`, ${identifier(column.name)} = EXCLUDED.${identifier(column.name)}`,
  )
  return sql`ON CONFLICT ("id") DO UPDATE SET "embedding" = EXCLUDED."embedding", "payload" = EXCLUDED."payload"${sql.join(columns)}${touch}`
}

// "payload" and the app columns, in the order splitPayload gives their values.
function columnNames(target: QueryTarget): SQL[] {
  return [sql`"payload"`, ...target.columns.map((column) => identifier(column.name))]
}

/** `EXPLAIN` of a query, as JSON (optionally executed, with actual row counts). */
export function explainQuery(query: SQL, analyze: boolean): SQL {
  return analyze
    ? sql`EXPLAIN (ANALYZE, FORMAT JSON) ${query}`
    : sql`EXPLAIN (FORMAT JSON) ${query}`
}

/** The plan of the filter alone: how many rows it matches and how they would be found. */
export function filterPlanQuery(target: QueryTarget, where: SQL): SQL {
  return sql`EXPLAIN (FORMAT JSON) SELECT 1 FROM ${target.table} WHERE ${where}`
}
