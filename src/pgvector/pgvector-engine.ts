import { sql } from 'drizzle-orm'
import type { IndexDescription, ListedEntry, SearchHit, StoredRecord } from '../core/backend.js'
import type { VectorEngine } from '../core/engine.js'
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
import { compileFilter } from './filter-sql.js'
import {
  type PgvectorSearchOptions,
  type ResolvedConfig,
  resolveSearchOptions,
} from './pgvector-backend-config.js'
import { onPglite } from './pglite-direct.js'
import { onPostgresJs } from './postgres-js.js'
import { sizesQuery } from './schema-sql.js'
import { prepareTable, tableLabel, type TableState } from './schema-sync.js'
import { payloadOf, runSearch, type SearchContext, type SearchTuning } from './search-runner.js'
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

  private constructor(
    config: ResolvedConfig,
    connection: Connection,
    state: TableState,
    db: SqlDatabase,
    copyLoads: boolean,
  ) {
    this.#config = config
    this.#connection = connection
    this.#state = state
    this.#db = db
    this.#copyLoads = copyLoads
    this.#target = {
      table: tableName(config.spec),
      schema: config.spec.schema,
      metric: state.metric,
      vectorType: state.vectorType,
      hasUpdatedAt: state.hasUpdatedAt,
    }
    this.#search = {
      db,
      target: this.#target,
      vectorIndex: state.vectorIndex,
      iterativeScans: state.iterativeScans,
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
      return new PgvectorEngine(config, connection, state, db, copyLoads)
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
    return new PgvectorEngine(this.#config, connection, this.#state, connection.db, false)
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
    if (records.length === 1) {
      const [record] = records as [StoredRecord]
      const row = {
        id: record.id,
        vector: vectorLiteral(record.vector),
        payload: JSON.stringify(record.payload),
      }
      await this.#db.execute(upsertQuery(this.#target, [row]))
      return
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
        copyLoads: this.#copyLoads,
      },
      records,
    )
    if (rebuilt || records.length >= config.analyzeAfterRows) await this.analyze()
  }

  search(
    query: Float32Array,
    topK: number,
    filter: FilterNode,
    options: PgvectorSearchOptions = {},
  ): Promise<SearchHit[]> {
    const where = compileFilter(filter)
    return runSearch(this.#search, vectorLiteral(query), topK, where, this.#tuning(filter, options))
  }

  explain(
    query: Float32Array,
    topK: number,
    filter: FilterNode,
    options: PgvectorSearchOptions & { readonly analyze?: boolean },
  ): Promise<SearchPlan> {
    return explainSearch(this.#search, vectorLiteral(query), topK, compileFilter(filter), {
      ...this.#tuning(filter, options),
      analyze: options.analyze === true,
    })
  }

  async delete(ids: readonly string[]): Promise<void> {
    for (const id of ids) await this.#db.execute(deleteByIdQuery(this.#target, id))
  }

  async deleteWhere(filter: FilterNode): Promise<void> {
    await this.#db.execute(deleteQuery(this.#target, compileFilter(filter)))
  }

  /** A transactional `DELETE`, which needs no more than DELETE privilege. */
  async clearAll(): Promise<void> {
    await this.#db.execute(deleteQuery(this.#target, sql`TRUE`))
  }

  async list(filter: FilterNode, limit: number, after: string | undefined): Promise<ListedEntry[]> {
    const query = listQuery(this.#target, compileFilter(filter), limit, after)
    const rows = rowsOf(await this.#db.execute(query))
    return rows.map((row) => ({ id: String(row['id']), payload: payloadOf(row['payload']) }))
  }

  async count(filter: FilterNode): Promise<number> {
    const rows = rowsOf(await this.#db.execute(countQuery(this.#target, compileFilter(filter))))
    return Number(rows[0]?.['count'] ?? 0)
  }

  async getByIds(ids: readonly string[]): Promise<StoredRecord[]> {
    const rows = rowsOf(await this.#db.execute(getByIdsQuery(this.#target, ids)))
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

  /** Refreshes the planner's statistics for the table. */
  async analyze(): Promise<void> {
    await this.#db.execute(sql`ANALYZE ${this.#target.table}`)
  }

  /** Ends the pool or embedded database the backend opened (never an injected one). */
  close(): Promise<void> {
    return this.#connection.close()
  }

  #tuning(filter: FilterNode, options: PgvectorSearchOptions): SearchTuning {
    return {
      ...this.#config.search,
      ...resolveSearchOptions(options),
      filtered: !isEmptyFilter(filter),
    }
  }
}

/** The operator class and `WITH (...)` parameters of an index definition (`pg_get_indexdef`). */
function indexParameters(definition: string): [string, string][] {
  const opclass = /\((?:"?embedding"?)\s+(\w+)\)/.exec(definition)?.[1]
  const withClause = /\bWITH \(([^)]*)\)/.exec(definition)?.[1] ?? ''
  const parameters = withClause
    .split(',')
    .map((part) => part.split('=').map((s) => s.trim().replace(/^'|'$/g, '')))
    .filter((pair): pair is [string, string] => pair.length === 2 && pair[0] !== '')
  return opclass === undefined ? parameters : [['operator class', opclass], ...parameters]
}
