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
  readonly ids: string[]
  readonly metadatas: (Record<string, unknown> | null)[]
  readonly embeddings: (readonly number[] | null)[]
}

/** What `collection.query` returns (the fields we read): one row per query embedding. */
export interface ChromaQueryResult {
  readonly ids: string[][]
  readonly distances: (number | null)[][]
  readonly metadatas: (Record<string, unknown> | null)[][]
}

/** The collection calls ChromaBackend makes. */
export interface ChromaCollectionLike {
  readonly name: string
  readonly metadata?: Record<string, unknown> | undefined
  readonly configuration?: unknown
  upsert(args: {
    ids: string[]
    embeddings: number[][]
    metadatas: ChromaMetadata[]
  }): Promise<unknown>
  get(args: {
    ids?: string[]
    where?: ChromaWhere
    limit?: number
    offset?: number
    include: ChromaInclude[]
  }): Promise<ChromaGetResult>
  query(args: {
    queryEmbeddings: number[][]
    nResults: number
    where?: ChromaWhere
    include: ChromaInclude[]
  }): Promise<ChromaQueryResult>
  delete(args: { ids?: string[]; where?: ChromaWhere }): Promise<unknown>
  count(): Promise<number>
  modify(args: { metadata: Record<string, ChromaMetadataValue> }): Promise<unknown>
}

/** The client calls ChromaBackend makes; a `ChromaClient` from `chromadb` 3.x fits. */
export interface ChromaClientLike {
  getOrCreateCollection(args: {
    name: string
    configuration?: { hnsw?: Record<string, unknown> }
    metadata?: Record<string, ChromaMetadataValue>
    embeddingFunction?: null
  }): Promise<ChromaCollectionLike>
  getCollection(args: {
    name: string
    embeddingFunction: { generate(texts: string[]): Promise<number[][]> }
  }): Promise<ChromaCollectionLike>
  deleteCollection(args: { name: string }): Promise<unknown>
  getMaxBatchSize?(): Promise<number>
}
