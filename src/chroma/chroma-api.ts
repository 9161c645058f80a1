/**
 * The parts of the `chromadb` client that ChromaBackend calls, typed
 * structurally. We don't use the types from `chromadb` here so that the
 * package stays an optional peer, an injected client from any 3.x release
 * fits, and Chroma's API churn stays out of our public types.
 */

/** A metadata value as Chroma stores it (server 1.0: scalars only). */
export type ChromaMetadataValue = string | number | boolean

/** One record's metadata. */
export type ChromaMetadata = Record<string, ChromaMetadataValue>

type ChromaLiteral = string | number | boolean

/** One operator on one metadata key. */
export type ChromaOperatorExpression =
  | { $eq: ChromaLiteral }
  | { $ne: ChromaLiteral }
  | { $gt: number }
  | { $gte: number }
  | { $lt: number }
  | { $lte: number }
  | { $in: ChromaLiteral[] }
  | { $nin: ChromaLiteral[] }

/** A `where` clause in Chroma's filter language (built by `where.ts`). */
export type ChromaWhere =
  | { [key: string]: ChromaLiteral | ChromaOperatorExpression }
  | { $and: ChromaWhere[] }
  | { $or: ChromaWhere[] }

/** The record fields a read can include. */
export type ChromaInclude = 'metadatas' | 'distances' | 'embeddings' | 'documents'

/** What `collection.get` returns (the fields we read). */
export interface ChromaGetResult {
  /** The ids found. */
  readonly ids: string[]
  /** Their metadata, when included. */
  readonly metadatas: (Record<string, unknown> | null)[]
  /** Their vectors, when included. */
  readonly embeddings: (readonly number[] | null)[]
}

/** What `collection.query` returns (the fields we read): one row per query embedding. */
export interface ChromaQueryResult {
  /** The ids per query, nearest first. */
  readonly ids: string[][]
  /** Their distances in Chroma's convention (see `DistanceMetric`). */
  readonly distances: (number | null)[][]
  /** Their metadata, when included. */
  readonly metadatas: (Record<string, unknown> | null)[][]
}

/** The collection calls ChromaBackend makes. */
export interface ChromaCollectionLike {
  /** The collection name. */
  readonly name: string
  /** The collection's metadata (vecstore records its format and dimension there). */
  readonly metadata?: Record<string, unknown> | undefined
  /** The collection's configuration (the HNSW space and parameters). */
  readonly configuration?: unknown
  /** Writes entries (Chroma merges metadata into existing entries). */
  upsert(args: {
    ids: string[]
    embeddings: number[][]
    metadatas: ChromaMetadata[]
  }): Promise<unknown>
  /** Reads entries by id or filter. */
  get(args: {
    ids?: string[]
    where?: ChromaWhere
    limit?: number
    offset?: number
    include: ChromaInclude[]
  }): Promise<ChromaGetResult>
  /** Nearest neighbours of query embeddings. */
  query(args: {
    queryEmbeddings: number[][]
    nResults: number
    where?: ChromaWhere
    include: ChromaInclude[]
  }): Promise<ChromaQueryResult>
  /** Deletes entries by id or filter. */
  delete(args: { ids?: string[]; where?: ChromaWhere }): Promise<unknown>
  /** How many entries the collection holds. */
  count(): Promise<number>
  /** Replaces the collection's metadata. */
  modify(args: { metadata: Record<string, ChromaMetadataValue> }): Promise<unknown>
}

/** The client calls ChromaBackend makes; a `ChromaClient` from `chromadb` 3.x fits. */
export interface ChromaClientLike {
  /** Opens a collection, creating it with this configuration when missing. */
  getOrCreateCollection(args: {
    name: string
    configuration?: { hnsw?: Record<string, unknown> }
    metadata?: Record<string, ChromaMetadataValue>
    embeddingFunction?: null
  }): Promise<ChromaCollectionLike>
  /** Opens an existing collection (`createCollection: false`). */
  getCollection(args: {
    name: string
    embeddingFunction: { generate(texts: string[]): Promise<number[][]> }
  }): Promise<ChromaCollectionLike>
  /** Drops a collection (an ephemeral one, on close). */
  deleteCollection(args: { name: string }): Promise<unknown>
  /** The server's largest batch, when it reports one. */
  getMaxBatchSize?(): Promise<number>
}
