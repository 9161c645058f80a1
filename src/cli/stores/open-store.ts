import type { VectorBackend } from '../../core/backend.js'
import type { DistanceMetric } from '../../core/metric.js'
import { inContext } from '../cli-errors.js'
import { parseStoreUri, redactUri, type StoreLocation } from '../store-uri.js'

/** What `stats` prints about a store. */
export interface StoreStats {
  readonly count: number
  readonly dimensions: number | undefined
  readonly metric: DistanceMetric
  /** Vector index kind, e.g. `hnsw`, `ivfflat`, `none`, `exact scan`. */
  readonly index: string
  /** Index parameters as name/value pairs (m, ef_construction, lists, ...). */
  readonly indexParameters: readonly (readonly [string, string])[]
  /** Storage used, as labelled byte counts (table, indexes, files); empty when the engine does not say. */
  readonly sizes: readonly (readonly [string, number])[]
}

/** What `explain` prints: whether a search uses a vector index, and how it runs. */
export interface StorePlan {
  readonly usesVectorIndex: boolean
  readonly text: string
}

/** A backend opened from a URI, with what the commands need beyond the backend contract. */
export interface OpenStore {
  /** The URI with any password redacted: safe to print. */
  readonly label: string
  readonly backend: VectorBackend & Required<Pick<VectorBackend, 'getByIds'>>
  readonly metric: DistanceMetric
  /** The dimension, once the store holds an entry or was created with one. */
  readonly dim: number | undefined
  stats(): Promise<StoreStats>
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
}

/** Opens the store a URI names; errors say which URI (password redacted). */
export async function openStore(uri: string, options: OpenStoreOptions): Promise<OpenStore> {
  const label = redactUri(uri)
  const location = parseStoreUri(uri)
  try {
    return await openLocation(location, label, options)
  } catch (error) {
    throw inContext(error, label)
  }
}

// Each kind is loaded on use: the memory store must work without any optional peer installed.
async function openLocation(
  location: StoreLocation,
  label: string,
  options: OpenStoreOptions,
): Promise<OpenStore> {
  switch (location.kind) {
    case 'memory':
      return (await import('./memory-store.js')).openMemoryStore(location.path, label, options)
    case 'pglite':
    case 'postgres':
      return (await import('./pgvector-store.js')).openPgvectorStore(location, label, options)
    case 'chroma-local':
    case 'chroma-http':
      return (await import('./chroma-store.js')).openChromaStore(location, label, options)
  }
}
