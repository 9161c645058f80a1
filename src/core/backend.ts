import type { Filter } from './filter.js'
import type { HybridOptions, HybridQuery } from './hybrid.js'
import type { Payload } from './json.js'
import type { DistanceMetric } from './metric.js'

/** An embedding: numbers or a Float32Array. Stored as float32 by every backend. */
export type Vector = readonly number[] | Float32Array

/** One entry to write. */
export interface VectorRecord<P extends object = Payload> {
  /** The entry's id: a non-empty string. */
  readonly id: string
  /** The embedding, of the index's dimension. */
  readonly vector: Vector
  /** The entry's JSON payload; it replaces the whole old one. */
  readonly payload: P
}

/** One search result: `score` is "higher is better" (see `DistanceMetric`). */
export interface SearchHit<P extends object = Payload> {
  /** The entry's id. */
  readonly id: string
  /** The spec's score for the metric: higher is better. */
  readonly score: number
  /** The entry's payload. */
  readonly payload: P
}

/** One entry as listed (no vector). */
export interface ListedEntry<P extends object = Payload> {
  /** The entry's id. */
  readonly id: string
  /** The entry's payload. */
  readonly payload: P
}

/** One stored entry, vector included (as stored: float32). */
export interface StoredRecord<P extends object = Payload> {
  /** The entry's id. */
  readonly id: string
  /** The vector as stored (float32). */
  readonly vector: Float32Array
  /** The entry's payload. */
  readonly payload: P
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
  /** Entries in the index. */
  readonly count: number
  /** The dimension, once fixed. */
  readonly dimensions: number | undefined
  /** The index's metric. */
  readonly metric: DistanceMetric
  /** The embedding model recorded with the index, if any. */
  readonly model: string | undefined
}

/** Options every backend's `search` takes (a backend may take more: see its own type). */
export interface SearchOptions {
  /** Only hits scoring at least this (the spec's scores: higher is better). Default: none. */
  readonly minScore?: number
  /**
   * Score every matching entry instead of asking the vector index: the exact
   * answer at the cost of a full pass (for ground truth, audits, tuning).
   * Default: false (exact backends are exact anyway).
   */
  readonly exact?: boolean
}

/** Paging for {@link VectorBackend.listWhere}. */
export interface ListOptions {
  /** Return only entries whose id sorts after this one (keyset paging). */
  readonly after?: string
}

/**
 * A record the index keeps beside its vectors: bookkeeping such as what the
 * retrieval runtime knows about each source document (its hash and chunk ids).
 * It lives in the same engine as the vectors (a second table, the snapshot,
 * a sibling collection), so entries and records change together.
 */
export interface IndexRecord {
  /** The record's key: a valid id (1-256 characters). */
  readonly key: string
  /** The record's JSON value. */
  readonly value: Payload
}

/**
 * One change of entries and records, as {@link VectorBackend.applyChange}
 * writes it: deletes first, then upserts, then records. Atomic where the
 * backend says so (`atomicChanges`): readers see all of it or none of it.
 */
export interface IndexChange<P extends object = Payload> {
  /** Entries to write (replacing whole entries). */
  readonly upsert?: readonly VectorRecord<P>[]
  /** Ids of entries to delete (missing ones are skipped). */
  readonly delete?: readonly string[]
  /** Records to write (replacing whole records). */
  readonly putRecords?: readonly IndexRecord[]
  /** Keys of records to delete (missing ones are skipped). */
  readonly deleteRecords?: readonly string[]
}

/** Which records {@link VectorBackend.listRecords} returns. */
export interface RecordListOptions {
  /** Only keys starting with this. Default: every key. */
  readonly prefix?: string
  /** Only keys sorting after this one (code points): keyset paging. */
  readonly after?: string
  /** At most this many (1-10000). */
  readonly limit: number
}

/**
 * The contract every backend meets. Semantics are identical everywhere and
 * pinned by the conformance suite in `vecstore/testing`:
 * - `upsert` replaces the whole entry;
 * - `search` returns at most `topK` hits, best first, ties by id ascending;
 * - `listWhere` returns entries in id order (Unicode code point order);
 * - `deleteWhere({})` throws {@link EmptyFilterError}.
 */
export interface VectorBackend<P extends object = Payload> {
  /** Writes one entry, replacing the whole entry when its id exists. */
  upsert(id: string, vector: Vector, payload: P): Promise<void>
  /** The `topK` nearest entries matching `filters`, best first; equal scores in id order. */
  search(
    vector: Vector,
    topK: number,
    filters: Filter<P>,
    options?: SearchOptions,
  ): Promise<SearchHit<P>[]>
  /** Deletes one entry; a missing id is a no-op. */
  delete(id: string): Promise<void>
  /** Deletes the entries matching `filters`; an empty filter throws {@link EmptyFilterError}. */
  deleteWhere(filters: Filter<P>): Promise<void>
  /** Entries matching `filters` in id order (code points), at most `limit`, after `options.after`. */
  listWhere(filters: Filter<P>, limit: number, options?: ListOptions): Promise<ListedEntry<P>[]>
  /** How many entries match `filters`. */
  count(filters: Filter<P>): Promise<number>
  /** The stored entries with these ids, vectors included, in the order asked; missing ids are skipped. */
  getByIds?(ids: readonly string[]): Promise<StoredRecord<P>[]>
  /** Writes many entries; all or none where the engine allows it. */
  upsertMany?(records: readonly VectorRecord<P>[]): Promise<void>
  /** Deletes every entry: the explicit way to do what `deleteWhere({})` refuses. */
  clearAll?(): Promise<void>
  /** Frees what the backend itself opened (never an injected client or pool). */
  close?(): Promise<void>
  /**
   * Deletes and writes entries and writes and deletes records as one change
   * (the `records` capability, which the retrieval runtime needs).
   */
  applyChange?(change: IndexChange<P>): Promise<void>
  /** The records with these keys, in the order asked; missing keys are skipped (`records` capability). */
  getRecords?(keys: readonly string[]): Promise<IndexRecord[]>
  /** Records in key order (code points), by prefix, with keyset paging (`records` capability). */
  listRecords?(options: RecordListOptions): Promise<IndexRecord[]>
  /**
   * Full-text and vector search fused by reciprocal rank fusion (the
   * `hybridSearch` capability; see docs/hybrid.md). Backends without it throw
   * `UnsupportedFeatureError`.
   */
  hybridSearch?(
    query: HybridQuery,
    topK: number,
    filters: Filter<P>,
    options?: HybridOptions,
  ): Promise<SearchHit<P>[]>
  /** True when readers see all of an `applyChange` or none of it; false when its steps show one by one. */
  readonly atomicChanges?: boolean
}
