import { InvalidArgumentError, InvalidVectorError } from '../core/errors.js'
import { type DistanceMetric, parseMetric } from '../core/metric.js'
import { validateDimensions, validateModel } from '../core/validate.js'
import { validateIdentifier } from '../internal/identifiers.js'
import { wholeNumber } from '../internal/options.js'

/** Vector index kinds a table can declare. */
export const VECTOR_INDEX_KINDS = ['hnsw', 'ivfflat', 'none'] as const
/** `'hnsw'`, `'ivfflat'` or `'none'`. */
export type VectorIndexKind = (typeof VECTOR_INDEX_KINDS)[number]

/** Column types for the embedding: single precision, or half precision (2 bytes per element). */
export const VECTOR_TYPES = ['vector', 'halfvec'] as const
/** `'vector'` or `'halfvec'`. */
export type VectorType = (typeof VECTOR_TYPES)[number]

/** How the vector index stores vectors: as they are, or one bit per dimension (re-ranked by the full vectors). */
export const QUANTIZATIONS = ['none', 'binary'] as const
/** `'none'` or `'binary'` (see `TableLayoutOptions.quantization`). */
export type Quantization = (typeof QUANTIZATIONS)[number]
/** Largest dimension pgvector can index as `bit` (binary quantization). */
export const MAX_BIT_INDEX_DIMENSIONS = 64_000

/** Largest dimension pgvector can index as `vector`; above it, `halfvec` is the default. */
export const MAX_VECTOR_INDEX_DIMENSIONS = 2000
/** Largest dimension pgvector can index as `halfvec`. */
export const MAX_HALFVEC_INDEX_DIMENSIONS = 4000
/** Largest finite half-precision value: `halfvec` refuses anything larger. */
export const HALFVEC_MAX = 65504
/** Longest table name: the derived index names (`<table>_embedding_idx`) must fit in 63 bytes. */
export const MAX_TABLE_NAME_LENGTH = 49
/** Default table name of `PgvectorBackend` and of this package's migrations. */
export const DEFAULT_TABLE_NAME = 'vecstore_vectors'
/** pgvector's HNSW defaults, written into the index definition so they are explicit. */
export const DEFAULT_HNSW_M = 16
export const DEFAULT_HNSW_EF_CONSTRUCTION = 64
/** IVFFlat list count when none is given (pgvector suggests rows / 1000 up to 1M rows). */
export const DEFAULT_IVFFLAT_LISTS = 100

/** How a vector table is laid out: everything DDL, verification and queries need. */
export interface TableSpec {
  readonly name: string
  /** Postgres schema; undefined means the connection's `search_path` (usually `public`). */
  readonly schema: string | undefined
  /** Fixed dimension, or undefined for an untyped `vector` column (cannot be indexed). */
  readonly dimensions: number | undefined
  readonly vectorType: VectorType
  readonly metric: DistanceMetric
  readonly index: VectorIndexKind
  readonly m: number
  readonly efConstruction: number
  readonly lists: number
  readonly quantization: Quantization
  readonly payloadIndex: boolean
  readonly timestamps: boolean
  /** The embedding model the vectors come from, when declared. */
  readonly model: string | undefined
  /** The generated `tsvector` column for hybrid search, when declared. */
  readonly fullText: FullTextSpec | undefined
}

/** A table's full text: the payload key it is made from and the text search configuration. */
export interface FullTextSpec {
  readonly source: string
  readonly language: string
}

/** Options of a table's full text (see `TableLayoutOptions.fullText`). */
export interface FullTextOptions {
  /** The payload key holding the text (a string; other values count as no text). */
  readonly source: string
  /** The text search configuration (`'simple'`, `'english'`, ...). Default: `'simple'`, which matches the in-memory backend's tokens. */
  readonly language?: string
}

/** Name of the generated `tsvector` column. */
export const FULL_TEXT_COLUMN = 'fulltext'

/**
 * The table options shared by `vectorTable()` and `PgvectorBackend` (which
 * creates a table given by name with them, and takes the dimension as `dim`).
 */
export interface TableLayoutOptions {
  /** Embedding dimension. Default: none, an untyped `vector` column that cannot be indexed. */
  readonly dimensions?: number
  /** Metric the vector index is built for (its operator class). Default: `'cosine'`. */
  readonly metric?: DistanceMetric
  /** Vector index. Default: `'hnsw'` when `dimensions` is set, else `'none'`. */
  readonly index?: VectorIndexKind
  /** HNSW: max connections per layer. Default: 16. */
  readonly m?: number
  /** HNSW: candidate list size while building. Default: 64. */
  readonly efConstruction?: number
  /** IVFFlat: number of lists. Default: 100. */
  readonly lists?: number
  /** Column type. Default: `'vector'` up to 2000 dimensions, `'halfvec'` above. */
  readonly vectorType?: VectorType
  /**
   * `'binary'`: the HNSW index holds `binary_quantize(embedding)::bit(N)`, one
   * bit per dimension (about 1/32 of the vector's size), searched by Hamming
   * distance; a search fetches `efSearch` candidates from it and re-ranks them
   * by the full vectors. Needs `index: 'hnsw'`. Default: `'none'`.
   */
  readonly quantization?: Quantization
  /** GIN index (`jsonb_path_ops`) on the payload for equality filters. Default: true. */
  readonly payloadIndex?: boolean
  /** Adds `created_at` and `updated_at` (timestamptz, default now()). Default: false. */
  readonly timestamps?: boolean
  /**
   * The embedding model the vectors come from, recorded with the table on first
   * open (with the metric and dimension); opening it with another model throws
   * `EmbeddingModelMismatchError`. Default: none declared (a recorded one is adopted).
   */
  readonly model?: string
  /**
   * Full text for `hybridSearch`: a generated `tsvector` column `fulltext`
   * (`to_tsvector(language, payload->>source)`) and its GIN index. Default: none.
   */
  readonly fullText?: FullTextOptions
}

/** Validates table options and fills in the defaults. */
export function resolveTableSpec(
  name: string,
  schema: string | undefined,
  options: TableLayoutOptions,
): TableSpec {
  const dimensions = validateDimensions(options.dimensions)
  const vectorType = options.vectorType ?? defaultVectorType(dimensions)
  if (!VECTOR_TYPES.includes(vectorType)) {
    throw new InvalidArgumentError(`expected vectorType to be one of ${VECTOR_TYPES.join(', ')}`)
  }
  const index = options.index ?? (dimensions === undefined ? 'none' : 'hnsw')
  if (!VECTOR_INDEX_KINDS.includes(index)) {
    throw new InvalidArgumentError(`expected index to be one of ${VECTOR_INDEX_KINDS.join(', ')}`)
  }
  const quantization = options.quantization ?? 'none'
  if (!QUANTIZATIONS.includes(quantization)) {
    throw new InvalidArgumentError(`expected quantization to be one of ${QUANTIZATIONS.join(', ')}`)
  }
  if (quantization === 'binary' && index !== 'hnsw') {
    throw new InvalidArgumentError(
      "quantization 'binary' needs index: 'hnsw' and a fixed dimension",
    )
  }
  checkIndexable(index, dimensions, quantization === 'binary' ? 'bit' : vectorType)
  return {
    name: validateIdentifier('table', name, MAX_TABLE_NAME_LENGTH),
    schema: schema === undefined ? undefined : validateIdentifier('schema', schema),
    dimensions,
    vectorType,
    metric: parseMetric(options.metric ?? 'cosine'),
    index,
    m: wholeNumber('m', options.m ?? DEFAULT_HNSW_M, [2, 100]),
    efConstruction: wholeNumber(
      'efConstruction',
      options.efConstruction ?? DEFAULT_HNSW_EF_CONSTRUCTION,
      [4, 1000],
    ),
    lists: wholeNumber('lists', options.lists ?? DEFAULT_IVFFLAT_LISTS, [1, 32768]),
    quantization,
    payloadIndex: options.payloadIndex ?? true,
    timestamps: options.timestamps ?? false,
    model: validateModel(options.model),
    fullText: resolveFullText(options.fullText),
  }
}

function resolveFullText(options: FullTextOptions | undefined): FullTextSpec | undefined {
  if (options === undefined) return undefined
  const { source, language = 'simple' } = (options ?? {}) as Partial<FullTextOptions>
  // Both end up in DDL as literals: a plain key and a configuration name keep that simple and safe.
  if (typeof source !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(source)) {
    throw new InvalidArgumentError(
      'expected fullText.source to be a payload key of letters, digits and underscores',
    )
  }
  if (typeof language !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(language)) {
    throw new InvalidArgumentError(
      "expected fullText.language to be a text search configuration name such as 'simple' or 'english'",
    )
  }
  return { source, language }
}

function defaultVectorType(dimensions: number | undefined): VectorType {
  return dimensions !== undefined && dimensions > MAX_VECTOR_INDEX_DIMENSIONS ? 'halfvec' : 'vector'
}

function checkIndexable(
  index: VectorIndexKind,
  dimensions: number | undefined,
  vectorType: VectorType | 'bit',
): void {
  if (index === 'none') return
  if (dimensions === undefined) {
    throw new InvalidArgumentError(
      `a ${index} index needs a fixed dimension: pass dimensions (dim), or index: 'none'`,
    )
  }
  const max =
    vectorType === 'bit'
      ? MAX_BIT_INDEX_DIMENSIONS
      : vectorType === 'halfvec'
        ? MAX_HALFVEC_INDEX_DIMENSIONS
        : MAX_VECTOR_INDEX_DIMENSIONS
  if (dimensions > max) {
    throw new InvalidArgumentError(
      `pgvector indexes ${vectorType} columns of at most ${max} dimensions, got ${dimensions}: use vectorType 'halfvec' (up to ${MAX_HALFVEC_INDEX_DIMENSIONS}) or index: 'none'`,
    )
  }
}

/** halfvec holds magnitudes up to 65504: refuses larger ones before the engine does. */
export function checkVectorRange(vectorType: VectorType, vector: Float32Array): Float32Array {
  if (vectorType !== 'halfvec') return vector
  const i = vector.findIndex((x) => Math.abs(x) > HALFVEC_MAX)
  if (i >= 0) {
    throw new InvalidVectorError(
      `expected values within ±${HALFVEC_MAX} for a halfvec column, found one out of range at index ${i}`,
    )
  }
  return vector
}
