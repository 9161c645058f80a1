import type {
  IndexDescription,
  IndexRecord,
  ListedEntry,
  SearchHit,
  SearchOptions,
  StoredRecord,
} from './backend.js'
import type { FilterNode } from './filter.js'
import type { HybridFusion } from './hybrid.js'
import type { DistanceMetric } from './metric.js'

/**
 * What a backend implements underneath {@link RuntimeBackend}: the engine
 * work alone. Every argument arrives validated — ids checked, vectors float32
 * of the index dimension, payloads plain JSON, filters parsed (and never
 * empty for `deleteWhere`) — and every thrown error that is not already a
 * `VectorStoreError` is wrapped by the runtime, with the operation named.
 */
export interface VectorEngine<O = Record<never, never>> {
  /** The index's metric. */
  readonly metric: DistanceMetric
  /** The index's dimension; undefined until the engine knows it (the first write fixes it). */
  readonly dim: number | undefined
  /** The embedding model recorded with the index, if any (see `EmbeddingModelMismatchError`). */
  readonly model?: string | undefined
  /** How messages name the index: `table "docs"`, `collection 'docs'`, `snapshot index.json`. */
  readonly label?: string | undefined
  /** Writes the entries, replacing whole entries; one call is atomic where the engine allows. */
  upsert(records: readonly StoredRecord[]): Promise<void>
  /**
   * The `topK` nearest entries matching the filter, best first, ties by id;
   * with `options.exact`, computed over every matching entry, whatever the
   * index. `O` is the engine's own search options.
   */
  search(
    query: Float32Array,
    topK: number,
    filter: FilterNode,
    options?: SearchOptions & O,
  ): Promise<SearchHit[]>
  /** Deletes the entries with these ids; missing ones are skipped. */
  delete(ids: readonly string[]): Promise<void>
  /** Deletes the entries matching a (non-empty) filter. */
  deleteWhere(filter: FilterNode): Promise<void>
  /** Deletes every entry. */
  clearAll(): Promise<void>
  /** Matching entries in id order (code points), after `after`, at most `limit`. */
  list(filter: FilterNode, limit: number, after: string | undefined): Promise<ListedEntry[]>
  /** How many entries match the filter. */
  count(filter: FilterNode): Promise<number>
  /** The entries with these ids (at least one), in the order asked; missing ids are skipped. */
  getByIds(ids: readonly string[]): Promise<StoredRecord[]>
  /** How the engine indexes vectors and the storage it uses. Default: an index of kind `'unknown'`. */
  describe?(): Promise<IndexDescription>
  /** Engine-specific checks on a validated vector (e.g. a half-precision range). */
  checkVector?(vector: Float32Array): void
  /**
   * The `records` capability: deletes `delete`, writes `upsert`, then writes
   * `putRecords` and deletes `deleteRecords`, as one transaction where the
   * engine has them. `clearAll` deletes the records too.
   */
  applyChange?(change: EngineChange): Promise<void>
  /** The records with these keys, in the order asked; missing keys are skipped. */
  getRecords?(keys: readonly string[]): Promise<IndexRecord[]>
  /** Records whose key starts with `prefix`, in key order (code points), after `after`, at most `limit`. */
  listRecords?(prefix: string, limit: number, after: string | undefined): Promise<IndexRecord[]>
  /**
   * The `hybridSearch` capability: the `fusion.candidates` best entries by
   * vector and by text (both matching the filter), fused by reciprocal rank
   * fusion (see `fuseRankings`), `topK` at most, best first, ties by id.
   * `text` is validated (non-empty, bounded).
   */
  hybridSearch?(
    query: { readonly vector: Float32Array; readonly text: string },
    topK: number,
    filter: FilterNode,
    fusion: HybridFusion,
  ): Promise<SearchHit[]>
  /** True when readers see all of an `applyChange` or none of it. Default: false. */
  readonly atomicChanges?: boolean
  /** Releases what the engine opened; called once, after calls in flight have settled. */
  close(): Promise<void>
}

/** A validated {@link IndexChange}, as an engine receives it. */
export interface EngineChange {
  /** Entries to write, validated (vectors float32 of the index dimension). */
  readonly upsert: readonly StoredRecord[]
  /** Ids of entries to delete, before the writes. */
  readonly delete: readonly string[]
  /** Records to write, after the entries. */
  readonly putRecords: readonly IndexRecord[]
  /** Keys of records to delete, last. */
  readonly deleteRecords: readonly string[]
}
