import type { Filter } from './filter.js'
import type { Payload } from './json.js'
import type { DistanceMetric } from './metric.js'

/** An embedding: numbers or a Float32Array. Stored as float32 by every backend. */
export type Vector = readonly number[] | Float32Array

/** One entry to write. */
export interface VectorRecord {
  readonly id: string
  readonly vector: Vector
  readonly payload: Payload
}

/** One search result: `score` is "higher is better" (see {@link DistanceMetric}). */
export interface SearchHit {
  readonly id: string
  readonly score: number
  readonly payload: Payload
}

/** One entry as listed (no vector). */
export interface ListedEntry {
  readonly id: string
  readonly payload: Payload
}

/** One stored entry, vector included (as stored: float32). */
export interface StoredRecord {
  readonly id: string
  readonly vector: Float32Array
  readonly payload: Payload
}

/** How a backend indexes vectors and what it stores, as `stats()` reports it. */
export interface IndexDescription {
  /** `'exact'` (every search scans all vectors), `'hnsw'`, `'ivfflat'`, or `'none'` (pgvector without a vector index). */
  readonly kind: string
  /** The index's name in the engine, where it has one. */
  readonly name?: string
  /** Index parameters as name/value pairs (`m`, `ef_construction`, `lists`, the operator class, ...). */
  readonly parameters: readonly (readonly [string, string])[]
  /** Storage used, as labelled byte counts (table, indexes, files); empty when the engine does not say. */
  readonly sizes: readonly (readonly [string, number])[]
}

/** What a backend's `stats()` reports. */
export interface BackendStats extends IndexDescription {
  readonly count: number
  /** The dimension, once fixed. */
  readonly dimensions: number | undefined
  readonly metric: DistanceMetric
}

/** Paging for {@link VectorBackend.listWhere}. */
export interface ListOptions {
  /** Return only entries whose id sorts after this one (keyset paging). */
  readonly after?: string
}

/**
 * The contract every backend meets. Semantics are identical everywhere and
 * pinned by the conformance suite in `vecstore/testing`:
 * - `upsert` replaces the whole entry;
 * - `search` returns at most `topK` hits, best first, ties by id ascending;
 * - `listWhere` returns entries in id order (Unicode code point order);
 * - `deleteWhere({})` throws {@link EmptyFilterError}.
 */
export interface VectorBackend {
  upsert(id: string, vector: Vector, payload: Payload): Promise<void>
  search(vector: Vector, topK: number, filters: Filter): Promise<SearchHit[]>
  delete(id: string): Promise<void>
  deleteWhere(filters: Filter): Promise<void>
  listWhere(filters: Filter, limit: number, options?: ListOptions): Promise<ListedEntry[]>
  count(filters: Filter): Promise<number>
  /** The stored entries with these ids, vectors included, in the order asked; missing ids are skipped. */
  getByIds?(ids: readonly string[]): Promise<StoredRecord[]>
  /** Writes many entries; all or none where the engine allows it. */
  upsertMany?(records: readonly VectorRecord[]): Promise<void>
  /** Deletes every entry: the explicit way to do what `deleteWhere({})` refuses. */
  clearAll?(): Promise<void>
  /** Frees what the backend itself opened (never an injected client or pool). */
  close?(): Promise<void>
}
