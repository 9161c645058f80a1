import type { HybridOptions } from '../core/hybrid.js'
import type { Vector } from '../core/backend.js'
import type { Filter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import type { StoreScope } from './store-scope.js'

/** An entry to store. */
export interface EntryInput<M extends object = Payload> {
  /** The entry's id, unique within its scope. */
  readonly id: string
  /** The text the vector embeds. */
  readonly content: string
  /** The embedding of `content`. */
  readonly vector: Vector
  /** The source document the entry is a chunk of. */
  readonly documentId?: string
  /** The chunk's position in its document. */
  readonly chunkIndex?: number
  /** The model that made `vector`. */
  readonly embeddingModel?: string
  /** Your own fields; they may not use the store's field names (`CORE_FIELDS`) nor `scope_` keys. */
  readonly metadata?: M
  /** The scope the entry belongs to. Default: the empty scope. */
  readonly scope?: StoreScope
  /** Default: now. */
  readonly createdAt?: Date
}

/** An entry as read back (without its vector). */
export interface StoredEntry<M extends object = Payload> {
  /** The entry's id. */
  readonly id: string
  /** The text the vector embeds. */
  readonly content: string
  /** The source document, or null. */
  readonly documentId: string | null
  /** The chunk's position, or null. */
  readonly chunkIndex: number | null
  /** The model that made the vector, or null. */
  readonly embeddingModel: string | null
  /** Your own fields. */
  readonly metadata: M
  /** The entry's scope. */
  readonly scope: StoreScope
  /** When the entry was written. */
  readonly createdAt: Date
}

/** A ranked search result; `rank` starts at 1. */
export interface StoreResult<M extends object = Payload> {
  /** The entry found. */
  readonly entry: StoredEntry<M>
  /** The backend's score: higher is better. */
  readonly score: number
  /** The result's position, from 1. */
  readonly rank: number
}

/** What to read: a scope (always enforced) narrowed by metadata filters. */
export interface StoreQuery<M extends object = Payload> {
  /** The scope to read in; always enforced. Default: the empty scope. */
  readonly scope?: StoreScope
  /** A filter on metadata: it can only narrow the scope. */
  readonly metadataFilters?: Filter<M>
}

/** A page of {@link VectorStore.find}: `next` is an opaque cursor for the following page. */
export interface StorePage<M extends object = Payload> {
  /** The entries of this page, in id order. */
  readonly entries: StoredEntry<M>[]
  /** Pass as `after` for the next page; undefined on the last page. */
  readonly next: string | undefined
}

/** A search by query embedding. */
export interface StoreSearch<M extends object = Payload> extends StoreQuery<M> {
  /** The query embedding. */
  readonly vector: Vector
  /** Default: 10. */
  readonly topK?: number
  /** The model that made `vector`: refused when the backend records another one. Default: not checked. */
  readonly embeddingModel?: string
  /**
   * The query's text: the search becomes hybrid (`backend.hybridSearch`,
   * over a full text made from the entries' `content`). Default: vector only.
   */
  readonly text?: string
  /** How a hybrid search fuses its two rankings (with `text`). Default: `weights` 1 and 1, `k` 60. */
  readonly hybrid?: HybridOptions
}

/** A search by text: `VectorStore.retrieve` embeds it with the store's embedder. */
export interface RetrieveOptions<M extends object = Payload> extends StoreQuery<M> {
  /** Default: 10. */
  readonly topK?: number
  /** Only chunks scoring at least this (the fused score when hybrid). Default: none. */
  readonly minScore?: number
  /**
   * Hybrid search: the text ranks chunks by full text too (their `content`),
   * fused with the vector ranking (`true`, or the fusion options). Default: false.
   */
  readonly hybrid?: boolean | HybridOptions
}
