import type { BackendStats, Vector } from '../core/backend.js'
import { InvalidArgumentError, type VectorStoreError } from '../core/errors.js'
import type { Filter } from '../core/filter.js'
import {
  type HybridOptions,
  type HybridQuery,
  queryTextFor,
  resolveHybridOptions,
  validateQueryText,
} from '../core/hybrid.js'
import type { Payload } from '../core/json.js'
import { RuntimeBackend } from '../core/runtime-backend.js'
import type { AnyPgDatabase } from './connection.js'
import { wrapEngineError } from './engine-errors.js'
import type { SearchPlan } from './explain.js'
import type { HybridPlan } from './hybrid-search.js'
import {
  type PgvectorBackendConfig,
  type PgvectorSearchOptions,
  type ResolvedConfig,
  resolveConfig,
} from './pgvector-backend-config.js'
import { PgvectorEngine } from './pgvector-engine.js'
import type { ReplicaStatus } from './replica.js'
import { runTune, type TuneOptions, type TuneResult } from './tune.js'
import type { TunedSetting } from './tuned-setting.js'

/** What `PgvectorBackend.stats()` reports: the common stats, and the replicas when there are some. */
export interface PgvectorStats extends BackendStats {
  /** Each read replica's state, lag and reads answered (with `replicas` only). */
  readonly replicas?: readonly ReplicaStatus[]
  /** Reads the primary answered although replicas are configured: none up, none caught up in time, or a replica failed mid-read (with `replicas` only). */
  readonly primaryReads?: number
  /** The search setting `tune()` recorded with the table, and when it was measured. */
  readonly tuned?: TunedSetting
}

/**
 * Stores entries in a Postgres table with a pgvector column, created at
 * startup or declared in your Drizzle schema with `vectorTable()`.
 *
 * @example
 * ```ts
 * const backend = await PgvectorBackend.create({ dsn: process.env.DATABASE_URL, table: 'docs', dim: 1536 })
 * await backend.upsert('a', embedding, { lang: 'en' })
 * const hits = await backend.search(query, 10, { lang: 'en' })
 * const plan = await backend.explain(query, 10, { lang: 'en' }) // plan.usesVectorIndex
 * ```
 */
export class PgvectorBackend<P extends object = Payload> extends RuntimeBackend<PgvectorEngine, P> {
  readonly #input: PgvectorBackendConfig<P>
  readonly #config: ResolvedConfig

  /** Checks the config; call `initialize()` (or use {@link PgvectorBackend.create}) before use. */
  constructor(config: PgvectorBackendConfig<P> = {}) {
    const resolved = resolveConfig(config)
    super('PgvectorBackend', { metric: resolved.spec.metric, model: resolved.spec.model })
    this.#input = config
    this.#config = resolved
  }

  /** Constructs and initializes in one call: the way to make a backend. */
  static async create<P extends object = Payload>(
    config: PgvectorBackendConfig<P> = {},
  ): Promise<PgvectorBackend<P>> {
    const backend = new PgvectorBackend<P>(config)
    await backend.initialize()
    return backend
  }

  /**
   * Connects, then creates the extension, table and indexes if missing (not
   * with `manageSchema: false`) and verifies them.
   */
  protected override openEngine(): Promise<PgvectorEngine> {
    return PgvectorEngine.open(this.#config)
  }

  /** Postgres and driver errors: connection losses apart from query failures, SQLSTATE kept as `engineCode`. */
  protected override wrapError(operation: string, error: unknown): VectorStoreError {
    return wrapEngineError(operation, error)
  }

  /**
   * This backend inside your Drizzle transaction: its writes (and reads) run
   * on `tx`, so they commit or roll back with your own rows. Use it within
   * the transaction's callback; it needs no `close()` and never ends `tx`.
   *
   * @example
   * ```ts
   * await db.transaction(async (tx) => {
   *   const [user] = await tx.insert(users).values({ name: 'Ada' }).returning()
   *   await backend.withTransaction(tx).upsert('a#0', vector, { userId: user.id, title: 'Notes' })
   * })
   * ```
   */
  withTransaction(tx: AnyPgDatabase): PgvectorBackend<P> {
    const bound = new PgvectorBackend<P>(this.#input)
    bound.useEngine(this.engine().inTransaction(tx))
    return bound
  }

  /** Plans the query `search()` runs for these arguments, and says whether it uses the vector index. */
  async explain(
    vector: Vector,
    topK: number,
    filters: Filter<P>,
    options: PgvectorSearchOptions & { readonly analyze?: boolean } = {},
  ): Promise<SearchPlan> {
    const { query, k, filter } = this.checkSearch(vector, topK, filters)
    return this.run('explain', (engine) => engine.explain(query, k, filter, options))
  }

  /**
   * Plans the statement `hybridSearch()` runs for these arguments, and says
   * whether it uses the vector index and the full-text (GIN) index.
   */
  async explainHybrid(
    query: HybridQuery,
    topK: number,
    filters: Filter<P>,
    options: HybridOptions & PgvectorSearchOptions & { readonly analyze?: boolean } = {},
  ): Promise<HybridPlan> {
    const text = queryTextFor(validateQueryText(query?.text), options.textMatch)
    const { query: vector, k, filter } = this.checkSearch(query.vector, topK, filters)
    const fusion = resolveHybridOptions(options, k)
    return this.run('explainHybrid', (engine) =>
      engine.explainHybrid({ vector, text }, k, filter, fusion, options),
    )
  }

  /** Entry count, dimension, metric, vector index, tuned setting and sizes; with replicas, their state and lag. */
  override async stats(): Promise<PgvectorStats> {
    const stats = await super.stats()
    const replication = await this.run('stats', (engine) => engine.replication())
    const tuned = this.engine().tuned
    return { ...stats, ...replication, ...(tuned !== undefined && { tuned }) }
  }

  /**
   * Finds the cheapest `ef_search` (HNSW) or `probes` (IVFFlat) that reaches
   * a recall@k on held-out queries, and records it with the table: every
   * search then uses it (this backend at once, others when they next open),
   * unless the config or the call sets its own. Reads only, apart from that
   * record: writers are never blocked. When no value reaches the target,
   * nothing is recorded (`setting` is undefined). See docs/recall.md.
   *
   * @example
   * ```ts
   * const result = await backend.tune({ recall: 0.95, sample: 200 })
   * console.log(result.chart, result.setting?.value)
   * ```
   */
  async tune(options: TuneOptions): Promise<TuneResult> {
    const engine = this.engine()
    const subject = engine.tuneSubject(
      (vector) => this.checkSearch(vector, 1, {}).query,
      async (query, k, search) => (await this.search(query, k, {}, search)).map((hit) => hit.id),
    )
    return this.run('tune', () => runTune(subject, options))
  }

  /** Forgets the setting `tune()` recorded: searches go back to the config's (or the server's). */
  async clearTuning(): Promise<void> {
    await this.run('clearTuning', (engine) => engine.recordTuning(undefined))
  }

  /**
   * With `readYourWrites`, makes later reads see everything committed on the
   * primary so far, as after the backend's own writes: call it after
   * committing writes the backend did not make, such as your transaction
   * around `withTransaction(tx)`. A no-op without replicas.
   *
   * @example
   * ```ts
   * await db.transaction(async (tx) => backend.withTransaction(tx).upsert('a#0', vector, payload))
   * await backend.markWritten()
   * const hits = await backend.search(vector, 10, {}) // sees a#0, even on a replica
   * ```
   */
  async markWritten(): Promise<void> {
    await this.run('markWritten', (engine) => engine.markWritten())
  }

  /** Refreshes the planner's statistics for the table (`ANALYZE`); `upsertMany` does it after large loads. */
  async analyze(): Promise<void> {
    await this.run('analyze', (engine) => engine.analyze())
  }
}

/**
 * `backend.tune(options)` as a function: finds and records the cheapest
 * search setting that reaches a recall on held-out queries (see
 * {@link PgvectorBackend.tune}).
 *
 * @example
 * ```ts
 * const { setting } = await tune(backend, { recall: 0.95 })
 * ```
 */
export async function tune<P extends object>(
  backend: PgvectorBackend<P>,
  options: TuneOptions,
): Promise<TuneResult> {
  if (!(backend instanceof PgvectorBackend)) {
    throw new InvalidArgumentError('expected a PgvectorBackend to tune')
  }
  return backend.tune(options)
}
