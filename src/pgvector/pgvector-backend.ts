import { sql } from 'drizzle-orm'
import type {
  ListedEntry,
  ListOptions,
  SearchHit,
  StoredRecord,
  Vector,
  VectorBackend,
  VectorRecord,
} from '../core/backend.js'
import { EmptyFilterError, NotInitializedError } from '../core/errors.js'
import { type Filter, isEmptyFilter, parseFilter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import type { DistanceMetric } from '../core/metric.js'
import {
  validateCount,
  validateId,
  validateNewId,
  validateIds,
  validatePayload,
  validateRecords,
  validateVector,
} from '../core/validate.js'
import { bulkUpsert, mayCreateTempTables } from './bulk-load.js'
import { type Connection, rowsOf, type SqlDatabase } from './connection.js'
import { wrapEngineError } from './engine-errors.js'
import { explainSearch, type SearchPlan } from './explain.js'
import { compileFilter } from './filter-sql.js'
import {
  type PgvectorBackendConfig,
  type PgvectorSearchOptions,
  type ResolvedConfig,
  resolveConfig,
  resolveSearchOptions,
} from './pgvector-backend-config.js'
import { onPglite } from './pglite-direct.js'
import { onPostgresJs } from './postgres-js.js'
import { prepareTable, type TableState } from './schema-sync.js'
import { runSearch, payloadOf, type SearchContext } from './search-runner.js'
import {
  countQuery,
  deleteByIdQuery,
  deleteQuery,
  getByIdsQuery,
  listQuery,
  type QueryTarget,
  tableName,
  upsertQuery,
} from './sql.js'
import { checkVectorRange } from './table-spec.js'
import { vectorLiteral } from './vector-text.js'

interface Ready {
  readonly connection: Connection
  readonly db: SqlDatabase
  readonly state: TableState
  readonly target: QueryTarget
  readonly search: SearchContext
  /** Large loads may go through COPY into a temporary table (driver and privilege allow it). */
  readonly copyLoads: boolean
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
export class PgvectorBackend implements VectorBackend {
  readonly #config: ResolvedConfig
  #ready: Ready | undefined
  #starting: Promise<Ready> | undefined
  #closed = false
  // Writes to a table without a fixed dimension: the first validated write claims it.
  #claimedDim: number | undefined

  /** Checks the config; call `initialize()` (or use {@link PgvectorBackend.create}) before use. */
  constructor(config: PgvectorBackendConfig = {}) {
    this.#config = resolveConfig(config)
  }

  /** Constructs and initializes in one call: the way to make a backend. */
  static async create(config: PgvectorBackendConfig = {}): Promise<PgvectorBackend> {
    const backend = new PgvectorBackend(config)
    await backend.initialize()
    return backend
  }

  /**
   * Connects, then creates the extension, table and indexes if missing (not
   * with `manageSchema: false`) and verifies them. Safe to call on every
   * start and more than once.
   */
  async initialize(): Promise<void> {
    if (this.#closed) throw new NotInitializedError('PgvectorBackend', 'closed')
    this.#starting ??= this.#start()
    let ready: Ready
    try {
      ready = await this.#starting
    } catch (error) {
      this.#starting = undefined
      throw error
    }
    // close() ran while starting: it has released the connection.
    if (this.#closed) throw new NotInitializedError('PgvectorBackend', 'closed')
    this.#ready = ready
  }

  /** The distance metric in use (known after initialize). */
  get metric(): DistanceMetric {
    return this.#ready?.state.metric ?? this.#config.spec.metric
  }

  /** The vector dimension, once known. */
  get dim(): number | undefined {
    return this.#ready?.state.dimensions ?? this.#claimedDim
  }

  async upsert(id: string, vector: Vector, payload: Payload): Promise<void> {
    const ready = this.#open()
    const checked = {
      id: validateNewId(id),
      vector: this.#vector(ready, vector),
      payload: validatePayload(payload),
    }
    this.#claimedDim ??= checked.vector.length
    const row = {
      id: checked.id,
      vector: vectorLiteral(checked.vector),
      payload: JSON.stringify(checked.payload),
    }
    await this.#run('upsert', () => ready.db.execute(upsertQuery(ready.target, [row])))
  }

  /** Writes all records in one transaction (all or nothing), then `ANALYZE` after large loads. */
  async upsertMany(records: readonly VectorRecord[]): Promise<void> {
    const ready = this.#open()
    const checked = validateRecords(records, this.dim, ready.state.metric)
    if (checked.length === 0) return
    for (const record of checked) checkVectorRange(ready.state.vectorType, record.vector)
    this.#claimedDim ??= (checked[0] as { vector: Float32Array }).vector.length
    const config = this.#config
    const defer =
      config.manageSchema && config.deferIndexRows > 0 && checked.length >= config.deferIndexRows
    const rebuilt = await this.#run('upsertMany', () =>
      bulkUpsert(
        {
          db: ready.db,
          target: ready.target,
          deferredIndex: defer ? ready.state.vectorIndex : undefined,
          maintenanceWorkMem: config.maintenanceWorkMem,
          copyLoads: ready.copyLoads,
        },
        checked,
      ),
    )
    if (rebuilt || checked.length >= config.analyzeAfterRows) await this.analyze()
  }

  /**
   * The `topK` nearest entries matching `filters`, best first (ties by id).
   * `options` tunes the index scan for this query only.
   */
  async search(
    vector: Vector,
    topK: number,
    filters: Filter,
    options: PgvectorSearchOptions = {},
  ): Promise<SearchHit[]> {
    const { ready, literal, k, where, tuning } = this.#searchArguments(
      vector,
      topK,
      filters,
      options,
    )
    return this.#run('search', () => runSearch(ready.search, literal, k, where, tuning))
  }

  /** Plans the query `search()` runs for these arguments, and says whether it uses the vector index. */
  async explain(
    vector: Vector,
    topK: number,
    filters: Filter,
    options: PgvectorSearchOptions & { readonly analyze?: boolean } = {},
  ): Promise<SearchPlan> {
    const { ready, literal, k, where, tuning } = this.#searchArguments(
      vector,
      topK,
      filters,
      options,
    )
    const analyze = options.analyze === true
    return this.#run('explain', () =>
      explainSearch(ready.search, literal, k, where, { ...tuning, analyze }),
    )
  }

  async delete(id: string): Promise<void> {
    const ready = this.#open()
    const checked = validateId(id)
    await this.#run('delete', () => ready.db.execute(deleteByIdQuery(ready.target, checked)))
  }

  async deleteWhere(filters: Filter): Promise<void> {
    const ready = this.#open()
    const node = parseFilter(filters)
    if (isEmptyFilter(node)) throw new EmptyFilterError('deleteWhere')
    await this.#run('deleteWhere', () =>
      ready.db.execute(deleteQuery(ready.target, compileFilter(node))),
    )
  }

  /** Deletes every entry (a transactional `DELETE`, which needs no more than DELETE privilege). */
  async clearAll(): Promise<void> {
    const ready = this.#open()
    await this.#run('clearAll', () => ready.db.execute(deleteQuery(ready.target, sql`TRUE`)))
  }

  async listWhere(
    filters: Filter,
    limit: number,
    options: ListOptions = {},
  ): Promise<ListedEntry[]> {
    const ready = this.#open()
    const where = compileFilter(parseFilter(filters))
    const n = validateCount('limit', limit)
    const after = options.after === undefined ? undefined : validateId(options.after)
    const rows = await this.#run('listWhere', async () =>
      rowsOf(await ready.db.execute(listQuery(ready.target, where, n, after))),
    )
    return rows.map((row) => ({ id: String(row['id']), payload: payloadOf(row['payload']) }))
  }

  async getByIds(ids: readonly string[]): Promise<StoredRecord[]> {
    const ready = this.#open()
    const checked = validateIds(ids)
    if (checked.length === 0) return []
    const rows = await this.#run('getByIds', async () =>
      rowsOf(await ready.db.execute(getByIdsQuery(ready.target, checked))),
    )
    const found = new Map(rows.map((row) => [String(row['id']), row]))
    return checked.flatMap((id) => {
      const row = found.get(id)
      if (row === undefined) return []
      const vector = Float32Array.from(JSON.parse(String(row['vector'])) as number[])
      return [{ id, vector, payload: payloadOf(row['payload']) }]
    })
  }

  async count(filters: Filter): Promise<number> {
    const ready = this.#open()
    const where = compileFilter(parseFilter(filters))
    const rows = await this.#run('count', async () =>
      rowsOf(await ready.db.execute(countQuery(ready.target, where))),
    )
    return Number(rows[0]?.['count'] ?? 0)
  }

  /** Refreshes the planner's statistics for the table (`ANALYZE`); `upsertMany` does it after large loads. */
  async analyze(): Promise<void> {
    const ready = this.#open()
    await this.#run('analyze', () => ready.db.execute(sql`ANALYZE ${ready.target.table}`))
  }

  /** Ends the pool or embedded database the backend opened (never an injected `db` or PGlite). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const starting = this.#starting
    this.#ready = undefined
    const ready = await starting?.catch(() => undefined)
    await ready?.connection.close()
  }

  async #start(): Promise<Ready> {
    const config = this.#config
    const connection = await config.connect()
    try {
      const state = await prepareTable(connection.db, config.spec, config)
      const target: QueryTarget = {
        table: tableName(config.spec),
        schema: config.spec.schema,
        metric: state.metric,
        vectorType: state.vectorType,
        hasUpdatedAt: state.hasUpdatedAt,
      }
      const db = onPostgresJs(connection.db) ?? onPglite(connection.db) ?? connection.db
      const search = {
        db,
        target,
        vectorIndex: state.vectorIndex,
        iterativeScans: state.iterativeScans,
      }
      const copyLoads = db !== connection.db && (await mayCreateTempTables(db))
      return { connection, db, state, target, search, copyLoads }
    } catch (error) {
      await connection.close().catch(() => {})
      throw wrapEngineError('initialize', error)
    }
  }

  #searchArguments(vector: Vector, topK: number, filters: Filter, options: PgvectorSearchOptions) {
    const ready = this.#open()
    const literal = vectorLiteral(this.#vector(ready, vector))
    const k = validateCount('topK', topK)
    const node = parseFilter(filters)
    const tuning = {
      ...this.#config.search,
      ...resolveSearchOptions(options),
      filtered: !isEmptyFilter(node),
    }
    return { ready, literal, k, where: compileFilter(node), tuning }
  }

  #open(): Ready {
    if (this.#closed) throw new NotInitializedError('PgvectorBackend', 'closed')
    if (this.#ready === undefined) throw new NotInitializedError('PgvectorBackend', 'uninitialized')
    return this.#ready
  }

  #vector(ready: Ready, vector: Vector): Float32Array {
    const checked = validateVector(vector, this.dim, ready.state.metric)
    return checkVectorRange(ready.state.vectorType, checked)
  }

  async #run<T>(operation: string, body: () => PromiseLike<T>): Promise<T> {
    try {
      return await body()
    } catch (error) {
      throw wrapEngineError(operation, error)
    }
  }
}
