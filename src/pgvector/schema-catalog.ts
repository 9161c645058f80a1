import { type SQL, sql } from 'drizzle-orm'
import { rowsOf, type SqlRunner } from './connection.js'
import { columnsQuery, extensionVersionQuery, parseRecord, type TableRecord } from './schema-sql.js'
import { regclassText } from './sql.js'
import type { TableSpec } from './table-spec.js'
import { quantizedBitsOf } from './vector-table.js'

/** One index of a table, as the catalog has it (invalid ones included). */
export interface IndexInfo {
  readonly name: string
  readonly method: string
  readonly opclass: string
  readonly column: string | undefined
  /** False after a failed `CREATE INDEX CONCURRENTLY`: Postgres does not use it. */
  readonly valid: boolean
  /** Storage parameters (`m`, `ef_construction`, `lists`) as set on the index. */
  readonly options: ReadonlyMap<string, string>
}

/** What the database has for one table: columns, record and every index. */
export interface TableCatalog {
  /** Column name to type name (`vector`, `jsonb`, ...) and typmod (a vector's dimension, or -1). */
  readonly columns: ReadonlyMap<string, { readonly type: string; readonly typmod: number }>
  readonly record: TableRecord | undefined
  readonly indexes: readonly IndexInfo[]
}

/** The installed pgvector version, or undefined. */
export async function readExtensionVersion(db: SqlRunner): Promise<string | undefined> {
  const [row] = rowsOf(await db.execute(extensionVersionQuery()))
  return row === undefined ? undefined : String(row['version'])
}

/** The table's columns, record and indexes; undefined when the table does not exist. */
export async function readTableCatalog(
  db: SqlRunner,
  spec: Pick<TableSpec, 'name' | 'schema'>,
): Promise<TableCatalog | undefined> {
  const rows = rowsOf(await db.execute(columnsQuery(spec)))
  if (rows.length === 0) return undefined
  const columns = new Map(
    rows.map((row) => [
      String(row['name']),
      { type: String(row['type']), typmod: Number(row['typmod']) },
    ]),
  )
  const embedding = rows.find((row) => row['name'] === 'embedding')
  const indexes = rowsOf(await db.execute(allIndexesQuery(spec))).map(indexInfo)
  return { columns, record: parseRecord(embedding?.['comment'] as string | null), indexes }
}

function indexInfo(row: Record<string, unknown>): IndexInfo {
  const options = new Map<string, string>()
  for (const pair of String(row['options'] ?? '').split(',')) {
    const [key, value] = pair.split('=')
    if (key && value !== undefined) options.set(key.trim(), value.trim())
  }
  return {
    name: String(row['name']),
    method: String(row['method']),
    opclass: String(row['opclass']),
    // An expression index on binary_quantize(embedding) serves the embedding too.
    column:
      row['column'] !== null
        ? String(row['column'])
        : quantizedBitsOf(String(row['definition'])) === undefined
          ? undefined
          : 'embedding',
    valid: row['valid'] === true,
    options,
  }
}

// Every single-column index, invalid ones too (the backend's own query skips them).
function allIndexesQuery(spec: Pick<TableSpec, 'name' | 'schema'>): SQL {
  return sql`SELECT i.relname AS "name", am.amname AS "method", opc.opcname AS "opclass",
      a.attname AS "column", x.indisvalid AS "valid",
      array_to_string(i.reloptions, ',') AS "options", pg_get_indexdef(i.oid) AS "definition"
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_am am ON am.oid = i.relam
    JOIN pg_opclass opc ON opc.oid = x.indclass[0]
    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
    WHERE x.indrelid = to_regclass(${regclassText(spec)}) AND x.indnatts = 1 AND x.indpred IS NULL
    ORDER BY i.relname`
}
