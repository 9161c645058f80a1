import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SchemaMismatchError, StoreNotFoundError } from '../../index.js'
import type { StoreLocation } from '../store-uri.js'
import type { OpenStoreOptions, StoreBackend } from './open-store.js'

type PostgresLocation = Extract<StoreLocation, { kind: 'postgres' | 'pglite' }>

/** The default table: vecstore's migrations make it, as `vecstore migrate` does. */
const DEFAULT_TABLE = 'vecstore_vectors'

/**
 * Opens a pgvector table. Read mode runs no DDL (a missing table is an error,
 * not a new empty one); write mode creates what is missing, and with
 * `deferIndex` a table created now gets its vector index in `finish()`.
 */
export async function openPostgres(
  location: PostgresLocation,
  options: OpenStoreOptions,
): Promise<{ backend: StoreBackend; finish: () => Promise<boolean> }> {
  const { migrate, PgvectorBackend } = await import('../../pgvector/index.js')
  const write = options.mode === 'write'
  // PGlite would initialize a new, empty database in a missing or empty directory.
  if (location.kind === 'pglite' && !write && !existsSync(join(location.dir, 'PG_VERSION'))) {
    throw new StoreNotFoundError(`no PGlite database in ${location.dir}`)
  }
  const target = location.kind === 'postgres' ? location.dsn : { pglite: location.dir }
  // The default table comes from the package's migrations, so the commands agree whichever runs first.
  const defaultTable = location.table === undefined && location.schema === undefined
  if (write && defaultTable) await migrate(target)
  const config = {
    ...(location.kind === 'postgres'
      ? {
          dsn: location.dsn,
          maxConnections: 4,
          ...((options.replicas ?? []).length > 0 && { replicas: options.replicas }),
        }
      : { pglite: location.dir }),
    ...(location.table !== undefined && { table: location.table }),
    ...(location.schema !== undefined && { schema: location.schema }),
    ...(options.metric !== undefined && { metric: options.metric }),
    ...(options.dim !== undefined && { dim: options.dim }),
    ...(options.model !== undefined && { model: options.model }),
    ...(options.fullText !== undefined && { fullText: options.fullText }),
    manageSchema: write,
  }
  const defer = write && options.deferIndex === true && !defaultTable && (await isMissing(location))
  const backend = await PgvectorBackend.create({
    ...config,
    ...(defer && { index: 'none' as const }),
  }).catch(async (error: unknown) => {
    throw write ? error : ((await missingTable(location, error)) ?? error)
  })
  // Opening the table with its index builds the index it lacks.
  const finish = async () => {
    if (!defer) return false
    await backend.close()
    await (await PgvectorBackend.create(config)).close()
    return true
  }
  return { backend, finish }
}

async function isMissing(location: PostgresLocation): Promise<boolean> {
  const { extensionVersion, problems } = await diagnoseTable(location)
  return extensionVersion === undefined || problems.some((p) => p.problem === 'does not exist')
}

function diagnoseTable(location: PostgresLocation) {
  return import('../../pgvector/index.js').then(({ diagnose }) =>
    diagnose(
      location.kind === 'postgres' ? location.dsn : { pglite: location.dir },
      [location.table ?? DEFAULT_TABLE],
      location.schema === undefined ? {} : { schema: location.schema },
    ),
  )
}

// A store the command only reads is missing, not mismatched: say so without the backend's API terms.
async function missingTable(
  location: PostgresLocation,
  error: unknown,
): Promise<StoreNotFoundError | undefined> {
  if (!(error instanceof SchemaMismatchError)) return undefined
  const table = location.table ?? DEFAULT_TABLE
  const { extensionVersion, problems } = await diagnoseTable(location)
  if (extensionVersion === undefined) {
    return new StoreNotFoundError(
      `no table ${table} in this database: it does not have the pgvector extension`,
    )
  }
  if (problems.some((problem) => problem.problem === 'does not exist')) {
    return new StoreNotFoundError(`no table ${table} in this database`)
  }
  return undefined
}
