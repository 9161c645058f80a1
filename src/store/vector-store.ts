import type { Vector, VectorBackend, VectorRecord } from '../core/backend.js'
import {
  EmbeddingModelMismatchError,
  EmptyFilterError,
  InvalidArgumentError,
  InvalidIdError,
  InvalidPayloadError,
} from '../core/errors.js'
import type { Filter } from '../core/filter.js'
import type { JsonValue, Payload } from '../core/json.js'
import { MAX_ID_LENGTH, validateId } from '../core/validate.js'
import { StoreScope } from './store-scope.js'

/** Payload fields the store owns; metadata may not use them, nor any `scope_` key. */
export const CORE_FIELDS = [
  'entry_id',
  'content',
  'document_id',
  'chunk_index',
  'embedding_model',
  'created_at',
] as const

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
}

/**
 * The front door: entries with content, document and scope over any
 * {@link VectorBackend}. The scope is always enforced: metadata filters can
 * only narrow it, and an entry id is unique within its scope only.
 *
 * @example
 * ```ts
 * const store = new VectorStore(new InMemoryVectorBackend())
 * const scope = new StoreScope({ tenant: 'acme' })
 * await store.upsert({ id: 'doc1#0', content: 'hello', vector: [0.1, 0.2], scope })
 * const [best] = await store.search({ vector: [0.1, 0.2], topK: 3, scope })
 * await store.close()
 * ```
 */
export class VectorStore<M extends object = Payload> {
  /** The backend entries are stored in. */
  readonly backend: VectorBackend

  constructor(backend: VectorBackend) {
    this.backend = backend
  }

  /**
   * Stores entries (replacing any with the same id in the same scope). An
   * entry's `embeddingModel` must be the model the backend records, if it records one.
   */
  async upsert(entries: EntryInput<M> | readonly EntryInput<M>[]): Promise<void> {
    const list: readonly EntryInput<M>[] = Array.isArray(entries) ? entries : [entries]
    for (const entry of list) checkModel(this.backend, entry?.embeddingModel)
    const records = list.map(toRecord)
    if (this.backend.upsertMany) return this.backend.upsertMany(records)
    for (const record of records)
      await this.backend.upsert(record.id, record.vector, record.payload)
  }

  /** Nearest entries to a query embedding within the scope, best first. */
  async search(query: StoreSearch<M>): Promise<StoreResult<M>[]> {
    checkModel(this.backend, query.embeddingModel)
    const hits = await this.backend.search(query.vector, query.topK ?? 10, scopedFilter(query))
    return hits.map((hit, i) => ({
      entry: fromPayload<M>(hit.payload),
      score: hit.score,
      rank: i + 1,
    }))
  }

  /**
   * A page of the scope's entries matching the filters. `next` is set when
   * there may be more: pass it back as `after` for the following page.
   */
  async find(query: StoreQuery<M> & { limit?: number; after?: string }): Promise<StorePage<M>> {
    const limit = query.limit ?? 100
    const options = query.after === undefined ? {} : { after: query.after }
    const listed = await this.backend.listWhere(scopedFilter(query), limit, options)
    const last = listed.length === limit ? listed[listed.length - 1] : undefined
    return { entries: listed.map((entry) => fromPayload<M>(entry.payload)), next: last?.id }
  }

  /** How many entries the scope (and metadata filters) hold. */
  async count(query: StoreQuery<M> = {}): Promise<number> {
    return this.backend.count(scopedFilter(query))
  }

  /** Deletes one entry of the scope. */
  async delete(id: string, scope: StoreScope = StoreScope.GLOBAL): Promise<void> {
    await this.backend.delete(backendId(checkScope(scope), id))
  }

  /** Deletes the scope's entries matching the filters; an empty scope and filter is refused. */
  async deleteWhere(query: StoreQuery<M>): Promise<void> {
    const filter = scopedFilter(query)
    if (Object.keys(filter).length === 0) throw new EmptyFilterError('deleteWhere')
    await this.backend.deleteWhere(filter)
  }

  /** Deletes every entry of a scope; the global scope is refused (use `clearAll()`). */
  async clear(scope: StoreScope): Promise<void> {
    if (!(scope instanceof StoreScope) || scope.isGlobal) {
      throw new InvalidArgumentError(
        'clear expects a scope with at least one label; use clearAll() to delete everything',
      )
    }
    await this.backend.deleteWhere(scope.toPayloadFilters())
  }

  /** Deletes every entry of every scope. */
  async clearAll(): Promise<void> {
    if (this.backend.clearAll) return this.backend.clearAll()
    for (;;) {
      const page = await this.backend.listWhere({}, 1000)
      if (page.length === 0) return
      for (const entry of page) await this.backend.delete(entry.id)
    }
  }

  /** Closes the backend (what it opened: a pool, a local server, a snapshot lock). */
  async close(): Promise<void> {
    await this.backend.close?.()
  }
}

// Backends that record a model (every built-in one, given `model`) expose it with the index's label.
function checkModel(backend: VectorBackend, model: unknown): void {
  if (model === undefined || model === null) return
  const { model: stored, label } = backend as { model?: unknown; label?: unknown }
  if (typeof stored === 'string' && model !== stored) {
    const where = typeof label === 'string' ? label : 'the index'
    throw new EmbeddingModelMismatchError(where, stored, String(model))
  }
}

function checkScope(scope: unknown): StoreScope {
  if (!(scope instanceof StoreScope))
    throw new InvalidArgumentError('expected scope to be a StoreScope')
  return scope
}

// The scope's prefix keeps ids of different scopes apart; the whole id stays within the id bound.
function backendId(scope: StoreScope, id: string): string {
  validateId(id)
  const full = scope.idPrefix() + id
  if (full.length > MAX_ID_LENGTH) {
    throw new InvalidIdError(
      `expected id of at most ${MAX_ID_LENGTH - scope.idPrefix().length} characters in this scope`,
    )
  }
  return full
}

// Scope is AND-ed outside the metadata filter, so no filter can widen it.
function scopedFilter<M extends object>(query: StoreQuery<M>): Filter {
  const scope = checkScope(query.scope ?? StoreScope.GLOBAL)
  const scopeFilter = scope.toPayloadFilters()
  const metadata = query.metadataFilters
  if (metadata === undefined || Object.keys(metadata).length === 0) return scopeFilter
  if (scope.isGlobal) return metadata as Filter
  return { $and: [scopeFilter, metadata as Filter] }
}

function toRecord<M extends object>(entry: EntryInput<M>): VectorRecord {
  if (typeof entry !== 'object' || entry === null) {
    throw new InvalidArgumentError('expected an entry object')
  }
  const scope = checkScope(entry.scope ?? StoreScope.GLOBAL)
  const metadata = entry.metadata ?? {}
  for (const key of Object.keys(metadata)) {
    if ((CORE_FIELDS as readonly string[]).includes(key) || key.startsWith('scope_')) {
      throw new InvalidPayloadError(`metadata key '${key.slice(0, 40)}' is reserved by the store`)
    }
  }
  if (typeof entry.content !== 'string')
    throw new InvalidArgumentError('expected content to be a string')
  const createdAt = entry.createdAt ?? new Date()
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw new InvalidArgumentError('expected createdAt to be a valid Date')
  }
  const payload: Payload = {
    ...metadata,
    ...scope.toPayloadFilters(),
    entry_id: entry.id,
    content: entry.content,
    document_id: entry.documentId ?? null,
    chunk_index: entry.chunkIndex ?? null,
    embedding_model: entry.embeddingModel ?? null,
    created_at: createdAt.toISOString(),
  }
  return { id: backendId(scope, entry.id), vector: entry.vector, payload }
}

function fromPayload<M extends object>(payload: Payload): StoredEntry<M> {
  const fields = Object.entries(payload)
  // fromEntries, not assignment: a key like "__proto__" stays a plain key.
  const metadata: Payload = Object.fromEntries(
    fields.filter(
      ([key]) => !key.startsWith('scope_') && !(CORE_FIELDS as readonly string[]).includes(key),
    ),
  )
  const labels = Object.fromEntries(
    fields
      .filter(([key]) => key.startsWith('scope_'))
      .map(([key, value]) => [key.slice(6), String(value)]),
  )
  return {
    id: String(payload['entry_id']),
    content: String(payload['content'] ?? ''),
    documentId: nullable(payload['document_id']) as string | null,
    chunkIndex: nullable(payload['chunk_index']) as number | null,
    embeddingModel: nullable(payload['embedding_model']) as string | null,
    metadata: metadata as M,
    scope: new StoreScope(labels),
    createdAt: new Date(String(payload['created_at'])),
  }
}

function nullable(value: JsonValue | undefined): JsonValue {
  return value ?? null
}
