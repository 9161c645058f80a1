// The root entry: the contract, errors, the in-memory backend, VectorStore and embedders.
// It imports no optional peer. Every name here is part of the public API (see docs/api.md).

export type {
  BackendStats,
  IndexChange,
  IndexDescription,
  IndexRecord,
  ListedEntry,
  ListOptions,
  RecordListOptions,
  SearchHit,
  SearchOptions,
  StoredRecord,
  Vector,
  VectorBackend,
  VectorRecord,
} from './core/backend.js'
export type { EngineChange, VectorEngine } from './core/engine.js'
export {
  BackendConnectionError,
  BackendQueryError,
  CapacityExceededError,
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  EmptyFilterError,
  type EngineErrorOptions,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  InvalidPayloadError,
  InvalidVectorError,
  MetricMismatchError,
  MissingDependencyError,
  NotInitializedError,
  SchemaMismatchError,
  SnapshotCorruptError,
  SnapshotLockedError,
  StoreNotFoundError,
  UnsupportedFeatureError,
  UnsupportedFilterError,
  VECTOR_STORE_ERROR_CODES,
  VectorStoreError,
  type VectorStoreErrorCode,
} from './core/errors.js'
export {
  type ComparisonOperator,
  type FieldOperators,
  type Filter,
  type FilterNode,
  type FilterScalar,
  matchesFilter,
} from './core/filter.js'
export {
  DEFAULT_RRF_K,
  defaultCandidates,
  fuseRankings,
  type HybridFusion,
  type HybridOptions,
  type HybridQuery,
  MAX_QUERY_TEXT_LENGTH,
} from './core/hybrid.js'
export type { JsonValue, Payload } from './core/json.js'
export { DistanceMetric } from './core/metric.js'
export {
  RuntimeBackend,
  type RuntimeDefaults,
  type SearchOptionsOf,
} from './core/runtime-backend.js'
export { compareIds } from './core/validate.js'
export {
  type AiSdkEmbedderConfig,
  AiSdkEmbedder,
  type EmbeddingModelLike,
} from './embedding/ai-sdk-embedder.js'
export type { EmbeddingOptions, EmbeddingRetryOptions } from './embedding/embed-batches.js'
export type { Embedder } from './embedding/embedder.js'
export { HashingEmbedder } from './embedding/hashing-embedder.js'
export { isRetryableError, type RetryOptions } from './embedding/retry.js'
export {
  loadDocuments,
  type LoadDocumentsOptions,
  loadMarkdownFile,
  type LoadOptions,
  loadTextFile,
  type SourceDocument,
} from './embedding/loaders.js'
export {
  RecursiveTextSplitter,
  type RecursiveTextSplitterConfig,
  type TextSplitter,
  type TokenCounter,
} from './embedding/text-splitter.js'
export { InMemoryVectorBackend } from './memory/in-memory-vector-backend.js'
export type { InMemoryVectorBackendConfig } from './memory/in-memory-vector-backend-config.js'
export type { IndexOptions, IndexProgress, IndexResult } from './store/indexer.js'
export { CLEANUP_MODES, type CleanupMode } from './store/source-plan.js'
export { type CopyOptions, copyEntries } from './store/copy.js'
export {
  reembed,
  type ReembedOptions,
  type ReembedProgress,
  type ReembedReport,
} from './store/reembed.js'
export { StoreScope } from './store/store-scope.js'
export type { TransferProgress } from './store/transfer.js'
export {
  CORE_FIELDS,
  type EntryInput,
  type RetrieveOptions,
  type StoredEntry,
  type StorePage,
  type StoreQuery,
  type StoreResult,
  type StoreSearch,
  VectorStore,
  type VectorStoreConfig,
} from './store/vector-store.js'
