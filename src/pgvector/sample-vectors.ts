import { sql } from 'drizzle-orm'
import { rowsOf, type SqlRunner } from './connection.js'
import { regclassText, tableName } from './sql.js'
import type { TableSpec } from './table-spec.js'

/** Rows read per row kept: enough pages that the sample spreads over the table. */
const OVERSAMPLE = 20

/**
 * Up to `count` stored vectors picked at random. A large table is sampled by
 * pages (`TABLESAMPLE SYSTEM`), so this reads a small part of it, not all.
 */
export async function sampleVectors(
  db: SqlRunner,
  spec: TableSpec,
  count: number,
): Promise<Float32Array[]> {
  const [stats] = rowsOf(
    await db.execute(
      sql`SELECT reltuples::float8 AS "rows" FROM pg_class WHERE oid = to_regclass(${regclassText(spec)})`,
    ),
  )
  const rows = Number(stats?.['rows'] ?? -1)
  const percent = rows <= 0 ? 100 : Math.min(100, (100 * OVERSAMPLE * count) / rows)
  let found = await sampleAt(db, spec, count, percent)
  // Pages hold different numbers of rows: a sample that came back short reads everything.
  if (found.length < count && percent < 100) found = await sampleAt(db, spec, count, 100)
  return found
}

async function sampleAt(
  db: SqlRunner,
  spec: TableSpec,
  count: number,
  percent: number,
): Promise<Float32Array[]> {
  const from =
    percent >= 100
      ? tableName(spec)
      : sql`${tableName(spec)} TABLESAMPLE SYSTEM (${sql.raw(percent.toFixed(6))})`
  const rows = rowsOf(
    await db.execute(
      sql`SELECT "embedding"::text AS "vector" FROM ${from} ORDER BY random() LIMIT ${count}`,
    ),
  )
  return rows.map((row) => Float32Array.from(JSON.parse(String(row['vector'])) as number[]))
}
