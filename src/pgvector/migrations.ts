import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sql } from 'drizzle-orm'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import {
  type AnyPgDatabase,
  type Connection,
  type PGliteInstance,
  openDsn,
  openPglite,
  rowsOf,
  type SqlDatabase,
  useDatabase,
} from './connection.js'
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

/** Where {@link migrate} applies migrations: a Drizzle database, a `postgres://` URL, or a PGlite directory. */
export type MigrationTarget =
  AnyPgDatabase | string | { readonly pglite: string | true | PGliteInstance }

/** One migration, as {@link migrate} left it. */
export interface MigrationResult {
  /** The migration's name in the journal, e.g. `0000_enable_pgvector`. */
  readonly tag: string
  /** True when this call applied it; false when it was applied before. */
  readonly applied: boolean
}

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
 * database, a connection string (a short-lived postgres.js connection) or a
 * PGlite directory, and reports each migration as applied now or before.
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
  target: MigrationTarget,
  options: MigrateOptions = {},
): Promise<MigrationResult[]> {
  const folder = options.migrationsFolder ?? migrationsFolder
  const migrations = readMigrationFiles({ migrationsFolder: folder })
  const connection = await connectTarget(target)
  try {
    const ran = await applyMigrations(connection.db, migrations, {
      table: validateIdentifier('migrations table', options.migrationsTable ?? migrationsTable),
      schema: validateIdentifier('migrations schema', options.migrationsSchema ?? migrationsSchema),
    })
    return journalTags(folder).map((tag, i) => ({ tag, applied: ran.has(i) }))
  } catch (error) {
    throw wrapEngineError('migrate', error)
  } finally {
    await connection.close()
  }
}

/** Opens what a {@link MigrationTarget} names (a short-lived connection for a URL or directory). */
export function connectTarget(target: MigrationTarget): Promise<Connection> {
  if (typeof target === 'string') return openDsn(target, 1)
  if ('pglite' in target) return openPglite(target.pglite)
  return Promise.resolve(useDatabase(target))
}

// drizzle-kit's journal lists the migrations in the order readMigrationFiles returns them.
function journalTags(folder: string): string[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[]
  }
  return journal.entries.map((entry) => entry.tag)
}

async function applyMigrations(
  db: SqlDatabase,
  migrations: ReturnType<typeof readMigrationFiles>,
  names: { table: string; schema: string },
): Promise<Set<number>> {
  const table = identifier(names.schema, names.table)
  const ran = new Set<number>()
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
    for (const [i, migration] of migrations.entries()) {
      if (lastApplied !== undefined && migration.folderMillis <= lastApplied) continue
      ran.add(i)
      // Migration files are the package's (or the caller's) own drizzle-kit output, run as written.
      for (const statement of migration.sql) {
        if (statement.trim() !== '') await tx.execute(sql.raw(statement))
      }
      await tx.execute(
        sql`INSERT INTO ${table} ("hash", "created_at") VALUES (${migration.hash}, ${migration.folderMillis})`,
      )
    }
  })
  return ran
}
