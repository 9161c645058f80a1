import { finished } from 'node:stream/promises'
import type { Writable } from 'node:stream'
import type { Logger, SQL } from 'drizzle-orm'
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
export function onPostgresJs(db: SqlDatabase, logger?: Logger): SqlDatabase | undefined {
  const client = (db as { $client?: unknown }).$client
  if (!isPostgresJs(client)) return undefined
  const dialect = new PgDialect()
  const prepare = client.options.prepare !== false
  const runner = (on: PostgresJsClient, send: Sender = sendNow): CopyRunner => ({
    execute(query: SQL) {
      const { sql, params } = dialect.sqlToQuery(query)
      logger?.logQuery(sql, params)
      return send(() => on.unsafe(sql, params, { prepare }))
    },
    copyIn: (table, chunks) =>
      send(() => copyIn(on, `COPY ${table} FROM STDIN (FORMAT binary)`, chunks)),
  })
  return {
    ...runner(client),
    transaction: (body) => transactionOn(client, (tx, send) => body(runner(tx, send))),
  }
}

/** Sends one statement (or COPY) on a connection. */
type Sender = <R>(statement: () => PromiseLike<R>) => Promise<R>

const sendNow: Sender = (statement) => Promise.resolve(statement())

/**
 * `client.begin(body)`, except that nothing is sent once the transaction's
 * connection is gone. postgres.js 3.4 still hands statements to a closed
 * connection (its own ROLLBACK after the body fails, or the body's next
 * statement) and writes them, from a timer, to a socket it has dropped: an
 * uncaught TypeError that ends the process (porsager/postgres#1208). `begin`
 * rejects as soon as the connection closes; from then on the body's
 * statements never settle, so the body never ends and postgres.js sends
 * nothing more. The server rolls back what the lost connection had begun.
 */
function transactionOn<T>(
  client: PostgresJsClient,
  body: (tx: PostgresJsClient, send: Sender) => Promise<T>,
): Promise<T> {
  let settled = false
  const send: Sender = async (statement) => {
    if (settled) return unsettled()
    try {
      return await statement()
    } catch (error) {
      // A lost connection rejects its statement first and `begin` right after: wait for that.
      await new Promise((resolve) => setImmediate(resolve))
      if (settled) return unsettled()
      throw error
    }
  }
  return client
    .begin((tx) => body(tx, send))
    .finally(() => {
      settled = true
    })
}

// A fresh promise each time: a shared one would keep every stalled body reachable.
function unsettled(): Promise<never> {
  return new Promise(() => {})
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
  const copyDone = copyDoneSent(stream)
  try {
    for (const chunk of chunks) {
      if (stream.destroyed) break
      if (!stream.write(chunk)) await waitForDrain(stream)
    }
  } catch (error) {
    // postgres.js then sends CopyFail: the connection leaves COPY mode and can roll back.
    stream.destroy(error as Error)
    throw error
  }
  stream.end()
  await Promise.race([copyDone, done])
  // postgres.js 3.4 never settles the stream when the server rejects the COPY after CopyDone
  // (porsager/postgres#1173). A statement queued behind the COPY always answers: it fails
  // (transaction aborted) exactly when the COPY failed.
  const probe = client.unsafe('SELECT 1').then(
    () => undefined,
    (error: unknown) => {
      if ((error as { code?: unknown } | null)?.code !== IN_FAILED_TRANSACTION) throw error
      throw new Error('the server rejected the COPY of the batch', { cause: error })
    },
  )
  await Promise.all([done, probe])
}

const IN_FAILED_TRANSACTION = '25P02'

// Resolves once the stream has handed its end to postgres.js (which then sends CopyDone).
function copyDoneSent(stream: Writable): Promise<void> {
  const writable = stream as Writable & { _final?: (callback: (error?: Error) => void) => void }
  const final = writable._final
  if (typeof final !== 'function') return finished(stream).catch(() => {})
  return new Promise((resolve) => {
    writable._final = (callback) => {
      final.call(stream, callback)
      resolve()
    }
  })
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
