import {
  BackendQueryError,
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InvalidArgumentError,
  MetricMismatchError,
  StoreNotFoundError,
} from '../core/errors.js'
import { DISTANCE_METRICS, type DistanceMetric } from '../core/metric.js'
import type { ChromaClientLike, ChromaCollectionLike, ChromaMetadataValue } from './chroma-api.js'
import type { ChromaHnswOptions } from './chroma-backend-config.js'
import { processRegistry } from './process-registry.js'

/** Collection metadata key: the payload format version this package writes. */
export const FORMAT_KEY = 'vecstore:format'
/** Collection metadata key: the dimension given at creation. */
export const DIM_KEY = 'vecstore:dim'
/** Collection metadata key: the embedding model recorded with the collection. */
export const MODEL_KEY = 'vecstore:model'
const FORMAT_VERSION = 1
// Used when the server does not report a max batch size.
const DEFAULT_MAX_BATCH = 1000

/** A collection ready for use, with what the backend needs to know about it. */
export interface OpenCollection {
  readonly collection: ChromaCollectionLike
  readonly metric: DistanceMetric
  readonly dim: number | undefined
  /** The embedding model recorded with the collection (or asked for and recorded now). */
  readonly model: string | undefined
  readonly maxBatchSize: number
}

/** What the backend asks for. */
export interface CollectionRequest {
  readonly name: string
  readonly metric: DistanceMetric | undefined
  readonly dim: number | undefined
  readonly model: string | undefined
  readonly hnsw: ChromaHnswOptions | undefined
  /** Create the collection when missing; false: a missing one is a {@link StoreNotFoundError}. */
  readonly create: boolean
}

// Vectors are always given, never computed from text: this keeps the client from loading a default model.
const NO_TEXT_EMBEDDING = {
  generate: () =>
    Promise.reject(new Error('vecstore passes embeddings; it never embeds text here')),
}

/**
 * Gets or creates the collection and checks it against the request: the
 * space (metric) is fixed at creation, so another one throws
 * {@link MetricMismatchError}; a dimension that differs from the entries'
 * throws {@link DimensionMismatchError}; a non-empty collection that this
 * package did not write is refused (its entries lack the metadata filters rely on).
 */
export async function openCollection(
  client: ChromaClientLike,
  request: CollectionRequest,
): Promise<OpenCollection> {
  const collection = request.create
    ? await createCollection(client, request)
    : await existingCollection(client, request.name)
  const metric = spaceOf(collection)
  if (request.metric !== undefined && metric !== request.metric) {
    throw new MetricMismatchError(request.metric, metric)
  }
  await checkFormat(collection)
  const dim = await dimensionOf(collection)
  if (request.dim !== undefined && dim !== undefined && dim !== request.dim) {
    throw new DimensionMismatchError(dim, request.dim, collectionLabel(request.name))
  }
  const model = await checkModel(collection, request)
  const reported = (await client.getMaxBatchSize?.()) ?? -1
  const maxBatchSize = reported > 0 ? reported : DEFAULT_MAX_BATCH
  return { collection, metric, dim: dim ?? request.dim, model, maxBatchSize }
}

/** How messages name a collection. */
export function collectionLabel(name: string): string {
  return `collection '${name}'`
}

// A model asked for must be the recorded one; one not recorded yet is recorded now.
async function checkModel(
  collection: ChromaCollectionLike,
  request: CollectionRequest,
): Promise<string | undefined> {
  const metadata = collection.metadata ?? {}
  const recorded = metadata[MODEL_KEY]
  const stored = typeof recorded === 'string' ? recorded : undefined
  if (request.model === undefined || request.model === stored) return stored
  if (stored !== undefined) {
    throw new EmbeddingModelMismatchError(collectionLabel(request.name), stored, request.model)
  }
  // modify() replaces the metadata: keep what is there.
  await collection.modify({
    metadata: { ...(metadata as Record<string, ChromaMetadataValue>), [MODEL_KEY]: request.model },
  })
  return request.model
}

function createCollection(
  client: ChromaClientLike,
  request: CollectionRequest,
): Promise<ChromaCollectionLike> {
  return client.getOrCreateCollection({
    name: request.name,
    configuration: {
      hnsw: { space: request.metric ?? 'cosine', ...hnswConfiguration(request.hnsw) },
    },
    metadata: {
      [FORMAT_KEY]: FORMAT_VERSION,
      ...(request.dim !== undefined && { [DIM_KEY]: request.dim }),
      ...(request.model !== undefined && { [MODEL_KEY]: request.model }),
    },
    embeddingFunction: null,
  })
}

async function existingCollection(
  client: ChromaClientLike,
  name: string,
): Promise<ChromaCollectionLike> {
  try {
    return await client.getCollection({ name, embeddingFunction: NO_TEXT_EMBEDDING })
  } catch (error) {
    if ((error as Error | undefined)?.name === 'ChromaNotFoundError') {
      throw new StoreNotFoundError(`collection '${name}' does not exist`)
    }
    throw error
  }
}

function hnswConfiguration(hnsw: ChromaHnswOptions | undefined): Record<string, number> {
  const config: Record<string, number> = {}
  if (hnsw?.efConstruction !== undefined) config['ef_construction'] = hnsw.efConstruction
  if (hnsw?.efSearch !== undefined) config['ef_search'] = hnsw.efSearch
  if (hnsw?.maxNeighbors !== undefined) config['max_neighbors'] = hnsw.maxNeighbors
  return config
}

/** The collection's space: its configuration, else legacy `hnsw:space` metadata, else Chroma's default (l2). */
export function spaceOf(collection: ChromaCollectionLike): DistanceMetric {
  const config = collection.configuration as
    { hnsw?: { space?: unknown } | null; spann?: { space?: unknown } | null } | undefined
  const space =
    config?.hnsw?.space ?? config?.spann?.space ?? collection.metadata?.['hnsw:space'] ?? 'l2'
  if (!DISTANCE_METRICS.includes(space as DistanceMetric)) {
    throw new BackendQueryError('open collection', `unknown Chroma space ${JSON.stringify(space)}`)
  }
  return space as DistanceMetric
}

async function checkFormat(collection: ChromaCollectionLike): Promise<void> {
  const metadata = collection.metadata ?? {}
  const format = metadata[FORMAT_KEY]
  if (format === FORMAT_VERSION) return
  if (format !== undefined) {
    throw new InvalidArgumentError(
      `collection '${collection.name}' was written by a newer vecstore (format ${String(format)})`,
    )
  }
  if ((await collection.count()) > 0) {
    throw new InvalidArgumentError(
      `collection '${collection.name}' holds entries that vecstore did not write; ` +
        'its filters need the metadata vecstore adds, so copy the entries into a new collection through ChromaBackend',
    )
  }
  // Empty and unmarked (created elsewhere): adopt it. modify() replaces the metadata, so keep what is there.
  await collection.modify({
    metadata: {
      ...(metadata as Record<string, ChromaMetadataValue>),
      [FORMAT_KEY]: FORMAT_VERSION,
    },
  })
}

async function dimensionOf(collection: ChromaCollectionLike): Promise<number | undefined> {
  const recorded = collection.metadata?.[DIM_KEY]
  if (typeof recorded === 'number') return recorded
  const sample = await collection.get({ limit: 1, include: ['embeddings'] })
  return sample.embeddings[0]?.length
}

// Ephemeral collections in use per local server, so the last user drops the collection.
const ephemeralUsers = processRegistry().ephemeralUsers

/** Counts a backend using a collection on the ephemeral server. */
export function retainEphemeral(serverPid: number, name: string): void {
  const key = `${serverPid}/${name}`
  ephemeralUsers.set(key, (ephemeralUsers.get(key) ?? 0) + 1)
}

/** Uncounts it; true when it was the last user (the collection should be dropped). */
export function releaseEphemeral(serverPid: number, name: string): boolean {
  const key = `${serverPid}/${name}`
  const users = (ephemeralUsers.get(key) ?? 1) - 1
  if (users > 0) ephemeralUsers.set(key, users)
  else ephemeralUsers.delete(key)
  return users <= 0
}
