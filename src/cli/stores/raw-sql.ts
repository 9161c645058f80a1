import type { SqlDatabase } from '../../pgvector/connection.js'
import { wrapEngineError } from '../../pgvector/engine-errors.js'

/** Runs parameterized SQL on the driver under a Drizzle database (for reads the backend has no method for). */
export type RawSql = (
  text: string,
  params?: readonly unknown[],
) => Promise<Record<string, unknown>[]>

// Drizzle exposes the driver it wraps as `$client`: PGlite has query(), postgres.js unsafe().
interface DriverClient {
  query?(text: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[] }>
  unsafe?(text: string, params: unknown[]): Promise<Record<string, unknown>[]>
}

/** A {@link RawSql} over the driver of a Drizzle PGlite or postgres.js database. */
export function rawSqlOf(db: SqlDatabase, operation: string): RawSql {
  const client = (db as unknown as { $client?: DriverClient }).$client
  return async (text, params = []) => {
    try {
      if (typeof client?.unsafe === 'function') return [...(await client.unsafe(text, [...params]))]
      if (typeof client?.query === 'function') return (await client.query(text, [...params])).rows
    } catch (error) {
      throw wrapEngineError(operation, error)
    }
    throw new TypeError('expected a Drizzle database over PGlite or postgres.js')
  }
}
