import { sql } from 'drizzle-orm'
import { SchemaMismatchError } from '../core/errors.js'
import type { DistanceMetric } from '../core/metric.js'
import { quoteIdentifier, validateIdentifier } from '../internal/identifiers.js'
import { rowsOf, type SqlRunner } from './connection.js'
import { wrapEngineError } from './engine-errors.js'
import { connectTarget, type MigrationTarget } from './migrations.js'
import { parseRecord } from './schema-sql.js'
import { identifier } from './sql.js'

/** The vector table a view reads, as {@link resolveView} finds it. */
export interface ViewTarget {
  /** The table's schema. */
  readonly schema: string
  /** The table's name. */
  readonly table: string
  /** The embedding model recorded with the table, if any. */
  readonly model: string | undefined
  /** The embedding column's dimension (else the recorded one), if fixed. */
  readonly dimensions: number | undefined
  /** The metric recorded with the table, if any. */
  readonly metric: DistanceMetric | undefined
}

/** Options of {@link switchView}. */
export interface SwitchViewOptions {
  /** The view readers read: created when missing, else pointed at `table`. */
  readonly view: string
  /** The vector table the view should read from now on. */
  readonly table: string
  /** The schema of both. Default: the connection's `search_path` (`public`). */
  readonly schema?: string
}

/**
 * Points a view at a vector table in one transaction (`DROP VIEW` and
 * `CREATE VIEW ... AS SELECT * FROM table`, the view's grants carried over):
 * readers of the view see the old table or the new one, never neither and
 * never a mix. The switch step of a re-embedding, after `reembed()` filled
 * the new table; the old table stays until you drop it. Resolves to the
 * table the view read before, if it existed.
 *
 * @example
 * ```ts
 * await switchView(db, { view: 'chunks_live', table: 'chunks_v2' })
 * ```
 */
export async function switchView(
  target: MigrationTarget,
  options: SwitchViewOptions,
): Promise<{ readonly previous: ViewTarget | undefined }> {
  const schema =
    options.schema === undefined ? undefined : validateIdentifier('schema', options.schema)
  const view = identifier(schema, validateIdentifier('view', options.view))
  const table = identifier(schema, validateIdentifier('table', options.table))
  const connection = await connectTarget(target)
  try {
    return await connection.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('vecstore.ddl'))`)
      await tx.execute(sql`SET LOCAL client_min_messages = warning`)
      const viewName = quoted(schema, options.view)
      await checkSwitchable(tx, viewName, quoted(schema, options.table))
      const previous = await readView(tx, viewName)
      const grants = await grantsOf(tx, viewName)
      await tx.execute(sql`DROP VIEW IF EXISTS ${view}`)
      await tx.execute(sql`CREATE VIEW ${view} AS SELECT * FROM ${table}`)
      for (const grant of grants) await tx.execute(grant(view))
      return { previous }
    })
  } catch (error) {
    throw wrapEngineError('switchView', error)
  } finally {
    await connection.close()
  }
}

/**
 * The vector table a view reads now, with the model and dimension recorded
 * with it: what a reader needs to embed its query with the right model and
 * search that table. A switch committing meanwhile is waited for, so the
 * answer is the view before it or after it. Pass your Drizzle database: it is
 * a short transaction (a lock on the view, one catalog query).
 *
 * @example
 * ```ts
 * const live = await resolveView(db, 'chunks_live') // { table: 'chunks_v2', model: 'text-embedding-3-small', ... }
 * ```
 */
export async function resolveView(
  target: MigrationTarget,
  view: string,
  options: { readonly schema?: string } = {},
): Promise<ViewTarget> {
  const schema =
    options.schema === undefined ? undefined : validateIdentifier('schema', options.schema)
  const name = quoted(schema, validateIdentifier('view', view))
  const missing = () =>
    new SchemaMismatchError(`view ${name} does not exist or does not read one vector table`)
  const connection = await connectTarget(target)
  try {
    // Catalog reads are not ordered with a switch committing meanwhile: the lock waits for it
    // (and keeps the next one out), and the read after it sees the view as committed.
    const found = await connection.db.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE ${identifier(schema, view)} IN ACCESS SHARE MODE`)
      return readView(tx, name)
    })
    if (found === undefined) throw missing()
    return found
  } catch (error) {
    const wrapped = wrapEngineError('resolveView', error)
    // 42P01: undefined_table, from the lock.
    throw 'engineCode' in wrapped && wrapped.engineCode === '42P01' ? missing() : wrapped
  } finally {
    await connection.close()
  }
}

function quoted(schema: string | undefined, name: string): string {
  return quoteIdentifier(schema, name)
}

// The view's own rewrite rule depends on each column it reads: the one table other than itself.
async function readView(db: SqlRunner, view: string): Promise<ViewTarget | undefined> {
  const rows = rowsOf(
    await db.execute(sql`SELECT DISTINCT n.nspname AS "schema", c.relname AS "table",
        col_description(c.oid, a.attnum) AS "comment", a.atttypmod AS "typmod"
      FROM pg_rewrite r
      JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
        AND d.refclassid = 'pg_class'::regclass
      JOIN pg_class c ON c.oid = d.refobjid AND c.oid <> r.ev_class AND c.relkind IN ('r', 'p')
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'embedding' AND NOT a.attisdropped
      WHERE r.ev_class = to_regclass(${view}) AND r.rulename = '_RETURN'`),
  )
  if (rows.length !== 1) return undefined
  const [row] = rows as [Record<string, unknown>]
  const record = parseRecord(row['comment'] as string | null)
  const typmod = Number(row['typmod'])
  return {
    schema: String(row['schema']),
    table: String(row['table']),
    model: record?.model,
    dimensions: typmod > 0 ? typmod : record?.dimensions,
    metric: record?.metric,
  }
}

// The view name must be free or a view; the table must be a vector table.
async function checkSwitchable(db: SqlRunner, view: string, table: string): Promise<void> {
  const [row] = rowsOf(
    await db.execute(sql`SELECT
        (SELECT relkind FROM pg_class WHERE oid = to_regclass(${view})) AS "viewKind",
        (SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass(${table})
          AND attname IN ('id', 'embedding', 'payload') AND NOT attisdropped)::int AS "columns"`),
  )
  const viewKind = row?.['viewKind']
  if (viewKind !== null && viewKind !== undefined && viewKind !== 'v') {
    throw new SchemaMismatchError(`${view} is not a view: switchView only replaces a view`)
  }
  if (row?.['columns'] !== 3) {
    throw new SchemaMismatchError(
      `table ${table} does not exist or is not a vector table (id, embedding, payload)`,
    )
  }
}

// DROP VIEW drops its grants: they are read first and given again to the new view.
async function grantsOf(db: SqlRunner, view: string) {
  const rows = rowsOf(
    await db.execute(sql`SELECT CASE WHEN g.grantee = 0 THEN 'PUBLIC'
          ELSE quote_ident(pg_get_userbyid(g.grantee)) END AS "grantee",
        g.privilege_type AS "privilege"
      FROM pg_class c, aclexplode(c.relacl) g
      WHERE c.oid = to_regclass(${view}) AND g.grantee <> c.relowner`),
  )
  return rows.map((row) => {
    // Both come from the catalog: a privilege keyword and a quoted role name (or PUBLIC).
    const privilege = sql.raw(String(row['privilege']))
    const grantee = sql.raw(String(row['grantee']))
    return (view: ReturnType<typeof identifier>) => sql`GRANT ${privilege} ON ${view} TO ${grantee}`
  })
}
