import { existsSync } from 'node:fs'
import { join } from 'node:path'
import {
  type BackendStats,
  type DistanceMetric,
  InMemoryVectorBackend,
  SchemaMismatchError,
  StoreNotFoundError,
  type VectorBackend,
} from '../../index.js'
import { inContext } from '../cli-errors.js'
import { parseStoreUri, redactUri, type StoreLocation } from '../store-uri.js'

/** What `explain` prints: whether a search uses a vector index, and how it runs. */
export interface StorePlan {
  readonly usesVectorIndex: boolean
  readonly text: string
}

/** The backend calls the commands make, beyond the contract (every vecstore backend has them). */
export type StoreBackend = VectorBackend &
  Required<Pick<VectorBackend, 'getByIds' | 'upsertMany' | 'close'>> & {
    readonly metric: DistanceMetric
    readonly dim: number | undefined
    readonly model: string | undefined
    readonly label: string | undefined
    stats(): Promise<BackendStats>
  }

/** A backend opened from a URI. */
export interface OpenStore {
  /** The URI with any password redacted: safe to print. */
  readonly label: string
  readonly backend: StoreBackend
  /** Plans a search: pgvector's `explain`, or what the backend's index implies. */
  explain(vector: Float32Array, topK: number): Promise<StorePlan>
  close(): Promise<void>
}

/** How to open: `read` needs the store to exist and changes nothing; `write` creates it when missing. */
export interface OpenStoreOptions {
  readonly mode: 'read' | 'write'
  /** Metric for a store created now; an existing one with another metric is refused. */
  readonly metric?: DistanceMetric
  /** Dimension for a store created now; an existing one with another dimension is refused. */
  readonly dim?: number
  /** Embedding model recorded with a store created now (or not yet recorded); another one is refused. */
  readonly model?: string
}

/** Opens the store a URI names; errors say which URI (password redacted). */
export async function openStore(uri: string, options: OpenStoreOptions): Promise<OpenStore> {
  const label = redactUri(uri)
  try {
    const backend = await openBackend(parseStoreUri(uri), options)
    return {
      label,
      backend,
      explain: (vector, topK) => explain(backend, vector, topK),
      close: () => backend.close(),
    }
  } catch (error) {
    throw inContext(error, label)
  }
}

// Each backend is loaded on use: the memory store works without any optional peer installed.
async function openBackend(
  location: StoreLocation,
  options: OpenStoreOptions,
): Promise<StoreBackend> {
  const shape = {
    ...(options.metric !== undefined && { metric: options.metric }),
    ...(options.dim !== undefined && { dim: options.dim }),
    ...(options.model !== undefined && { model: options.model }),
  }
  const write = options.mode === 'write'
  switch (location.kind) {
    case 'memory':
      mustExist(write, location.path, `no snapshot file at ${location.path}`)
      return new InMemoryVectorBackend({ snapshotPath: location.path, ...shape })
    case 'pglite':
    case 'postgres': {
      const { migrate, PgvectorBackend } = await import('../../pgvector/index.js')
      if (location.kind === 'pglite') {
        // PGlite would initialize a new, empty database in a missing or empty directory.
        mustExist(write, join(location.dir, 'PG_VERSION'), `no PGlite database in ${location.dir}`)
      }
      // The default table comes from the package's migrations, as `vecstore migrate` makes it,
      // so the two commands agree whichever runs first.
      const defaultTable = location.table === undefined && location.schema === undefined
      if (write && defaultTable) {
        await migrate(location.kind === 'postgres' ? location.dsn : { pglite: location.dir })
      }
      return PgvectorBackend.create({
        ...(location.kind === 'postgres'
          ? { dsn: location.dsn, maxConnections: 4 }
          : { pglite: location.dir }),
        ...(location.table !== undefined && { table: location.table }),
        ...(location.schema !== undefined && { schema: location.schema }),
        // Read mode runs no DDL: a missing table is an error, not a new empty one.
        manageSchema: write,
        ...shape,
      }).catch(async (error: unknown) => {
        throw write ? error : ((await missingTable(location, error)) ?? error)
      })
    }
    case 'chroma-local':
    case 'chroma-http': {
      const { ChromaBackend } = await import('../../chroma/index.js')
      if (location.kind === 'chroma-local') {
        mustExist(write, location.path, `no Chroma data directory at ${location.path}`)
      }
      const { collection, kind: _kind, ...server } = location
      return ChromaBackend.create(collection, { ...server, createCollection: write, ...shape })
    }
  }
}

// A store the command only reads is missing, not mismatched: say so without the backend's API terms.
async function missingTable(
  location: Extract<StoreLocation, { kind: 'postgres' | 'pglite' }>,
  error: unknown,
): Promise<StoreNotFoundError | undefined> {
  if (!(error instanceof SchemaMismatchError)) return undefined
  const { diagnose } = await import('../../pgvector/index.js')
  const table = location.table ?? 'vecstore_vectors'
  const { extensionVersion, problems } = await diagnose(
    location.kind === 'postgres' ? location.dsn : { pglite: location.dir },
    [table],
    location.schema === undefined ? {} : { schema: location.schema },
  )
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

function mustExist(write: boolean, path: string, message: string): void {
  if (!write && !existsSync(path)) throw new StoreNotFoundError(message)
}

// pgvector plans the query; the other backends' index kind says how every search runs.
async function explain(
  backend: StoreBackend,
  vector: Float32Array,
  topK: number,
): Promise<StorePlan> {
  if (plansQueries(backend)) {
    const plan = await backend.explain(vector, topK, {})
    const settings = plan.settings.map(([name, value]) => `${name} = ${value}`).join(', ')
    const lines = [
      `vector index: ${plan.vectorIndex ?? 'none'}`,
      ...(settings === '' ? [] : [`settings: ${settings}`]),
      plan.text,
    ]
    return { usesVectorIndex: plan.usesVectorIndex, text: lines.join('\n') }
  }
  const stats = await backend.stats()
  if (stats.kind === 'exact') {
    return {
      usesVectorIndex: false,
      text: `no vector index: every search scans all ${stats.count} vectors exactly.`,
    }
  }
  const params = stats.parameters.map(([key, value]) => `${key}=${value}`).join(', ')
  return {
    usesVectorIndex: true,
    text: `every search is answered from the ${stats.kind} index (approximate; ${params || 'server defaults'}).`,
  }
}

function plansQueries(
  backend: StoreBackend,
): backend is StoreBackend & Pick<import('../../pgvector/index.js').PgvectorBackend, 'explain'> {
  return typeof (backend as { explain?: unknown }).explain === 'function'
}
