import type { SQL } from 'drizzle-orm'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { mkdirSync } from 'node:fs'
import { InvalidArgumentError } from '../core/errors.js'
import { importPeer } from '../internal/peer.js'
import { deferredCloseSockets } from './deferred-close-socket.js'

/**
 * An existing PGlite instance (from `@electric-sql/pglite`, created with the
 * pgvector extension). Typed by the calls made on it, so vecstore's types do
 * not need that package installed.
 */
export interface PGliteInstance {
  /** Runs a statement. */
  query(sql: string, params?: unknown[]): Promise<unknown>
  /** Settles when the instance is ready. */
  readonly waitReady: Promise<void>
}

/** Any Drizzle Postgres database: postgres-js, node-postgres, PGlite, ... */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyPgDatabase = PgDatabase<PgQueryResultHKT, any, any>

/**
 * What the backend calls on a Drizzle database or transaction. Only public
 * Drizzle API (`execute`, `transaction`): one code path for every driver.
 */
export interface SqlRunner {
  execute(query: SQL): PromiseLike<unknown>
}

/** A database that can also open transactions. */
export interface SqlDatabase extends SqlRunner {
  transaction<T>(body: (tx: SqlRunner) => Promise<T>): Promise<T>
}

/** A database handle and how to release what the backend opened for it. */
export interface Connection {
  readonly db: SqlDatabase
  /** Closes the pool or embedded database the backend opened; a no-op for an injected one. */
  close(): Promise<void>
}

/** The rows of a `db.execute()` result: postgres-js returns an array, node-postgres and PGlite `{ rows }`. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  const rows = Array.isArray(result) ? result : (result as { rows?: unknown } | null)?.rows
  return Array.isArray(rows) ? withoutHoles(rows as Record<string, unknown>[]) : []
}

// postgres.js (3.4.9) keeps its row counter where a query that failed while streaming rows
// stopped, so the next query on that connection resolves with as many leading holes
// (porsager/postgres#1119). The rows after them are that query's own.
function withoutHoles(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  if (rows.length === 0 || 0 in rows) return rows
  const kept: Record<string, unknown>[] = []
  rows.forEach((row) => kept.push(row)) // forEach skips holes
  return kept
}

/** Wraps an application's Drizzle database; it is never closed by the backend. */
export function useDatabase(db: AnyPgDatabase): Connection {
  if (typeof (db as Partial<SqlDatabase>)?.execute !== 'function') {
    throw new InvalidArgumentError('expected db to be a Drizzle Postgres database')
  }
  return { db: db as unknown as SqlDatabase, close: async () => {} }
}

/** Options of the pools the backend opens for URLs. */
export interface PoolOptions {
  /** Named prepared statements (false for a transaction pooler such as PgBouncer before 1.21). */
  readonly prepare: boolean
}

/** Opens a postgres.js pool for a connection string; closing the backend ends it. */
export async function openDsn(
  dsn: unknown,
  maxConnections: number,
  { prepare }: PoolOptions = { prepare: true },
): Promise<Connection> {
  if (typeof dsn !== 'string' || !/^postgres(ql)?:\/\//.test(dsn)) {
    throw new InvalidArgumentError('expected dsn to be a postgres:// or postgresql:// URL')
  }
  const { default: postgres } = await importPeer(
    () => import('postgres'),
    'postgres',
    "PgvectorBackend's dsn option",
  )
  const { drizzle } = await importPeer(
    () => import('drizzle-orm/postgres-js'),
    'drizzle-orm',
    "PgvectorBackend's dsn option",
  )
  let client: ReturnType<typeof postgres>
  try {
    // Notices ("already exists, skipping") are expected during initialize: keep them off stdout.
    client = postgres(dsn, {
      max: maxConnections,
      prepare,
      onnotice: () => {},
      backoff: reconnectDelay,
      // postgres.js would query the array types on every new connection, and that query's
      // failure (the server gone meanwhile) is an unhandled rejection, which ends the process.
      // No statement here binds or reads an array.
      fetch_types: false,
      // Not in postgres.js's types, but documented ("Custom socket").
      ...({ socket: deferredCloseSockets() } as object),
    })
  } catch {
    // The parser's error would quote the URL, password included: report without it.
    throw new InvalidArgumentError('expected dsn to be a valid postgres:// URL')
  }
  return {
    db: drizzle({ client }) as unknown as SqlDatabase,
    close: () => client.end({ timeout: 5 }),
  }
}

/**
 * Seconds before a pooled connection that failed reconnects: 50 ms doubling
 * to at most 2 s, with jitter. postgres.js's default grows to 20 s after a
 * few failures, so a pool stayed down for that long after a server restart.
 */
export function reconnectDelay(failures: number): number {
  return Math.min(0.05 * 2 ** Math.max(0, failures - 1), 2) * (0.75 + Math.random() / 4)
}

/**
 * Opens embedded Postgres (PGlite) with pgvector: in memory (`true`), in a
 * directory, or an existing instance (which the backend does not close).
 */
export async function openPglite(pglite: true | string | PGliteInstance): Promise<Connection> {
  const invalid = () =>
    new InvalidArgumentError('expected pglite to be true, a directory or a PGlite instance')
  // The package itself first: drizzle-orm/pglite imports it, so a missing one is named right.
  const { PGlite } = await importPeer(
    () => import('@electric-sql/pglite'),
    '@electric-sql/pglite',
    "PgvectorBackend's pglite option",
  )
  const { drizzle } = await importPeer(
    () => import('drizzle-orm/pglite'),
    'drizzle-orm',
    "PgvectorBackend's pglite option",
  )
  if (typeof pglite === 'object' && pglite !== null) {
    if (typeof pglite.query !== 'function') throw invalid()
    const client = pglite as unknown as InstanceType<typeof PGlite>
    return { db: drizzle({ client }) as unknown as SqlDatabase, close: async () => {} }
  }
  if (pglite !== true && (typeof pglite !== 'string' || pglite === '')) throw invalid()
  const { vector } = await importPeer(
    () => import('@electric-sql/pglite-pgvector'),
    '@electric-sql/pglite-pgvector',
    "PgvectorBackend's pglite option",
  )
  if (pglite !== true) mkdirSync(pglite, { recursive: true })
  // The options object form: \`new PGlite(undefined, { extensions })\` silently drops the extensions.
  const client = await PGlite.create({
    ...(pglite === true ? {} : { dataDir: pglite }),
    extensions: { vector },
  })
  return { db: drizzle({ client }) as unknown as SqlDatabase, close: () => client.close() }
}
