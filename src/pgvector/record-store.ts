import { type SQL, sql } from 'drizzle-orm'
import type { IndexRecord } from '../core/backend.js'
import type { EngineChange } from '../core/engine.js'
import { SchemaMismatchError } from '../core/errors.js'
import { writeRows } from './bulk-load.js'
import { rowsOf, type SqlDatabase, type SqlRunner } from './connection.js'
import { createRecordTableStatement, quoted, type RecordTableSpec } from './record-table.js'
import { payloadOf } from './search-context.js'
import { deleteQuery, type QueryTarget } from './sql.js'

/**
 * The records of one vector table, in their own table of the same database
 * (see `recordTable()`). The table is created (or, without `manageSchema`,
 * verified) on first use, so backends that never keep records need none.
 */
export class RecordStore {
  readonly #spec: RecordTableSpec
  readonly #manageSchema: boolean
  #ready: Promise<void> | undefined

  constructor(spec: RecordTableSpec, manageSchema: boolean) {
    this.#spec = spec
    this.#manageSchema = manageSchema
  }

  /** Creates the table when missing (with `manageSchema`) and checks its columns; once. */
  ready(db: SqlDatabase): Promise<void> {
    this.#ready ??= this.#prepare(db).catch((error: unknown) => {
      this.#ready = undefined
      throw error
    })
    return this.#ready
  }

  /** Deletes and writes entries, then writes and deletes records: one transaction. */
  async apply(db: SqlDatabase, target: QueryTarget, change: EngineChange, copyLoads: boolean) {
    await this.ready(db)
    await db.transaction(async (tx) => {
      if (change.delete.length > 0) await tx.execute(deleteByIds(target, change.delete))
      if (change.upsert.length > 0) await writeRows(tx, target, change.upsert, copyLoads)
      if (change.putRecords.length > 0) await tx.execute(this.#put(change.putRecords))
      if (change.deleteRecords.length > 0) await tx.execute(this.#delete(change.deleteRecords))
    })
  }

  async get(db: SqlDatabase, keys: readonly string[]): Promise<IndexRecord[]> {
    await this.ready(db)
    const rows = rowsOf(
      await db.execute(
        sql`SELECT "key", "value" FROM ${this.#table()} WHERE "key" IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`,
      ),
    )
    const found = new Map(rows.map((row) => [String(row['key']), payloadOf(row['value'])]))
    return keys.flatMap((key) => {
      const value = found.get(key)
      return value === undefined ? [] : [{ key, value }]
    })
  }

  async list(
    db: SqlDatabase,
    prefix: string,
    limit: number,
    after: string | undefined,
  ): Promise<IndexRecord[]> {
    await this.ready(db)
    const page = after === undefined ? sql`TRUE` : sql`"key" COLLATE "C" > ${after}`
    const rows = rowsOf(
      await db.execute(
        sql`SELECT "key", "value" FROM ${this.#table()} WHERE starts_with("key", ${prefix}) AND ${page} ORDER BY "key" COLLATE "C" LIMIT ${limit}`,
      ),
    )
    return rows.map((row) => ({ key: String(row['key']), value: payloadOf(row['value']) }))
  }

  /** Deletes every record, if the table exists (the vectors' `clearAll`, in its transaction). */
  async clear(tx: SqlRunner): Promise<void> {
    const [row] = rowsOf(
      await tx.execute(sql`SELECT to_regclass(${quoted(this.#spec)}) IS NOT NULL AS "exists"`),
    )
    if (row?.['exists'] === true) await tx.execute(sql`DELETE FROM ${this.#table()}`)
  }

  #table(): SQL {
    return sql.raw(quoted(this.#spec))
  }

  // One statement for any number of records: they travel as one JSON array parameter.
  #put(records: readonly IndexRecord[]): SQL {
    const unique = [...new Map(records.map((record) => [record.key, record])).values()]
    return sql`INSERT INTO ${this.#table()} ("key", "value") SELECT "key", "value" FROM jsonb_to_recordset(${JSON.stringify(unique)}::jsonb) AS "r" ("key" text, "value" jsonb) ON CONFLICT ("key") DO UPDATE SET "value" = EXCLUDED."value", "updated_at" = now()`
  }

  #delete(keys: readonly string[]): SQL {
    return sql`DELETE FROM ${this.#table()} WHERE "key" IN (SELECT jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`
  }

  async #prepare(db: SqlDatabase): Promise<void> {
    if ((await this.#columns(db)).size === 0) {
      if (!this.#manageSchema) {
        throw new SchemaMismatchError(
          `record table ${quoted(this.#spec)} does not exist (manageSchema is false): declare it with recordTable() in your Drizzle schema and apply your migrations`,
        )
      }
      await db.transaction(async (tx) => {
        // The same lock as the vector table's DDL: concurrent CREATE ... IF NOT EXISTS can collide.
        await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('vecstore.ddl'))`)
        await tx.execute(sql`SET LOCAL client_min_messages = warning`)
        if (this.#spec.schema !== undefined && this.#spec.schema !== 'public') {
          await tx.execute(sql.raw(`CREATE SCHEMA IF NOT EXISTS "${this.#spec.schema}"`))
        }
        await tx.execute(createRecordTableStatement(this.#spec))
      })
    }
    const columns = await this.#columns(db)
    if (columns.get('key') !== 'text' || columns.get('value') !== 'jsonb') {
      throw new SchemaMismatchError(
        `table ${quoted(this.#spec)} is not a record table: expected columns key text and value jsonb`,
      )
    }
  }

  async #columns(db: SqlDatabase): Promise<Map<string, string>> {
    const rows = rowsOf(
      await db.execute(sql`SELECT a.attname AS "name", t.typname AS "type"
        FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = to_regclass(${quoted(this.#spec)}) AND a.attnum > 0 AND NOT a.attisdropped`),
    )
    return new Map(rows.map((row) => [String(row['name']), String(row['type'])]))
  }
}

/** Deletes entries by id: the ids travel as one JSON array parameter. */
function deleteByIds(target: QueryTarget, ids: readonly string[]): SQL {
  return deleteQuery(
    target,
    sql`"id" IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`,
  )
}
