import { sql } from 'drizzle-orm'
import {
  getTableConfig,
  jsonb,
  PgSchema,
  pgSchema,
  type PgTable,
  pgTable,
  text,
  timestamp,
} from 'drizzle-orm/pg-core'
import { InvalidArgumentError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { quoteIdentifier, validateIdentifier } from '../internal/identifiers.js'

/** Options of {@link recordTable}. */
export interface RecordTableOptions {
  /** Postgres schema: a name or a drizzle `pgSchema()`; put it in the vector table's schema. Default: none (`public`). */
  readonly schema?: string | PgSchema
}

const recordColumns = () => ({
  key: text('key').primaryKey(),
  value: jsonb('value').$type<Payload>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** The Drizzle table {@link recordTable} returns: `key`, `value` (jsonb) and `updated_at`. */
export type RecordTable<TName extends string = string> = ReturnType<
  typeof pgTable<TName, ReturnType<typeof recordColumns>>
>

/**
 * A Drizzle `pgTable` for the records an index keeps beside its vectors (what
 * the retrieval runtime knows about each source document: its hash and chunk
 * ids), to put in your schema file next to the {@link vectorTable} it belongs
 * to, so drizzle-kit generates both. Entries and records are written in one
 * transaction. Pass it as `PgvectorBackend`'s `records` option; without it
 * the backend uses `<vector table>_records` in the same schema.
 *
 * @example
 * ```ts
 * export const docs = vectorTable('docs', { dimensions: 1536 })
 * export const docsRecords = recordTable('docs_records')
 * const backend = await PgvectorBackend.create({ db, table: docs, records: docsRecords })
 * ```
 */
export function recordTable<TName extends string>(
  name: TName,
  options: RecordTableOptions = {},
): RecordTable<TName> {
  validateIdentifier('table', name)
  const schema = options.schema
  const schemaName = schema instanceof PgSchema ? schema.schemaName : schema
  if (schemaName !== undefined) validateIdentifier('schema', schemaName)
  // drizzle-kit refuses pgSchema('public'): public tables are declared with pgTable.
  if (schemaName === undefined || schemaName === 'public') return pgTable(name, recordColumns())
  const owner = schema instanceof PgSchema ? schema : pgSchema(schemaName)
  return owner.table(name, recordColumns()) as unknown as RecordTable<TName>
}

/** Where a record table is: its name and schema. */
export interface RecordTableSpec {
  readonly name: string
  readonly schema: string | undefined
}

/** The record table a backend uses: given by name or as a Drizzle table, else derived from the vector table. */
export function recordTableSpec(
  records: string | PgTable | undefined,
  vectors: { readonly name: string; readonly schema: string | undefined },
): RecordTableSpec {
  if (records === undefined) return { name: `${vectors.name}_records`, schema: vectors.schema }
  if (typeof records === 'string') {
    return { name: validateIdentifier('table', records), schema: vectors.schema }
  }
  const config = getTableConfig(records)
  const names = config.columns.map((column) => column.name).sort()
  if (names.join() !== 'key,updated_at,value') {
    throw new InvalidArgumentError(
      `table ${config.name} is not a record table: expected the columns of recordTable()`,
    )
  }
  return { name: config.name, schema: config.schema }
}

/** The DDL of a record table (what drizzle-kit generates for {@link recordTable}), idempotent. */
export function createRecordTableStatement(spec: RecordTableSpec) {
  const table = sql.raw(quoted(spec))
  return sql`CREATE TABLE IF NOT EXISTS ${table} ("key" text PRIMARY KEY NOT NULL, "value" jsonb NOT NULL, "updated_at" timestamp with time zone DEFAULT now() NOT NULL)`
}

/** The quoted, schema-qualified name of a record table. */
export function quoted(spec: RecordTableSpec): string {
  return quoteIdentifier(spec.schema, spec.name)
}
