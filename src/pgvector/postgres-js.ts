import { finished } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import type { SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { SqlDatabase } from './connection.js'
import type { CopyRunner } from './copy-runner.js'

/** The parts of a postgres.js client (`Sql` or a transaction's) used here. */
interface PostgresJsClient {
  unsafe(
    query: string,
    params?: unknown[],
    options?: { prepare?: boolean },
  ): PromiseLike<unknown> & { writable(): Promise<Writable> }
  begin<T>(body: (tx: PostgresJsClient) => Promise<T>): Promise<T>
  readonly options: { readonly prepare?: boolean; readonly parsers?: unknown }
}

/**
 * The postgres.js client under a Drizzle postgres-js database (`db.$client`),
 * run directly: statements are then prepared once per connection (Drizzle's
 * `execute` sends unnamed ones, costing a Describe round trip and a fresh
 * plan on every call), and bulk loads can use COPY. The client's own
 * `prepare` option is kept, so a client set up for a transaction pooler
 * (`prepare: false`) stays that way. Undefined for other drivers.
 */
export function onPostgresJs(db: SqlDatabase): SqlDatabase | undefined {
  const client = (db as { $client?: unknown }).$client
  if (!isPostgresJs(client)) return undefined
  const dialect = new PgDialect()
  const prepare = client.options.prepare !== false
  const runner = (on: PostgresJsClient): CopyRunner => ({
    execute(query: SQL) {
      const { sql, params } = dialect.sqlToQuery(query)
      return on.unsafe(sql, params, { prepare })
    },
    copyIn: (table, chunks) => copyIn(on, `COPY ${table} FROM STDIN (FORMAT binary)`, chunks),
  })
  return {
    ...runner(client),
    transaction: (body) => client.begin((tx) => body(runner(tx))),
  }
}

// postgres.js's `sql` is a function with these members; other drivers' clients are objects.
function isPostgresJs(client: unknown): client is PostgresJsClient {
  if (typeof client !== 'function') return false
  const candidate = client as unknown as Partial<PostgresJsClient>
  return (
    typeof candidate.unsafe === 'function' &&
    typeof candidate.begin === 'function' &&
    typeof candidate.options?.parsers === 'object'
  )
}

async function copyIn(
  client: PostgresJsClient,
  statement: string,
  chunks: Iterable<Uint8Array>,
): Promise<void> {
  const stream = await client.unsafe(statement).writable()
  // A server error ends the stream early; `finished` then rejects with it.
  const done = finished(stream)
  done.catch(() => {})
  for (const chunk of chunks) {
    if (stream.destroyed) break
    if (!stream.write(chunk)) await waitForDrain(stream)
  }
  stream.end()
  await done
}

function waitForDrain(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}
