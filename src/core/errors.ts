/** Every `code` a {@link VectorStoreError} can carry. */
export const VECTOR_STORE_ERROR_CODES = [
  'DIMENSION_MISMATCH',
  'INVALID_VECTOR',
  'INVALID_ID',
  'INVALID_PAYLOAD',
  'INVALID_FILTER',
  'UNSUPPORTED_FILTER',
  'EMPTY_FILTER',
  'INVALID_ARGUMENT',
  'NOT_INITIALIZED',
  'METRIC_MISMATCH',
  'EMBEDDING_MODEL_MISMATCH',
  'SCHEMA_MISMATCH',
  'SNAPSHOT_CORRUPT',
  'SNAPSHOT_LOCKED',
  'CAPACITY_EXCEEDED',
  'BACKEND_CONNECTION',
  'BACKEND_QUERY',
  'MISSING_DEPENDENCY',
  'CLI_USAGE',
  'INVALID_URI',
  'STORE_NOT_FOUND',
  'COPY_CHECK',
  'MIGRATIONS_FOLDER',
  'UNSUPPORTED_FEATURE',
] as const

/** One of {@link VECTOR_STORE_ERROR_CODES}. */
export type VectorStoreErrorCode = (typeof VECTOR_STORE_ERROR_CODES)[number]

/** Options of the engine errors: the original error, and the engine's own code for it. */
export interface EngineErrorOptions {
  /** The error the engine or driver threw. */
  readonly cause?: unknown
  /** The engine's code: a Postgres SQLSTATE (`42P01`), a driver or socket code (`ECONNREFUSED`), a Chroma error name. */
  readonly engineCode?: string | undefined
}

/**
 * The error family. Every error vecstore throws is a {@link VectorStoreError}
 * with a stable `code`; engine errors are wrapped with the operation named and
 * the original kept as `cause`. Messages never carry vector data or credentials.
 */
export class VectorStoreError extends Error {
  /** Stable, machine-readable error code. */
  readonly code: VectorStoreErrorCode

  constructor(code: VectorStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** A vector's length differs from the index dimension. */
export class DimensionMismatchError extends VectorStoreError {
  constructor(
    /** The index's dimension. */
    readonly expected: number,
    /** The dimension of the vector (or the index) asked for. */
    readonly received: number,
    /** The index, when one is named: `table "docs"`, `collection 'docs'`, `snapshot index.json`. */
    readonly where?: string,
    /** What to do about it, appended to the message. */
    fix?: string,
  ) {
    const problem =
      where === undefined
        ? `expected a vector of ${expected} dimensions, got ${received}`
        : `${where} holds vectors of ${expected} dimensions, got ${received}`
    super('DIMENSION_MISMATCH', fix === undefined ? problem : `${problem}: ${fix}`)
  }
}

/** A vector is not a non-empty array of finite float32 numbers, or is zero under COSINE. */
export class InvalidVectorError extends VectorStoreError {
  constructor(message: string) {
    super('INVALID_VECTOR', message)
  }
}

/** An id is not a non-empty, well-formed string within the length bound. */
export class InvalidIdError extends VectorStoreError {
  constructor(message: string) {
    super('INVALID_ID', message)
  }
}

/** A payload is not a plain JSON object (or holds values JSON cannot carry). */
export class InvalidPayloadError extends VectorStoreError {
  constructor(message: string) {
    super('INVALID_PAYLOAD', message)
  }
}

/** A filter is malformed: unknown operator, bad operand, bad key. */
export class InvalidFilterError extends VectorStoreError {
  constructor(message: string) {
    super('INVALID_FILTER', message)
  }
}

/** A backend cannot evaluate a valid filter exactly, so it refuses rather than answer differently. */
export class UnsupportedFilterError extends VectorStoreError {
  constructor(message: string) {
    super('UNSUPPORTED_FILTER', message)
  }
}

/** A destructive call got an empty filter; deleting everything must be asked for explicitly. */
export class EmptyFilterError extends VectorStoreError {
  constructor(operation: string) {
    super(
      'EMPTY_FILTER',
      `${operation} refuses an empty filter: it would delete every entry; use clearAll() to do that`,
    )
  }
}

/** An argument other than id, vector, payload or filter is out of range (topK, limit, metric, options). */
export class InvalidArgumentError extends VectorStoreError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message)
  }
}

/** The backend was used before `initialize()` or after `close()`. */
export class NotInitializedError extends VectorStoreError {
  constructor(backend: string, state: 'uninitialized' | 'closed') {
    super(
      'NOT_INITIALIZED',
      state === 'closed'
        ? `${backend} is closed; create a new one with await ${backend}.create(...)`
        : `${backend} is not initialized; use await ${backend}.create(...) or call initialize() first`,
    )
  }
}

/** An existing index was created with a different distance metric than the one requested. */
export class MetricMismatchError extends VectorStoreError {
  constructor(
    /** The metric requested. */
    readonly expected: string,
    /** The metric the index was created with. */
    readonly found: string,
  ) {
    super(
      'METRIC_MISMATCH',
      `the index uses metric '${found}' but '${expected}' was requested; the metric is fixed when an index is created`,
    )
  }
}

/**
 * An index records the embedding model it was written with (a pgvector
 * table, a Chroma collection, a snapshot), and it was opened, written or
 * queried with another one. Vectors of two models are not comparable, even
 * at the same dimension: another model needs a new index, re-embedded.
 */
export class EmbeddingModelMismatchError extends VectorStoreError {
  constructor(
    /** The index: `table "docs"`, `collection 'docs'`, `snapshot index.json`. */
    readonly where: string,
    /** The model recorded with the index. */
    readonly stored: string,
    /** The model asked for. */
    readonly requested: string,
  ) {
    super(
      'EMBEDDING_MODEL_MISMATCH',
      `${where} holds vectors of model '${stored}' but '${requested}' was requested; ` +
        'another model needs a new index, re-embedded into it (vecstore reembed)',
    )
  }
}

/** A snapshot or journal file cannot be read as a vecstore index; it is left untouched. */
export class SnapshotCorruptError extends VectorStoreError {
  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super('SNAPSHOT_CORRUPT', `snapshot ${path} is unreadable: ${reason}`, options)
  }
}

/** Another live process (or another backend in this process) holds the snapshot's lock. */
export class SnapshotLockedError extends VectorStoreError {
  constructor(path: string, pid: number) {
    super(
      'SNAPSHOT_LOCKED',
      `snapshot ${path} is in use by process ${pid}; only one writer may open a snapshot at a time`,
    )
  }
}

/** The backend cannot reach its engine (server down, refused, timed out, credentials refused). */
export class BackendConnectionError extends VectorStoreError {
  /** The engine's code for the failure, when it gave one (see {@link EngineErrorOptions}). */
  readonly engineCode: string | undefined

  constructor(message: string, options: EngineErrorOptions = {}) {
    super('BACKEND_CONNECTION', message, options)
    this.engineCode = options.engineCode
  }
}

/** The engine rejected or failed an operation; `operation` names it, `cause` holds the original. */
export class BackendQueryError extends VectorStoreError {
  /** The engine's code for the failure, when it gave one (see {@link EngineErrorOptions}). */
  readonly engineCode: string | undefined

  constructor(
    /** The operation that failed (`search`, `upsertMany`, `initialize`, ...). */
    readonly operation: string,
    message: string,
    options: EngineErrorOptions = {},
  ) {
    super('BACKEND_QUERY', `${operation} failed: ${message}`, options)
    this.engineCode = options.engineCode
  }
}

/**
 * The store's schema does not match what the backend needs: for pgvector the
 * extension, the table or a column is missing or has another type. Raised by
 * `initialize()`; with `manageSchema: false` nothing is ever created.
 */
export class SchemaMismatchError extends VectorStoreError {
  constructor(message: string) {
    super('SCHEMA_MISMATCH', message)
  }
}

/**
 * The store to open does not exist and the backend may not create it (a
 * Chroma collection with `createCollection: false`, a store the `vecstore`
 * command only reads).
 */
export class StoreNotFoundError extends VectorStoreError {
  constructor(message: string) {
    super('STORE_NOT_FOUND', message)
  }
}

/** The in-memory index cannot hold more vectors (its 4 GiB block is full, or memory ran out). */
export class CapacityExceededError extends VectorStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CAPACITY_EXCEEDED', message, options)
  }
}

/** An optional peer dependency needed by a backend is not installed. */
export class MissingDependencyError extends VectorStoreError {
  constructor(
    /** The npm package to install. */
    readonly packageName: string,
    feature: string,
    options?: { cause?: unknown },
  ) {
    super(
      'MISSING_DEPENDENCY',
      `${feature} needs the package '${packageName}': npm install ${packageName}`,
      options,
    )
  }
}

/** The backend cannot do what was asked (e.g. `hybridSearch` on a backend or table without full text). */
export class UnsupportedFeatureError extends VectorStoreError {
  constructor(
    /** The feature asked for: `'hybridSearch'`. */
    readonly feature: string,
    message: string,
  ) {
    super('UNSUPPORTED_FEATURE', message)
  }
}
