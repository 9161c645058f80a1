import type { DistanceMetric } from '../core/metric.js'

/** Options of {@link InMemoryVectorBackend}. */
export interface InMemoryVectorBackendConfig {
  /** Distance metric. Default: COSINE, or the metric recorded in an existing snapshot. */
  readonly metric?: DistanceMetric
  /** Vector dimension. Default: taken from the first write (or the snapshot). */
  readonly dim?: number
  /**
   * The embedding model the vectors come from. With `snapshotPath` it is
   * recorded in the snapshot on first open, and opening the snapshot with
   * another model throws `EmbeddingModelMismatchError`. Default: none (a recorded one is adopted).
   */
  readonly model?: string
  /**
   * Persist to this JSON file: loaded on construction, every write journaled
   * beside it (`<path>.journal`) before it resolves. Default: no persistence.
   */
  readonly snapshotPath?: string
  /** With `snapshotPath`: fsync every write so it survives power loss, not only a crash. Default: true. */
  readonly fsync?: boolean
  /**
   * Full text for `hybridSearch`: BM25 over the string under this payload key
   * (e.g. `{ source: 'text' }`). Derived from the entries, so it persists and
   * survives a crash exactly as they do. Default: none (`hybridSearch` throws
   * `UnsupportedFeatureError`).
   */
  readonly fullText?: { readonly source: string }
  /** With `snapshotPath`: compact once the journal exceeds this many bytes (or the snapshot's size). Default: 16 MiB. */
  readonly compactionThresholdBytes?: number
}
