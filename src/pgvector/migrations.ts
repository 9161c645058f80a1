import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { type AnyPgDatabase, openDsn, rowsOf, type SqlDatabase, useDatabase } from './connection.js'
import { wrapEngineError } from './engine-errors.js'
import { validateIdentifier } from '../internal/identifiers.js'
import { identifier } from './sql.js'

/**
 * The folder of vecstore's drizzle-kit migrations: `0000` creates the vector
 * extension (drizzle-kit never emits it), `0001` the default table
 * `vecstore_vectors`. Shipped in the package (`vecstore/migrations`).
 */
// src/pgvector/ and dist/pgvector/ both sit two levels below the package root.
export const migrationsFolder: string = fileURLToPath(new URL('../../migrations', import.meta.url))
/** The table recording applied migrations: vecstore's own, so the app's `drizzle.__drizzle_migrations` is untouched. */
export const migrationsTable = '__vecstore_migrations'
/** The schema of {@link migrationsTable}. */
export const migrationsSchema = 'vecstore'

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Another migrations folder (e.g. your own drizzle-kit output). Default: {@link migrationsFolder}. */
  readonly migrationsFolder?: string
  /** Default: {@link migrationsTable}. */
  readonly migrationsTable?: string
  /** Default: {@link migrationsSchema}. */
  readonly migrationsSchema?: string
}

/**
 * Applies migrations for a deploy pipeline, through any Drizzle Postgres
 * database or a connection string (a short-lived postgres.js connection).
 * Same bookkeeping as drizzle-kit's `migrate` (so either tool can be used),
 * plus an advisory lock so concurrent deploys apply each migration once.
 *
 * @example
 * ```ts
 * await migrate(process.env.DATABASE_URL!)
 * // or with your own migrations and Drizzle database:
 * await migrate(db, { migrationsFolder: './drizzle', migrationsSchema: 'drizzle', migrationsTable: '__drizzle_migrations' })
 * ```
 */
export async function migrate(
  target: AnyPgDatabase | string,
  options: MigrateOptions = {},
): Promise<void> {
  const migrations = readMigrationFiles({
    migrationsFolder: options.migrationsFolder ?? migrationsFolder,
  })
  const connection = typeof target === 'string' ? await openDsn(target, 1) : useDatabase(target)
  try {
    await applyMigrations(connection.db, migrations, {
      table: validateIdentifier('migrations table', options.migrationsTable ?? migrationsTable),
      schema: validateIdentifier('migrations schema', options.migrationsSchema ?? migrationsSchema),
    })
  } catch (error) {
    throw wrapEngineError('migrate', error)
  } finally {
    await connection.close()
  }
}

async function applyMigrations(
  db: SqlDatabase,
  migrations: ReturnType<typeof readMigrationFiles>,
  names: { table: string; schema: string },
): Promise<void> {
  const table = identifier(names.schema, names.table)
  await db.transaction(async (tx) => {
    await tx.execute(
      sql`SELECT pg_advisory_xact_lock(hashtext(${`${names.schema}.${names.table}`}))`,
    )
    await tx.execute(sql`SET LOCAL client_min_messages = warning`)
    await tx.execute(sql`CREATE SCHEMA IF NOT EXISTS ${identifier(names.schema)}`)
    await tx.execute(
      sql`CREATE TABLE IF NOT EXISTS ${table} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
    )
    const [last] = rowsOf(
      await tx.execute(sql`SELECT created_at FROM ${table} ORDER BY created_at DESC LIMIT 1`),
    )
    const lastApplied = last === undefined ? undefined : Number(last['created_at'])
    for (const migration of migrations) {
      if (lastApplied !== undefined && migration.folderMillis <= lastApplied) continue
      // Migration files are the package's (or the caller's) own drizzle-kit output, run as written.
      for (const statement of migration.sql) {
        if (statement.trim() !== '') await tx.execute(sql.raw(statement))
      }
      await tx.execute(
        sql`INSERT INTO ${table} ("hash", "created_at") VALUES (${migration.hash}, ${migration.folderMillis})`,
      )
    }
  })
}
