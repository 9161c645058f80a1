import { type SQL, sql } from 'drizzle-orm'
import type {
  IndexDescription,
  IndexRecord,
  ListedEntry,
  SearchHit,
  SearchOptions,
  StoredRecord,
  Vector,
} from '../core/backend.js'
import type { EngineChange, VectorEngine } from '../core/engine.js'
import { type FilterNode, isEmptyFilter } from '../core/filter.js'
import { bulkUpsert, mayCreateTempTables } from './bulk-load.js'
import {
  type AnyPgDatabase,
  type Connection,
  rowsOf,
  type SqlDatabase,
  useDatabase,
} from './connection.js'
import { wrapEngineError } from './engine-errors.js'
import { explainSearch, type SearchPlan } from './explain.js'
import { cleanPendingListQuery } from './schema-sql.js'
import type { HybridFusion } from '../core/hybrid.js'
import {
  explainHybridSearch,
  type HybridArguments,
  type HybridContext,
  type HybridPlan,
  runHybridSearch,
} from './hybrid-search.js'
import { type AppColumns, compileFilter } from './filter-sql.js'
import {
  type PgvectorSearchOptions,
  type ResolvedConfig,
  resolveSearchOptions,
} from './pgvector-backend-config.js'
import { onPglite } from './pglite-direct.js'
import { onPostgresJs } from './postgres-js.js'
import { checkAppColumnValues, payloadExpression } from './app-columns.js'
import { RecordStore } from './record-store.js'
import { sizesQuery } from './schema-sql.js'
import { ReadReplicas, type ReplicationStatus } from './replicas.js'
import { prepareTable, recordTuning, tableLabel, type TableState } from './schema-sync.js'
import { sampleVectors } from './sample-vectors.js'
import type { TuneSubject } from './tune.js'
import { type TunedSetting, tunedParameterOf, tunedSearchOptions } from './tuned-setting.js'
import { payloadOf, runSearch, type SearchContext, type SearchTuning } from './search-runner.js'
import {
  countQuery,
  deleteByIdQuery,
  deleteQuery,
  getByIdsQuery,
  listQuery,
  type QueryTarget,
  regclassText,
  tableName,
  upsertQuery,
} from './sql.js'
import { checkVectorRange } from './table-spec.js'
import { vectorLiteral } from './vector-text.js'
import { quantizedBitsOf } from './vector-table.js'

/** The pgvector engine: one table on one connection, prepared and verified. */
export class PgvectorEngine implements VectorEngine<PgvectorSearchOptions> {
  readonly #config: ResolvedConfig
  readonly #connection: Connection
  readonly #db: SqlDatabase
  readonly #state: TableState
  readonly #target: QueryTarget
  readonly #search: SearchContext
  // Large loads may go through COPY into a temporary table (driver and privilege allow it).
  readonly #copyLoads: boolean
  readonly #columns: AppColumns
  // Read replicas: reads go there, writes record what later reads must see.
  readonly #replicas: ReadReplicas | undefined
  readonly #records: RecordStore
  // The setting tune() recorded: shared with the engines bound to transactions, replaced by tune().
  readonly #tuned: { setting: TunedSetting | undefined }

  private constructor(
    config: ResolvedConfig,
    connection: Connection,
    state: TableState,
    db: SqlDatabase,
    copyLoads: boolean,
    records: RecordStore,
    {
      inTransaction = false,
      replicas,
      tuned = { setting: state.tuned },
    }: {
      inTransaction?: boolean
      replicas?: ReadReplicas
      tuned?: { setting: TunedSetting | undefined }
    } = {},
  ) {
    this.#config = config
    this.#tuned = tuned
    this.#replicas = replicas
    this.#records = records
    this.#connection = connection
    this.#state = state
    this.#db = db
    this.#copyLoads = copyLoads
    this.#columns = new Map(config.columns.map((column) => [column.key, column]))
    this.#target = {
      table: tableName(config.spec),
      schema: config.spec.schema,
      metric: state.metric,
      vectorType: state.vectorType,
      hasUpdatedAt: state.hasUpdatedAt,
      columns: config.columns,
      payload: payloadExpression(config.columns),
      ...(state.vectorIndex?.quantizedBits !== undefined && {
        quantizedBits: state.vectorIndex.quantizedBits,
      }),
    }
    this.#search = {
      db,
      target: this.#target,
      vectorIndex: state.vectorIndex,
      iterativeScans: state.iterativeScans,
      inTransaction,
    }
  }

  /**
   * Connects, then creates the extension, table and indexes if missing (not
   * with `manageSchema: false`) and verifies them.
   */
  static async open(config: ResolvedConfig): Promise<PgvectorEngine> {
    const connection = await config.connect()
    try {
      const state = await prepareTable(connection.db, config.spec, config)
      const { logger } = config
      const db =
        onPostgresJs(connection.db, logger) ?? onPglite(connection.db, logger) ?? connection.db
      const copyLoads = db !== connection.db && (await mayCreateTempTables(db))
      const replicas =
        config.replicas && (await ReadReplicas.open(config.replicas, db, config.logger))
      const records = new RecordStore(config.records, config.manageSchema)
      return new PgvectorEngine(config, connection, state, db, copyLoads, records, { replicas })
    } catch (error) {
      await connection.close().catch(() => {})
      throw wrapEngineError('initialize', error)
    }
  }

  /**
   * The same table on another database handle (the app's Drizzle transaction):
   * statements go through its `execute`, and closing leaves it open.
   */
  inTransaction(tx: AnyPgDatabase): PgvectorEngine {
    const connection = useDatabase(tx)
    return new PgvectorEngine(
      this.#config,
      connection,
      this.#state,
      connection.db,
      false,
      this.#records,
      { inTransaction: true, tuned: this.#tuned },
    )
  }

  get metric() {
    return this.#state.metric
  }

  get dim(): number | undefined {
    return this.#state.dimensions
  }

  get model(): string | undefined {
    return this.#state.model
  }

  get label(): string {
    return tableLabel(this.#config.spec)
  }

  checkVector(vector: Float32Array): void {
    checkVectorRange(this.#state.vectorType, vector)
  }

  /** One entry: a single statement. Many: one transaction, then `ANALYZE` after large loads. */
  async upsert(records: readonly StoredRecord[]): Promise<void> {
    const { columns } = this.#target
    if (columns.length > 0)
      for (const record of records) checkAppColumnValues(columns, record.payload)
    if (records.length === 1) {
      const [record] = records as [StoredRecord]
      const row = {
        id: record.id,
        vector: vectorLiteral(record.vector),
        payload: JSON.stringify(record.payload),
      }
      await this.#db.execute(upsertQuery(this.#target, [row]))
      return this.#wrote()
    }
    const config = this.#config
    const defer =
      config.manageSchema && config.deferIndexRows > 0 && records.length >= config.deferIndexRows
    const rebuilt = await bulkUpsert(
      {
        db: this.#db,
        target: this.#target,
        deferredIndex: defer ? this.#state.vectorIndex : undefined,
        maintenanceWorkMem: config.maintenanceWorkMem,
        maintenanceWorkers: config.maintenanceWorkers,
        tableText: regclassText(config.spec),
        copyLoads: this.#copyLoads,
      },
      records,
    )
    await this.#wrote()
    if (rebuilt || records.length >= config.analyzeAfterRows) await this.analyze()
  }

  search(
    query: Float32Array,
    topK: number,
    filter: FilterNode,
    options: SearchOptions & PgvectorSearchOptions = {},
  ): Promise<SearchHit[]> {
    const where = this.#where(filter, options.where)
    const tuning = { ...this.#tuning(filter, options), exact: options.exact === true }
    const literal = vectorLiteral(query)
    return this.#read((db) => runSearch({ ...this.#search, db }, literal, topK, where, tuning))
  }

  explain(
    query: Float32Array,
    topK: number,
    filter: FilterNode,
    options: PgvectorSearchOptions & { readonly analyze?: boolean },
  ): Promise<SearchPlan> {
    return explainSearch(
      this.#search,
      vectorLiteral(query),
      topK,
      this.#where(filter, options.where),
      {
        ...this.#tuning(filter, options),
        analyze: options.analyze === true,
      },
    )
  }

  /** Vector and full-text search fused, in one statement (see `hybridQuery`). */
  hybridSearch(
    query: { readonly vector: Float32Array; readonly text: string },
    topK: number,
    filter: FilterNode,
    fusion: HybridFusion,
    options: PgvectorSearchOptions = {},
  ): Promise<SearchHit[]> {
    const args = this.#hybridArguments(query, topK, filter, fusion, options)
    return this.#read((db) => runHybridSearch({ ...this.#hybrid(), db }, args))
  }

  /** The plan of the statement `hybridSearch` runs. */
  explainHybrid(
    query: { readonly vector: Float32Array; readonly text: string },
    topK: number,
    filter: FilterNode,
    fusion: HybridFusion,
    options: PgvectorSearchOptions & { readonly analyze?: boolean } = {},
  ): Promise<HybridPlan> {
    const args = this.#hybridArguments(query, topK, filter, fusion, options)
    return explainHybridSearch(this.#hybrid(), args, options.analyze === true)
  }

  #hybrid(): HybridContext {
    return {
      ...this.#search,
      fullText: this.#config.spec.fullText,
      hasFullText: this.#state.hasFullText,
      tableName: this.#config.spec.name,
    }
  }

  #hybridArguments(
    query: { readonly vector: Float32Array; readonly text: string },
    topK: number,
    filter: FilterNode,
    fusion: HybridFusion,
    options: PgvectorSearchOptions,
  ): HybridArguments {
    return {
      literal: vectorLiteral(query.vector),
      text: query.text,
      topK,
      where: this.#where(filter, options.where),
      fusion,
      tuning: this.#tuning(filter, options),
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.#db.execute(deleteByIdQuery(this.#target, id))
    await this.#wrote()
  }

  async deleteWhere(filter: FilterNode): Promise<void> {
    await this.#db.execute(deleteQuery(this.#target, this.#where(filter)))
    await this.#wrote()
  }

  /** A transactional `DELETE` of the entries and the records, which needs no more than DELETE privilege. */
  async clearAll(): Promise<void> {
    await this.#db.transaction(async (tx) => {
      await tx.execute(deleteQuery(this.#target, sql`TRUE`))
      await this.#records.clear(tx)
    })
    await this.#wrote()
  }

  /** Entries and records change in one transaction. */
  readonly atomicChanges = true

  /** Deletes and writes entries, then writes and deletes records, in one transaction. */
  async applyChange(change: EngineChange): Promise<void> {
    const { columns } = this.#target
    if (columns.length > 0)
      for (const record of change.upsert) checkAppColumnValues(columns, record.payload)
    await this.#records.apply(this.#db, this.#target, change, this.#copyLoads)
    await this.#wrote()
    if (change.upsert.length >= this.#config.analyzeAfterRows) await this.analyze()
  }

  // Records are read on the primary: the indexer decides what to write from them.
  getRecords(keys: readonly string[]): Promise<IndexRecord[]> {
    return this.#records.get(this.#db, keys)
  }

  listRecords(prefix: string, limit: number, after: string | undefined): Promise<IndexRecord[]> {
    return this.#records.list(this.#db, prefix, limit, after)
  }

  async list(filter: FilterNode, limit: number, after: string | undefined): Promise<ListedEntry[]> {
    const query = listQuery(this.#target, this.#where(filter), limit, after)
    const rows = rowsOf(await this.#read((db) => db.execute(query)))
    return rows.map((row) => ({ id: String(row['id']), payload: payloadOf(row['payload']) }))
  }

  async count(filter: FilterNode): Promise<number> {
    const query = countQuery(this.#target, this.#where(filter))
    const rows = rowsOf(await this.#read((db) => db.execute(query)))
    return Number(rows[0]?.['count'] ?? 0)
  }

  async getByIds(ids: readonly string[]): Promise<StoredRecord[]> {
    const query = getByIdsQuery(this.#target, ids)
    const rows = rowsOf(await this.#read((db) => db.execute(query)))
    const found = new Map(rows.map((row) => [String(row['id']), row]))
    return ids.flatMap((id) => {
      const row = found.get(id)
      if (row === undefined) return []
      const vector = Float32Array.from(JSON.parse(String(row['vector'])) as number[])
      return [{ id, vector, payload: payloadOf(row['payload']) }]
    })
  }

  /** The vector index with its operator class and parameters, and the table's sizes. */
  async describe(): Promise<IndexDescription> {
    const [sizes] = rowsOf(await this.#db.execute(sizesQuery(this.#config.spec)))
    const index = this.#state.vectorIndex
    return {
      kind: index?.method ?? 'none',
      ...(index && { name: index.name }),
      parameters: index === undefined ? [] : indexParameters(index.definition),
      sizes: [
        ['table (with TOAST)', Number(sizes?.['table'] ?? 0)],
        ['indexes', Number(sizes?.['indexes'] ?? 0)],
        ['total', Number(sizes?.['total'] ?? 0)],
      ],
    }
  }

  /** The setting `tune()` recorded, when it is for this table's kind of index. */
  get tuned(): TunedSetting | undefined {
    const method = this.#state.vectorIndex?.method
    const setting = this.#tuned.setting
    return method !== undefined && setting?.parameter === tunedParameterOf(method)
      ? setting
      : undefined
  }

  /** What `tune()` needs: the index, random stored vectors, searches, and the record. */
  tuneSubject(check: (vector: Vector) => Float32Array, search: TuneSubject['search']): TuneSubject {
    const index = this.#state.vectorIndex
    const lists = /\blists\s*=\s*'?(\d+)/.exec(index?.definition ?? '')?.[1]
    return {
      method: index?.method,
      lists: lists === undefined ? undefined : Number(lists),
      check,
      sample: (count) => this.#read((db) => sampleVectors(db, this.#config.spec, count)),
      search,
      record: (setting) => this.recordTuning(setting),
    }
  }

  /** Records a tuned setting with the table (undefined forgets it); later searches use it. */
  async recordTuning(setting: TunedSetting | undefined): Promise<void> {
    await recordTuning(this.#db, this.#config.spec, setting)
    this.#tuned.setting = setting
  }

  /** Refreshes the planner's statistics for the table. */
  async analyze(): Promise<void> {
    await this.#db.execute(sql`ANALYZE ${this.#target.table}`)
    if (this.#state.hasFullText) await this.#db.execute(cleanPendingListQuery(this.#config.spec))
  }

  /** The replicas' state and lag; undefined without replicas. */
  replication(): Promise<ReplicationStatus | undefined> {
    return this.#replicas?.status(this.#db) ?? Promise.resolve(undefined)
  }

  /** Later reads see what is committed on the primary now (writes the backend did not make). */
  markWritten(): Promise<void> {
    return this.#wrote()
  }

  /** Ends the pools or embedded database the backend opened (never an injected one). */
  async close(): Promise<void> {
    await Promise.all([this.#connection.close(), this.#replicas?.close()])
  }

  // A read: on a replica when there are some (see ReadReplicas), else on this engine's database.
  #read<T>(body: (db: SqlDatabase) => PromiseLike<T>): Promise<T> {
    const run = async (db: SqlDatabase) => body(db)
    return this.#replicas === undefined ? run(this.#db) : this.#replicas.read(this.#db, run)
  }

  // After a write committed: reads that follow must see it.
  async #wrote(): Promise<void> {
    await this.#replicas?.wrote(this.#db)
  }

  #tuning(filter: FilterNode, options: PgvectorSearchOptions): SearchTuning {
    return {
      // The recorded setting, unless the backend's config or the call sets its own.
      ...tunedSearchOptions(this.#tuned.setting, this.#state.vectorIndex?.method),
      ...this.#config.search,
      ...resolveSearchOptions(options),
      filtered: !isEmptyFilter(filter) || options.where !== undefined,
    }
  }

  // The filter (app-column keys compile to their columns), AND-ed with the caller's own SQL.
  #where(filter: FilterNode, extra?: SQL): SQL {
    const compiled = compileFilter(filter, this.#columns)
    return extra === undefined ? compiled : sql`(${compiled} AND (${extra}))`
  }
}

/** The operator class and `WITH (...)` parameters of an index definition (`pg_get_indexdef`). */
function indexParameters(definition: string): [string, string][] {
  const opclass = /(\w+_ops)\)/.exec(definition)?.[1]
  const bits = quantizedBitsOf(definition)
  const withClause = /\bWITH \(([^)]*)\)/.exec(definition)?.[1] ?? ''
  const parameters = withClause
    .split(',')
    .map((part) => part.split('=').map((s) => s.trim().replace(/^'|'$/g, '')))
    .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== '')
  const quantization: [string, string][] =
    bits === undefined ? [] : [['quantization', `binary (bit(${bits}), re-ranked)`]]
  return opclass === undefined
    ? [...quantization, ...parameters]
    : [['operator class', opclass], ...quantization, ...parameters]
}
