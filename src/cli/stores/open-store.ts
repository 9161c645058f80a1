import { existsSync } from 'node:fs'
import {
  type BackendStats,
  type DistanceMetric,
  InMemoryVectorBackend,
  StoreNotFoundError,
  UnsupportedFeatureError,
  type VectorBackend,
} from '../../index.js'
import { inContext, UsageError } from '../cli-errors.js'
import { note } from '../output.js'
import { parseStoreUri, redactUri, type StoreLocation } from '../store-uri.js'
import { openPostgres } from './open-postgres.js'

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
  /** After a load: builds what opening deferred (the vector index of a table created now); true if it did. */
  finish(): Promise<boolean>
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
  /**
   * A Postgres table created now gets its vector index in `finish()`, after the load: building
   * it once is many times faster than inserting every row into it. Default: false.
   */
  readonly deferIndex?: boolean
  /** Read replicas of a `postgres://` store (their URLs); other stores refuse them. */
  readonly replicas?: readonly string[]
  /** Full text over this payload key, for hybrid search (memory and Postgres stores). */
  readonly fullText?: { readonly source: string }
}

/** Opens the store a URI names; errors say which URI (password redacted). */
export async function openStore(uri: string, options: OpenStoreOptions): Promise<OpenStore> {
  const label = redactUri(uri)
  try {
    const location = parseStoreUri(uri)
    if ((options.replicas ?? []).length > 0 && location.kind !== 'postgres') {
      throw new UsageError('replicas apply to postgres:// stores only')
    }
    const { backend, finish } =
      location.kind === 'postgres' || location.kind === 'pglite'
        ? await openPostgres(location, options)
        : { backend: await openBackend(location, options), finish: async () => false }
    return {
      label,
      backend,
      explain: (vector, topK) => explain(backend, vector, topK),
      finish: () => finish().catch((error: unknown) => Promise.reject(inContext(error, label))),
      close: () => backend.close(),
    }
  } catch (error) {
    throw inContext(error, label)
  }
}

// Each backend is loaded on use: the memory store works without any optional peer installed.
async function openBackend(
  location: Exclude<StoreLocation, { kind: 'postgres' | 'pglite' }>,
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
      return new InMemoryVectorBackend({
        snapshotPath: location.path,
        ...shape,
        ...(options.fullText !== undefined && { fullText: options.fullText }),
      })
    case 'chroma-local':
    case 'chroma-http': {
      // Refused before anything is written: Chroma can match text but not rank it.
      if (options.fullText !== undefined) {
        throw new UnsupportedFeatureError(
          'hybridSearch',
          'a Chroma store cannot rank by text: hybridSearch is not supported',
        )
      }
      const { ChromaBackend } = await import('../../chroma/index.js')
      if (location.kind === 'chroma-local') {
        mustExist(write, location.path, `no Chroma data directory at ${location.path}`)
      }
      const { collection, kind: _kind, ...server } = location
      return ChromaBackend.create(collection, { ...server, createCollection: write, ...shape })
    }
  }
}

/** Builds the vector index of a target table created without it, and says so. */
export async function buildDeferredIndex(target: OpenStore): Promise<void> {
  const started = performance.now()
  if (await target.finish()) {
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    note(`built the vector index of ${target.label} once the rows were in (${seconds} s)`)
  }
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
