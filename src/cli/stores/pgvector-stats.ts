import type { RawSql } from './raw-sql.js'

/** The table's vector index as Postgres reports it. */
export interface VectorIndexInfo {
  readonly name: string
  readonly kind: string
  readonly parameters: readonly (readonly [string, string])[]
}

/** The HNSW or IVFFlat index on the table, if any (from its definition in pg_indexes). */
export async function vectorIndexOf(
  run: RawSql,
  qualified: string,
): Promise<VectorIndexInfo | undefined> {
  const rows = await run(
    `SELECT c.relname AS name, pg_get_indexdef(c.oid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = to_regclass($1)`,
    [qualified],
  )
  for (const row of rows) {
    const def = String(row['def'])
    const kind = /\bUSING (hnsw|ivfflat)\b/i.exec(def)?.[1]
    if (kind === undefined) continue
    const opclass = /\((?:"?embedding"?)\s+(\w+)\)/.exec(def)?.[1]
    const withClause = /\bWITH \(([^)]*)\)/.exec(def)?.[1] ?? ''
    const parameters: [string, string][] = withClause
      .split(',')
      .map((part) => part.split('=').map((s) => s.trim().replace(/^'|'$/g, '')))
      .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== '')
    if (opclass !== undefined) parameters.unshift(['operator class', opclass])
    return { name: String(row['name']), kind: kind.toLowerCase(), parameters }
  }
  return undefined
}

/** Table, index and total sizes in bytes. */
export async function tableSizes(run: RawSql, qualified: string): Promise<[string, number][]> {
  const [row] = await run(
    `SELECT pg_table_size(to_regclass($1)) AS "table", pg_indexes_size(to_regclass($1)) AS "indexes",
            pg_total_relation_size(to_regclass($1)) AS "total"`,
    [qualified],
  )
  return [
    ['table (with TOAST)', Number(row?.['table'] ?? 0)],
    ['indexes', Number(row?.['indexes'] ?? 0)],
    ['total', Number(row?.['total'] ?? 0)],
  ]
}
