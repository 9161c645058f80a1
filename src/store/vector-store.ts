import type { VectorBackend } from '../core/backend.js'
import {
  EmbeddingModelMismatchError,
  EmptyFilterError,
  InvalidArgumentError,
  UnsupportedFeatureError,
} from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { validateMinScore } from '../core/validate.js'
import {
  type EmbeddingOptions,
  type EmbeddingSettings,
  embedInBatches,
  embeddingSettings,
} from '../embedding/embed-batches.js'
import type { Embedder } from '../embedding/embedder.js'
import type { SourceDocument } from '../embedding/loaders.js'
import { RecursiveTextSplitter, type TextSplitter } from '../embedding/text-splitter.js'
import { backendId, checkScope, fromPayload, scopedFilter, toRecord } from './entries.js'
import { type IndexOptions, type IndexResult, indexDocuments } from './indexer.js'
import { currentHits } from './retriever.js'
import {
  checkIndexState,
  chunkId,
  decodeSource,
  recordBackend,
  type RecordBackend,
  sourceKey,
} from './source-records.js'
import { StoreScope } from './store-scope.js'
import type {
  EntryInput,
  RetrieveOptions,
  StoredEntry,
  StorePage,
  StoreQuery,
  StoreResult,
  StoreSearch,
} from './store-types.js'

export { CORE_FIELDS } from './entries.js'
export type {
  EntryInput,
  RetrieveOptions,
  StoredEntry,
  StorePage,
  StoreQuery,
  StoreResult,
  StoreSearch,
}

/** Options of {@link VectorStore}: what `index` and `retrieve` need. */
export interface VectorStoreConfig {
  /** Embeds chunks and queries; its model and dimension are recorded with the index. */
  readonly embedder?: Embedder
  /** Splits documents into chunks. Default: a `RecursiveTextSplitter` (1000 characters, overlap 100). */
  readonly splitter?: TextSplitter
  /** Batch size, parallel calls and retries of the embedder. */
  readonly embedding?: EmbeddingOptions
}

/**
 * The front door: entries with content, document and scope over any
 * {@link VectorBackend}. The scope is always enforced: metadata filters can
 * only narrow it, and an entry id is unique within its scope only. With an
 * embedder, it is also the retrieval runtime: `index` keeps the chunks of
 * source documents current (splitting, embedding only what changed,
 * replacing each changed source whole) and `retrieve` answers text queries.
 *
 * @example
 * ```ts
 * const store = new VectorStore(new InMemoryVectorBackend(), { embedder: new HashingEmbedder() })
 * await store.index([{ id: 'handbook', content: 'Expenses are reimbursed within 30 days.' }])
 * const [best] = await store.retrieve('when are expenses reimbursed?', { topK: 3 })
 * await store.close()
 * ```
 */
export class VectorStore<M extends object = Payload> {
  /** The backend entries are stored in. */
  readonly backend: VectorBackend
  /** The embedder of `index` and `retrieve`, if any. */
  readonly embedder: Embedder | undefined
  readonly #splitter: TextSplitter
  readonly #embedding: EmbeddingSettings | undefined
  // The recorded model is checked once per store (it only changes by re-embedding everything).
  #checked: Promise<unknown> | undefined

  constructor(backend: VectorBackend, config: VectorStoreConfig = {}) {
    if (typeof backend !== 'object' || backend === null) {
      throw new InvalidArgumentError('expected a backend')
    }
    this.backend = backend
    this.embedder = checkEmbedder(config.embedder)
    this.#splitter = config.splitter ?? new RecursiveTextSplitter()
    if (typeof this.#splitter.split !== 'function') {
      throw new InvalidArgumentError('expected splitter to have a split(text) method')
    }
    this.#embedding = this.embedder && embeddingSettings(this.embedder, config.embedding)
  }

  /**
   * Stores entries (replacing any with the same id in the same scope). An
   * entry's `embeddingModel` must be the model the backend records, if it records one.
   */
  async upsert(entries: EntryInput<M> | readonly EntryInput<M>[]): Promise<void> {
    const list: readonly EntryInput<M>[] = Array.isArray(entries) ? entries : [entries]
    for (const entry of list) checkModel(this.backend, entry?.embeddingModel)
    const records = list.map((entry) => toRecord(entry))
    if (this.backend.upsertMany) return this.backend.upsertMany(records)
    for (const record of records)
      await this.backend.upsert(record.id, record.vector, record.payload)
  }

  /** Nearest entries to a query embedding within the scope, best first. */
  async search(query: StoreSearch<M>): Promise<StoreResult<M>[]> {
    checkModel(this.backend, query.embeddingModel)
    const hits =
      query.text === undefined
        ? await this.backend.search(query.vector, query.topK ?? 10, scopedFilter(query))
        : await hybridSearchOf(this.backend)(
            { vector: query.vector, text: query.text },
            query.topK ?? 10,
            scopedFilter(query),
            query.hybrid ?? {},
          )
    return hits.map((hit, i) => ({
      entry: fromPayload<M>(hit.payload),
      score: hit.score,
      rank: i + 1,
    }))
  }

  /**
   * Indexes source documents (`{ id, content, metadata? }`, `id` naming the
   * source): unchanged ones cost one record read per batch; changed ones are
   * split, only chunks whose text the index does not hold yet are embedded,
   * and each source is replaced whole in one change with its record. Counts
   * are in chunks. See {@link IndexOptions} for `cleanup`, `batchSize` and `scope`.
   */
  async index(
    documents: Iterable<SourceDocument<M>> | AsyncIterable<SourceDocument<M>>,
    options: IndexOptions = {},
  ): Promise<IndexResult> {
    const { backend, embedder } = this.#runtime('index')
    const indexRecord = await checkIndexState(backend, embedder)
    return indexDocuments(
      {
        backend,
        embedder,
        splitter: this.#splitter,
        embedding: this.#embedding as EmbeddingSettings,
        indexRecord,
      },
      documents,
      options,
    )
  }

  /**
   * The chunks nearest to a text within the scope, best first: the text is
   * embedded with the store's embedder, which must be the model recorded
   * with the index. Each result's entry names its source (`documentId`).
   */
  async retrieve(text: string, options: RetrieveOptions<M> = {}): Promise<StoreResult<M>[]> {
    const { backend, embedder } = this.#runtime('retrieve')
    if (typeof text !== 'string') throw new InvalidArgumentError('expected text to be a string')
    this.#checked ??= checkIndexState(backend, embedder).catch((error: unknown) => {
      this.#checked = undefined
      throw error
    })
    await this.#checked
    const [vector] = await embedInBatches(embedder, [text], this.#embedding as EmbeddingSettings)
    const filter = scopedFilter(options)
    const minScore = validateMinScore(options.minScore)
    const hybrid = options.hybrid === true ? {} : options.hybrid || undefined
    const search = (topK: number) =>
      hybrid === undefined
        ? backend.search(
            vector as Float32Array,
            topK,
            filter,
            minScore === undefined ? {} : { minScore },
          )
        : hybridSearchOf(backend)({ vector: vector as Float32Array, text }, topK, filter, {
            ...hybrid,
            ...(minScore !== undefined && { minScore }),
          })
    const topK = options.topK ?? 10
    const hits =
      backend.atomicChanges === true ? await search(topK) : await currentHits(backend, search, topK)
    return hits.map((hit, i) => ({
      entry: fromPayload<M>(hit.payload),
      score: hit.score,
      rank: i + 1,
    }))
  }

  /** Deletes sources indexed with `index` (their chunks and records together); missing ones are skipped. */
  async deleteSources(
    ids: readonly string[],
    options: { scope?: StoreScope } = {},
  ): Promise<number> {
    const backend = recordBackend(this.backend)
    const scope = checkScope(options.scope ?? StoreScope.GLOBAL)
    if (!Array.isArray(ids)) throw new InvalidArgumentError('expected an array of source ids')
    const keys = ids.map((id) => sourceKey(scope, id))
    const chunkIds = (await backend.getRecords(keys)).flatMap((record) => {
      const state = decodeSource(record)
      return [...(state?.chunks ?? []), ...(state?.stale ?? [])].map((s) => chunkId(record.key, s))
    })
    await backend.applyChange({ delete: chunkIds, deleteRecords: keys })
    return chunkIds.length
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

  /**
   * Deletes every entry of a scope, and the records `index` keeps for it; the
   * global scope is refused (use `clearAll()`).
   */
  async clear(scope: StoreScope): Promise<void> {
    if (!(scope instanceof StoreScope) || scope.isGlobal) {
      throw new InvalidArgumentError(
        'clear expects a scope with at least one label; use clearAll() to delete everything',
      )
    }
    // Records first: a reader that checks hits against them sees the scope gone at once.
    if (typeof this.backend.listRecords === 'function')
      await this.#clearRecords(this.backend as RecordBackend, scope)
    await this.backend.deleteWhere(scope.toPayloadFilters())
  }

  /** Deletes every entry of every scope (and every record). */
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

  async #clearRecords(backend: RecordBackend, scope: StoreScope): Promise<void> {
    for (;;) {
      const page = await backend.listRecords({ prefix: scope.idPrefix(), limit: 1000 })
      if (page.length === 0) return
      await backend.applyChange({ deleteRecords: page.map((record) => record.key) })
    }
  }

  #runtime(operation: string): { backend: RecordBackend; embedder: Embedder } {
    if (this.embedder === undefined) {
      throw new InvalidArgumentError(
        `${operation} needs an embedder: new VectorStore(backend, { embedder })`,
      )
    }
    return { backend: recordBackend(this.backend), embedder: this.embedder }
  }
}

function checkEmbedder(embedder: unknown): Embedder | undefined {
  if (embedder === undefined) return undefined
  const candidate = embedder as Partial<Embedder>
  if (
    typeof candidate?.embed !== 'function' ||
    typeof candidate.model !== 'string' ||
    candidate.model === '' ||
    !Number.isInteger(candidate.dimensions) ||
    (candidate.dimensions as number) < 1
  ) {
    throw new InvalidArgumentError('expected embedder to be { model, dimensions, embed(texts) }')
  }
  return embedder as Embedder
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

// The backend's hybridSearch, bound; a typed error when it has none.
function hybridSearchOf(backend: VectorBackend): NonNullable<VectorBackend['hybridSearch']> {
  if (typeof backend.hybridSearch !== 'function') {
    throw new UnsupportedFeatureError('hybridSearch', 'this backend has no hybridSearch')
  }
  return backend.hybridSearch.bind(backend)
}
