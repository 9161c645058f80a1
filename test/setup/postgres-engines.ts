import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import type { AnyPgDatabase } from '../../src/pgvector/index.js'
import { isolatedSchema, postgresForTests } from './postgres.js'

/** A database to run pgvector tests on: PGlite (always) or native Postgres (when available). */
export interface TestEngine {
  readonly name: string
  /** The app-side Drizzle database handed to `PgvectorBackend` as `db`. */
  readonly db: AnyPgDatabase
  /** Schema the file's tables go into (native: one per file; PGlite: none). */
  readonly schema: string | undefined
  /** The server URL (native only). */
  readonly url: string | undefined
  /** Runs raw SQL (test setup and inspection only). */
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

/** An in-memory PGlite with pgvector. */
export async function pgliteEngine(): Promise<TestEngine> {
  const client = await PGlite.create({ extensions: { vector } })
  return {
    name: 'PGlite',
    db: drizzlePglite({ client }),
    schema: undefined,
    url: undefined,
    sql: async (text, params) => (await client.query<Record<string, unknown>>(text, params)).rows,
    close: () => client.close(),
  }
}

/** Native Postgres in a schema of its own, or why it is not available (see postgresForTests). */
export async function nativeEngine(prefix: string): Promise<TestEngine | { skip: string }> {
  const server = await postgresForTests()
  if ('skip' in server) return server
  const { schema, drop } = await isolatedSchema(server.url, prefix)
  const client = postgres(server.url, { max: 4, onnotice: () => {} })
  return {
    name: `native Postgres (${server.source})`,
    db: drizzlePostgres({ client }),
    schema,
    url: server.url,
    sql: async (text, params) =>
      (await client.unsafe(text, (params ?? []) as never[])) as unknown as Record<
        string,
        unknown
      >[],
    close: async () => {
      await client.end()
      await drop()
      await server.stop()
    },
  }
}

/** Both engines for a test file: PGlite always, native Postgres when present. */
export async function testEngines(
  prefix: string,
): Promise<{ engines: TestEngine[]; skipped: string | undefined }> {
  const native = await nativeEngine(prefix)
  const engines = [await pgliteEngine()]
  if ('skip' in native) return { engines, skipped: native.skip }
  return { engines: [...engines, native], skipped: undefined }
}

/** The schema-qualified, quoted name of a test table. */
export function qualified(engine: TestEngine, table: string): string {
  return engine.schema === undefined ? `"${table}"` : `"${engine.schema}"."${table}"`
}
