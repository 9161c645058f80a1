import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { AnyPgDatabase, Connection } from '../../pgvector/connection.js'
import { openDsn, openPglite } from '../../pgvector/connection.js'
import { PgvectorBackend } from '../../pgvector/pgvector-backend.js'
import { DEFAULT_TABLE_NAME } from '../../pgvector/table-spec.js'
import { StoreNotFoundError } from '../cli-errors.js'
import type { StoreLocation } from '../store-uri.js'
import type { OpenStore, OpenStoreOptions } from './open-store.js'
import { tableSizes, vectorIndexOf } from './pgvector-stats.js'
import { rawSqlOf } from './raw-sql.js'

type PgLocation = Extract<StoreLocation, { kind: 'pglite' | 'postgres' }>

/** Opens a database connection for a `pglite:` or `postgres://` location (the caller closes it). */
export async function connectPg(location: PgLocation, label: string, mode: 'read' | 'write') {
  if (location.kind === 'postgres') return openDsn(location.dsn, 4)
  // PGlite would initialize a new, empty database in a missing or empty directory.
  if (mode === 'read' && !existsSync(join(location.dir, 'PG_VERSION'))) {
    throw new StoreNotFoundError(label, `no PGlite database in ${location.dir}`)
  }
  mkdirSync(location.dir, { recursive: true })
  return openPglite(location.dir)
}

/**
 * A pgvector table. Read mode runs no DDL (`manageSchema: false`): a missing
 * table is an error, not a new empty one.
 */
export async function openPgvectorStore(
  location: PgLocation,
  label: string,
  options: OpenStoreOptions,
): Promise<OpenStore> {
  const connection = await connectPg(location, label, options.mode)
  try {
    return await storeOn(connection, location, label, options)
  } catch (error) {
    await connection.close().catch(() => {})
    throw error
  }
}

async function storeOn(
  connection: Connection,
  location: PgLocation,
  label: string,
  options: OpenStoreOptions,
): Promise<OpenStore> {
  const table = location.table ?? DEFAULT_TABLE_NAME
  const backend = await PgvectorBackend.create({
    db: connection.db as unknown as AnyPgDatabase,
    table,
    ...(location.schema !== undefined && { schema: location.schema }),
    manageSchema: options.mode === 'write',
    ...(options.metric !== undefined && { metric: options.metric }),
    ...(options.dim !== undefined && { dim: options.dim }),
  })
  // Names were validated by the backend (letters, digits, _): quoting is all that is left.
  const qualified = `${location.schema === undefined ? '' : `"${location.schema}".`}"${table}"`
  const run = rawSqlOf(connection.db, 'read table statistics')
  return {
    label,
    backend,
    get metric() {
      return backend.metric
    },
    get dim() {
      return backend.dim
    },
    async stats() {
      const index = await vectorIndexOf(run, qualified)
      return {
        count: await backend.count({}),
        dimensions: backend.dim,
        metric: backend.metric,
        index: index?.kind ?? 'none',
        indexParameters: index === undefined ? [] : [['name', index.name], ...index.parameters],
        sizes: await tableSizes(run, qualified),
      }
    },
    async explain(vector, topK) {
      const plan = await backend.explain(vector, topK, {})
      const settings = plan.settings.map(([name, value]) => `${name} = ${value}`).join(', ')
      return {
        usesVectorIndex: plan.usesVectorIndex,
        text: [
          `vector index: ${plan.vectorIndex ?? 'none'}`,
          ...(settings === '' ? [] : [`settings: ${settings}`]),
          plan.text,
        ].join('\n'),
      }
    },
    close: async () => {
      await backend.close()
      await connection.close()
    },
  }
}
