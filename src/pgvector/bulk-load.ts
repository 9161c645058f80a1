import { sql } from 'drizzle-orm'
import type { Payload } from '../core/json.js'
import { rowsOf, type SqlRunner, type SqlDatabase } from './connection.js'
import { binaryCopyChunks } from './copy-binary.js'
import { canCopy, type CopyRunner } from './copy-runner.js'
import type { VectorIndexInfo } from './schema-sync.js'
import {
  identifier,
  PARAMS_PER_ROW,
  type QueryTarget,
  type RowText,
  settingsQuery,
  upsertFromQuery,
  upsertQuery,
} from './sql.js'
import { vectorLiteral } from './vector-text.js'

/** Postgres's limit on bound parameters per statement. */
export const MAX_PARAMETERS = 65_535
/** Rows per INSERT: measured fastest around 500-1000 rows of 384 dimensions. */
const MAX_ROWS_PER_STATEMENT = 1000
/** Bytes of parameter text per INSERT, so wide vectors get smaller statements. */
const MAX_BYTES_PER_STATEMENT = 4 * 1024 * 1024

/** A validated record. */
export interface CheckedRecord {
  readonly id: string
  readonly vector: Float32Array
  readonly payload: Payload
}

/** What {@link bulkUpsert} needs besides the rows. */
export interface BulkContext {
  readonly db: SqlDatabase
  readonly target: QueryTarget
  /** Drop and rebuild this index around a load into an empty table (undefined: never). */
  readonly deferredIndex: VectorIndexInfo | undefined
  readonly maintenanceWorkMem: string | undefined
  /** `max_parallel_maintenance_workers` for that rebuild (undefined: the server's). */
  readonly maintenanceWorkers: number | undefined
  /** The table's quoted name, for a COPY straight into it (an empty table whose index was dropped). */
  readonly tableText: string
  /** Whether loads of {@link COPY_MIN_ROWS} or more may use COPY (see {@link mayCreateTempTables}). */
  readonly copyLoads: boolean
}

/** Below this many rows one multi-row INSERT is cheaper than a temporary table and a COPY. */
export const COPY_MIN_ROWS = 500

/** COPY loads go through a temporary table: the role needs the TEMPORARY privilege. */
export async function mayCreateTempTables(db: SqlRunner): Promise<boolean> {
  const rows = rowsOf(
    await db.execute(sql`SELECT has_database_privilege(current_database(), 'TEMPORARY') AS "temp"`),
  )
  return rows[0]?.['temp'] === true
}

/**
 * Writes records in one transaction, all or nothing; later duplicates of an
 * id win. On postgres.js and PGlite the rows go through a binary COPY into a
 * temporary table and one `INSERT ... SELECT ... ON CONFLICT DO UPDATE`; on
 * other drivers through multi-row `INSERT ... ON CONFLICT` statements under the
 * parameter limit. With `deferredIndex`, a load into an empty table drops the
 * vector index first and rebuilds it from its own definition before
 * committing.
 *
 * @returns whether the vector index was rebuilt.
 */
export async function bulkUpsert(
  context: BulkContext,
  records: readonly CheckedRecord[],
): Promise<boolean> {
  const unique = [...new Map(records.map((record) => [record.id, record])).values()]
  return context.db.transaction(async (tx) => {
    const index = context.deferredIndex && (await dropIndexIfEmpty(tx, context))
    if (index !== undefined && canCopyInto(tx, context, unique.length)) {
      // Empty, locked and ids distinct: the rows go straight in, without a temporary table.
      await tx.copyIn(
        `${context.tableText} ("id", "embedding", "payload")`,
        binaryCopyChunks(unique),
      )
    } else {
      await writeRows(tx, context.target, unique, context.copyLoads)
    }
    if (index === undefined) return false
    const settings = buildSettings(context)
    if (settings.length > 0) await tx.execute(settingsQuery(settings))
    // The definition comes from pg_get_indexdef(): the server's own text, nothing user-supplied.
    await tx.execute(sql.raw(index.definition))
    return true
  })
}

// A binary COPY straight into the table: `vector` columns (binary form), no app columns to split into.
function canCopyInto(tx: SqlRunner, context: BulkContext, rows: number): tx is CopyRunner {
  const { target } = context
  return (
    context.copyLoads &&
    rows >= COPY_MIN_ROWS &&
    canCopy(tx) &&
    target.vectorType === 'vector' &&
    target.columns.length === 0
  )
}

// The index build's memory and parallel workers, where configured.
function buildSettings(context: BulkContext): [string, string][] {
  const settings: [string, string][] = []
  if (context.maintenanceWorkMem !== undefined) {
    settings.push(['maintenance_work_mem', context.maintenanceWorkMem])
  }
  if (context.maintenanceWorkers !== undefined) {
    settings.push(['max_parallel_maintenance_workers', String(context.maintenanceWorkers)])
  }
  return settings
}

/**
 * Writes records inside the caller's transaction: a binary COPY through a
 * temporary table for {@link COPY_MIN_ROWS} rows or more (when `copyLoads`
 * and the driver allow it), else multi-row INSERTs. Later duplicates of an id win.
 */
export async function writeRows(
  tx: SqlRunner,
  target: QueryTarget,
  records: readonly CheckedRecord[],
  copyLoads: boolean,
): Promise<void> {
  const unique = [...new Map(records.map((record) => [record.id, record])).values()]
  // pgvector's binary form is written here for `vector` only.
  const copy = copyLoads && unique.length >= COPY_MIN_ROWS
  if (copy && canCopy(tx) && target.vectorType === 'vector') {
    await copyUpsert(tx, target, unique)
  } else {
    await insertUpsert(tx, target, unique)
  }
}

/** The temporary table a COPY load goes through; dropped at commit. */
const LOAD_TABLE = sql`pg_temp."vecstore_load"`

async function copyUpsert(
  tx: CopyRunner,
  target: QueryTarget,
  records: readonly CheckedRecord[],
): Promise<void> {
  await tx.execute(
    sql`CREATE TEMPORARY TABLE ${LOAD_TABLE} ("id" text, "embedding" vector, "payload" jsonb) ON COMMIT DROP`,
  )
  await tx.copyIn('pg_temp."vecstore_load"', binaryCopyChunks(records))
  await tx.execute(upsertFromQuery(target, LOAD_TABLE))
}

// The next statement's text is formatted while the server runs the previous one.
async function insertUpsert(
  tx: SqlRunner,
  target: QueryTarget,
  records: readonly CheckedRecord[],
): Promise<void> {
  let pending: Promise<unknown> | undefined
  for (const [start, end] of planChunks(records)) {
    const query = upsertQuery(target, await format(records, start, end))
    if (pending) await pending
    pending = dispatch(tx, query)
  }
  await pending
}

// A Drizzle query runs when `then` is called: start it now, and mark it handled so a failure
// while the next statement is formatted is not reported as unhandled (it is awaited right after).
function dispatch(tx: SqlRunner, query: ReturnType<typeof upsertQuery>): Promise<unknown> {
  const running = Promise.resolve(tx.execute(query).then((result) => result))
  running.catch(() => {})
  return running
}

/**
 * Splits records into [start, end) ranges, one INSERT each: under the
 * parameter limit, the row cap and the byte budget.
 */
export function planChunks(records: readonly CheckedRecord[]): [number, number][] {
  const dims = records[0]?.vector.length ?? 1
  // ~13 bytes per element as text, plus id and payload.
  const rowBytes = dims * 13 + 256
  const rows = Math.max(
    1,
    Math.min(
      MAX_ROWS_PER_STATEMENT,
      Math.floor(MAX_PARAMETERS / PARAMS_PER_ROW),
      Math.floor(MAX_BYTES_PER_STATEMENT / rowBytes),
    ),
  )
  const chunks: [number, number][] = []
  for (let start = 0; start < records.length; start += rows) {
    chunks.push([start, Math.min(records.length, start + rows)])
  }
  return chunks
}

/** Rows formatted between two turns of the event loop. */
const ROWS_PER_TURN = 64

// Formatting yields to the event loop now and then: the driver can then answer the server
// about the statement in flight (postgres.js sends its parameters only after a Describe
// round trip) instead of leaving the server idle until this whole chunk is formatted.
async function format(
  records: readonly CheckedRecord[],
  start: number,
  end: number,
): Promise<RowText[]> {
  const rows: RowText[] = []
  for (let i = start; i < end; i++) {
    if ((i - start) % ROWS_PER_TURN === ROWS_PER_TURN - 1) {
      await new Promise((resolve) => setImmediate(resolve))
    }
    const record = records[i] as CheckedRecord
    rows.push({
      id: record.id,
      vector: vectorLiteral(record.vector),
      payload: JSON.stringify(record.payload),
    })
  }
  return rows
}

// Locks the table, and drops the vector index only if the table is still empty under the lock.
async function dropIndexIfEmpty(
  tx: SqlRunner,
  context: BulkContext,
): Promise<VectorIndexInfo | undefined> {
  const index = context.deferredIndex as VectorIndexInfo
  const table = context.target.table
  const isEmpty = async () =>
    rowsOf(await tx.execute(sql`SELECT NOT EXISTS (SELECT 1 FROM ${table}) AS "empty"`))[0]?.[
      'empty'
    ] === true
  if (!(await isEmpty())) return undefined
  await tx.execute(sql`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`)
  if (!(await isEmpty())) return undefined
  await tx.execute(sql`DROP INDEX ${identifier(context.target.schema, index.name)}`)
  return index
}
