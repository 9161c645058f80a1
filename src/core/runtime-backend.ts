import type {
  BackendStats,
  IndexChange,
  IndexRecord,
  ListedEntry,
  ListOptions,
  SearchHit,
  RecordListOptions,
  SearchOptions,
  StoredRecord,
  Vector,
  VectorBackend,
  VectorRecord,
} from './backend.js'
import type { EngineChange, VectorEngine } from './engine.js'
import {
  BackendQueryError,
  EmptyFilterError,
  InvalidArgumentError,
  NotInitializedError,
  UnsupportedFeatureError,
  VectorStoreError,
} from './errors.js'
import { type Filter, type FilterNode, isEmptyFilter, parseFilter } from './filter.js'
import {
  type HybridOptions,
  type HybridQuery,
  queryTextFor,
  resolveHybridOptions,
  validateQueryText,
} from './hybrid.js'
import type { Payload } from './json.js'
import type { DistanceMetric } from './metric.js'
import {
  validateCount,
  validateId,
  validateIds,
  validateMinScore,
  validateNewId,
  validatePayload,
  validateRecords,
  validateVector,
} from './validate.js'
import { validateChange, validateRecordList } from './validate-change.js'

/** The search options a backend's engine takes. */
export type SearchOptionsOf<E> = E extends VectorEngine<infer O> ? O : Record<never, never>

/** What a backend is configured with, before its engine is open. */
export interface RuntimeDefaults {
  /** The metric reported until the engine is open. */
  readonly metric: DistanceMetric
  /** The dimension reported until the engine is open, if configured. */
  readonly dim?: number | undefined
  /** The embedding model reported until the engine is open, if configured. */
  readonly model?: string | undefined
}

/**
 * The runtime every backend runs under: it owns the lifecycle (initialize
 * once, close once, {@link NotInitializedError} before and after), checks
 * every argument, parses filters, refuses an empty `deleteWhere`, and wraps
 * engine errors with the operation named. A backend extends it and supplies
 * its engine ({@link VectorEngine}) from `openEngine()`.
 *
 * @example
 * ```ts
 * class MyBackend extends RuntimeBackend<MyEngine> {
 *   constructor(readonly config: MyConfig) {
 *     super('MyBackend', { metric: config.metric ?? 'cosine' })
 *   }
 *   static async create(config: MyConfig): Promise<MyBackend> {
 *     const backend = new MyBackend(config)
 *     await backend.initialize()
 *     return backend
 *   }
 *   protected async openEngine() {
 *     return MyEngine.connect(this.config)
 *   }
 * }
 * ```
 */
export abstract class RuntimeBackend<
  E extends VectorEngine<unknown>,
  P extends object = Payload,
> implements VectorBackend<P> {
  readonly #name: string
  readonly #defaults: RuntimeDefaults
  #engine: E | undefined
  #opening: Promise<E> | undefined
  #closed = false
  // A write validated before the engine knows the dimension claims it, so later calls agree.
  #claimedDim: number | undefined
  readonly #inflight = new Set<Promise<unknown>>()

  /**
   * @param name the class name, for messages
   * @param defaults metric and dimension reported until the engine is open
   */
  protected constructor(name: string, defaults: RuntimeDefaults) {
    this.#name = name
    this.#defaults = defaults
  }

  /** Opens the engine: connects, creates or verifies what it needs. Called once. */
  protected abstract openEngine(): Promise<E>

  /** Turns an engine error into a library error naming the operation. */
  protected wrapError(operation: string, error: unknown): VectorStoreError {
    const message = error instanceof Error ? error.message : String(error)
    return new BackendQueryError(operation, message, { cause: error })
  }

  /** Connects and prepares the backend. Safe to call more than once; a failed call may be retried. */
  async initialize(): Promise<void> {
    if (this.#closed) throw new NotInitializedError(this.#name, 'closed')
    if (this.#engine !== undefined) return
    this.#opening ??= this.openEngine().catch((error: unknown) => {
      this.#opening = undefined
      throw this.#wrap('initialize', error)
    })
    const engine = await this.#opening
    // close() ran meanwhile: it closes the engine.
    if (this.#closed) throw new NotInitializedError(this.#name, 'closed')
    this.#engine = engine
  }

  /**
   * Waits for calls in flight, then releases what the backend opened (never
   * an injected client). Later calls fail with {@link NotInitializedError}. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const engine = this.#engine ?? (await this.#opening?.catch(() => undefined))
    this.#engine = undefined
    await Promise.allSettled([...this.#inflight])
    if (engine === undefined) return
    try {
      await engine.close()
    } catch (error) {
      throw this.#wrap('close', error)
    }
  }

  /** The distance metric (the index's, once open). */
  get metric(): DistanceMetric {
    return this.#engine?.metric ?? this.#defaults.metric
  }

  /** The vector dimension, once known. */
  get dim(): number | undefined {
    return this.#engine?.dim ?? this.#claimedDim ?? this.#defaults.dim
  }

  /** The embedding model recorded with the index (the index's, once open), if any. */
  get model(): string | undefined {
    return this.#engine?.model ?? this.#defaults.model
  }

  /** How messages name the index once open: `table "docs"`, `collection 'docs'`, `snapshot index.json`. */
  get label(): string | undefined {
    return this.#engine?.label
  }

  /** Writes one entry, replacing the whole entry when its id exists. */
  async upsert(id: string, vector: Vector, payload: P): Promise<void> {
    const engine = this.engine()
    const record = {
      id: validateNewId(id),
      vector: this.#checkVector(engine, vector),
      payload: validatePayload(payload),
    }
    this.#claimedDim ??= record.vector.length
    await this.run('upsert', (open) => open.upsert([record]))
  }

  /** Writes many entries; all or none where the engine allows it. */
  async upsertMany(records: readonly VectorRecord<P>[]): Promise<void> {
    const engine = this.engine()
    const checked = validateRecords(records, this.#knownDim(engine), engine.metric, engine.label)
    if (checked.length === 0) return
    for (const record of checked) engine.checkVector?.(record.vector)
    this.#claimedDim ??= (checked[0] as StoredRecord).vector.length
    await this.run('upsertMany', (open) => open.upsert(checked))
  }

  /**
   * The `topK` nearest entries matching `filters`, best first (ties by id);
   * with `minScore`, only those scoring at least that.
   */
  async search(
    vector: Vector,
    topK: number,
    filters: Filter<P>,
    options?: SearchOptions & SearchOptionsOf<E>,
  ): Promise<SearchHit<P>[]> {
    const { query, k, filter } = this.checkSearch(vector, topK, filters)
    const minScore = validateMinScore(options?.minScore)
    const hits = await this.run('search', (engine) => engine.search(query, k, filter, options))
    // Hits come best first: those under the threshold are the tail.
    const kept = minScore === undefined ? hits : hits.filter((hit) => hit.score >= minScore)
    return kept as SearchHit<P>[]
  }

  /**
   * The `topK` best entries matching `filters` by vector and by text together:
   * each side's best `options.candidates` fused by reciprocal rank fusion,
   * score = Σ weight / (k + rank), best first (ties by id); with `minScore`,
   * only those whose fused score is at least that. Throws
   * {@link UnsupportedFeatureError} where the backend (or its table) has no full text.
   */
  async hybridSearch(
    query: HybridQuery,
    topK: number,
    filters: Filter<P>,
    options: HybridOptions = {},
  ): Promise<SearchHit<P>[]> {
    const engine = this.engine()
    if (typeof engine.hybridSearch !== 'function') {
      throw new UnsupportedFeatureError(
        'hybridSearch',
        `${this.#name} cannot rank by text: hybridSearch is not supported`,
      )
    }
    if (typeof query !== 'object' || query === null) {
      throw new InvalidArgumentError('expected the query to be { vector, text }')
    }
    const text = queryTextFor(validateQueryText(query.text), options.textMatch)
    const { query: vector, k, filter } = this.checkSearch(query.vector, topK, filters)
    const fusion = resolveHybridOptions(options, k)
    const minScore = validateMinScore(options.minScore)
    const hits = await this.run('hybridSearch', (open) =>
      (open.hybridSearch as NonNullable<E['hybridSearch']>).call(
        open,
        { vector, text },
        k,
        filter,
        fusion,
      ),
    )
    const kept = minScore === undefined ? hits : hits.filter((hit) => hit.score >= minScore)
    return kept as SearchHit<P>[]
  }

  /** Deletes one entry; a missing id is a no-op. */
  async delete(id: string): Promise<void> {
    this.engine()
    const checked = validateId(id)
    await this.run('delete', (engine) => engine.delete([checked]))
  }

  /** Deletes the entries matching `filters`; an empty filter throws `EmptyFilterError`. */
  async deleteWhere(filters: Filter<P>): Promise<void> {
    this.engine()
    const filter = parseFilter(filters)
    if (isEmptyFilter(filter)) throw new EmptyFilterError('deleteWhere')
    await this.run('deleteWhere', (engine) => engine.deleteWhere(filter))
  }

  /** Deletes every entry: the explicit way to do what `deleteWhere({})` refuses. */
  async clearAll(): Promise<void> {
    await this.run('clearAll', (engine) => engine.clearAll())
  }

  /** Entries matching `filters` in id order (code points), at most `limit`, after `options.after`. */
  async listWhere(
    filters: Filter<P>,
    limit: number,
    options: ListOptions = {},
  ): Promise<ListedEntry<P>[]> {
    this.engine()
    const filter = parseFilter(filters)
    const n = validateCount('limit', limit)
    const after = options.after === undefined ? undefined : validateId(options.after)
    return this.run('listWhere', (engine) => engine.list(filter, n, after)) as Promise<
      ListedEntry<P>[]
    >
  }

  /** How many entries match `filters`. */
  async count(filters: Filter<P>): Promise<number> {
    this.engine()
    const filter = parseFilter(filters)
    return this.run('count', (engine) => engine.count(filter))
  }

  /** The stored entries with these ids, vectors included (float32), in the order asked; missing ids are skipped. */
  async getByIds(ids: readonly string[]): Promise<StoredRecord<P>[]> {
    this.engine()
    const checked = validateIds(ids)
    if (checked.length === 0) return []
    return this.run('getByIds', (engine) => engine.getByIds(checked)) as Promise<StoredRecord<P>[]>
  }

  /**
   * The `records` capability: deletes `change.delete`, writes `change.upsert`,
   * then writes `change.putRecords` and deletes `change.deleteRecords`, as one
   * change. Everything is checked before anything is written. Atomic where
   * {@link RuntimeBackend.atomicChanges} is true.
   */
  async applyChange(change: IndexChange<P>): Promise<void> {
    const engine = this.engine()
    const apply = this.#capability(engine, 'applyChange')
    const checked: EngineChange = validateChange(change, this.#knownDim(engine), engine.metric)
    for (const record of checked.upsert) engine.checkVector?.(record.vector)
    this.#claimedDim ??= checked.upsert[0]?.vector.length
    await this.run('applyChange', () => apply(checked))
  }

  /** The records with these keys, in the order asked; missing keys are skipped. */
  async getRecords(keys: readonly string[]): Promise<IndexRecord[]> {
    const engine = this.engine()
    const get = this.#capability(engine, 'getRecords')
    const checked = validateIds(keys)
    if (checked.length === 0) return []
    return this.run('getRecords', () => get(checked))
  }

  /** Records in key order (code points), by prefix, after `options.after`, at most `options.limit`. */
  async listRecords(options: RecordListOptions): Promise<IndexRecord[]> {
    const engine = this.engine()
    const list = this.#capability(engine, 'listRecords')
    const { prefix, limit, after } = validateRecordList(options)
    return this.run('listRecords', () => list(prefix, limit, after))
  }

  /** True when readers see all of an {@link RuntimeBackend.applyChange} or none of it. */
  get atomicChanges(): boolean {
    return this.#engine?.atomicChanges === true
  }

  /** Entry count, dimension, metric, embedding model, vector index (kind and parameters) and storage size. */
  async stats(): Promise<BackendStats> {
    return this.run('stats', async (engine) => {
      const index = (await engine.describe?.()) ?? { kind: 'unknown', parameters: [], sizes: [] }
      const count = await engine.count({ kind: 'and', children: [] })
      return { ...index, count, dimensions: this.dim, metric: engine.metric, model: this.model }
    })
  }

  /** The open engine; throws {@link NotInitializedError} before `initialize()` and after `close()`. */
  protected engine(): E {
    if (this.#closed) throw new NotInitializedError(this.#name, 'closed')
    if (this.#engine === undefined) throw new NotInitializedError(this.#name, 'uninitialized')
    return this.#engine
  }

  /**
   * Starts this backend on an engine that is open already, instead of
   * `openEngine()` (a backend ready on construction, or one bound to a transaction).
   */
  protected useEngine(engine: E): void {
    if (this.#closed || this.#engine !== undefined || this.#opening !== undefined) {
      throw new NotInitializedError(this.#name, 'closed')
    }
    this.#engine = engine
  }

  /** The open engine, or undefined before `initialize()` and after `close()`. */
  protected openedEngine(): E | undefined {
    return this.#closed ? undefined : this.#engine
  }

  /** Runs engine work as `operation`: counted as in flight for `close()`, errors wrapped. */
  protected async run<T>(operation: string, body: (engine: E) => Promise<T>): Promise<T> {
    const engine = this.engine()
    let call: Promise<T>
    try {
      call = body(engine)
    } catch (error) {
      throw this.#wrap(operation, error)
    }
    this.#inflight.add(call)
    try {
      return await call
    } catch (error) {
      throw this.#wrap(operation, error)
    } finally {
      this.#inflight.delete(call)
    }
  }

  /** Checks a search's arguments (for backends that add search-like calls, e.g. `explain`). */
  protected checkSearch(
    vector: Vector,
    topK: number,
    filters: Filter<P>,
  ): { query: Float32Array; k: number; filter: FilterNode } {
    const engine = this.engine()
    return {
      query: this.#checkVector(engine, vector),
      k: validateCount('topK', topK),
      filter: parseFilter(filters),
    }
  }

  // The engine's optional method, bound; a clear error when the engine has none.
  #capability<K extends 'applyChange' | 'getRecords' | 'listRecords'>(
    engine: E,
    name: K,
  ): NonNullable<E[K]> {
    const method = engine[name]
    if (typeof method !== 'function') {
      throw new InvalidArgumentError(`${this.#name} keeps no records: its engine has no ${name}()`)
    }
    return (method as (...args: unknown[]) => unknown).bind(engine) as NonNullable<E[K]>
  }

  #knownDim(engine: E): number | undefined {
    return engine.dim ?? this.#claimedDim
  }

  #checkVector(engine: E, vector: Vector): Float32Array {
    const checked = validateVector(vector, this.#knownDim(engine), engine.metric, engine.label)
    engine.checkVector?.(checked)
    return checked
  }

  #wrap(operation: string, error: unknown): VectorStoreError {
    return error instanceof VectorStoreError ? error : this.wrapError(operation, error)
  }
}
