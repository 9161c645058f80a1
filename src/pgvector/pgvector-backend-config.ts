import { wholeNumber } from '../internal/options.js'
import { is, type Logger, SQL } from 'drizzle-orm'
import { type AppColumn, appColumnsOf } from './app-columns.js'
import { PgTable } from 'drizzle-orm/pg-core'
import { InvalidArgumentError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { type DistanceMetric, parseMetric } from '../core/metric.js'
import { validateModel } from '../core/validate.js'
import {
  type AnyPgDatabase,
  type Connection,
  openDsn,
  openPglite,
  type PGliteInstance,
  useDatabase,
} from './connection.js'
import {
  DEFAULT_TABLE_NAME,
  resolveTableSpec,
  type TableLayoutOptions,
  type TableSpec,
} from './table-spec.js'
import { type PayloadTable, specOfTable } from './vector-table.js'
import { type ReplicaOptions, type ResolvedReplicas, resolveReplicas } from './replica-config.js'
import { type RecordTable, recordTableSpec, type RecordTableSpec } from './record-table.js'

/** How pgvector's iterative index scans run (pgvector >= 0.8). */
export const ITERATIVE_SCAN_MODES = ['strict_order', 'relaxed_order', 'off'] as const
/**
 * `'strict_order'`: keep scanning the index until enough rows pass the filter,
 * in exact distance order. `'relaxed_order'`: the same, slightly out of order
 * (re-sorted before returning). `'off'`: one pass of `ef_search` candidates
 * (a selective filter may then return fewer rows than asked for).
 */
export type IterativeScanMode = (typeof ITERATIVE_SCAN_MODES)[number]

/** Per-query index tuning, applied with `SET LOCAL` inside the query's transaction. */
export interface PgvectorSearchOptions {
  /** HNSW candidate list size (`hnsw.ef_search`, 1-1000): higher is slower and more accurate. Default: the server's (40). */
  readonly efSearch?: number
  /** IVFFlat lists to probe (`ivfflat.probes`). Default: the server's (1). */
  readonly probes?: number
  /** Iterative index scans, so filtered queries still return topK rows. Default: `'strict_order'`. */
  readonly iterativeScan?: IterativeScanMode
  /** HNSW iterative scans stop after this many tuples (`hnsw.max_scan_tuples`). Default: the server's (20 000). */
  readonly maxScanTuples?: number
  /**
   * A filter the planner expects to match at most this many rows through an
   * index (an app column's btree, the payload's GIN) is answered exactly (that
   * index, then a sort by distance) instead of by an iterative vector-index
   * scan, which is much slower for selective filters and which the planner
   * cannot cost. 0 disables. Default: grows with the table,
   * `max(5000, 5·√(topK·rows))` (for top 10: 5,000 up to 100k rows, about 15,800 at 1M).
   */
  readonly exactFilterRows?: number
  /**
   * A condition of your own in Drizzle SQL, AND-ed with the filters: on the
   * table's columns (`eq(docs.userId, id)`) or a subquery over a join
   * (`inArray(docs.userId, db.select({ id: users.id }).from(users).where(...))`).
   * Per search only.
   */
  readonly where?: SQL
}

/**
 * Options of `PgvectorBackend`. Give at most one of `dsn`, `db` and `pglite`.
 * `P` is the payload type, inferred from `table` when it is a `vectorTable<P>()`.
 */
export interface PgvectorBackendConfig<P extends object = Payload>
  extends
    Omit<PgvectorSearchOptions, 'where'>,
    Omit<TableLayoutOptions, 'dimensions' | 'metric'>,
    ReplicaOptions {
  /** A Postgres URL: the backend opens (and `close()` ends) its own postgres.js pool. */
  readonly dsn?: string
  /** Pool size for `dsn` (and for each replica URL). Default: 10. */
  readonly maxConnections?: number
  /**
   * Named prepared statements on the pools opened for `dsn` and replica URLs.
   * `false` for a transaction pooler that cannot carry them (PgBouncer before
   * 1.21 with `pool_mode = transaction`): statements then go unnamed, parsed
   * on every call. For your own postgres.js client, create it with
   * `prepare: false`. Default: true.
   */
  readonly prepare?: boolean
  /** The app's Drizzle database (postgres-js, node-postgres, PGlite, ...). Never closed by the backend. */
  readonly db?: AnyPgDatabase
  /**
   * Embedded Postgres with pgvector: `true` (in memory), a data directory, or
   * an existing PGlite instance created with the vector extension (not closed
   * by the backend). Default when neither `dsn` nor `db` is given: in memory.
   */
  readonly pglite?: true | string | PGliteInstance
  /** Table name, or a Drizzle table from `vectorTable()`. Default: `'vecstore_vectors'`. */
  readonly table?: string | PayloadTable<P>
  /**
   * Where the index keeps its records (what the retrieval runtime knows about
   * each source document): a table name in the vector table's schema, or a
   * Drizzle table from `recordTable()`. Created on first use (verified only,
   * with `manageSchema: false`). Default: `'<table>_records'`.
   */
  readonly records?: string | RecordTable
  /** Postgres schema of a table given by name. Default: the connection's search_path (`public`). */
  readonly schema?: string
  /** Embedding dimension: enables `vector(N)` and the vector index. Default: the table's, else fixed by the first write. */
  readonly dim?: number
  /** Distance metric. Default: the existing index's, else `'cosine'`. */
  readonly metric?: DistanceMetric
  /**
   * Create the extension, table and indexes when missing (true), or only
   * verify them and run no DDL at all (false: for roles whose schema comes
   * from migrations). Default: true.
   */
  readonly manageSchema?: boolean
  /** `upsertMany` runs `ANALYZE` after writing at least this many rows. Default: 10 000. */
  readonly analyzeAfterRows?: number
  /**
   * `upsertMany` of at least this many rows into an EMPTY table drops the
   * vector index, loads, and rebuilds it in the same transaction (much faster
   * than inserting into the graph, from about a thousand rows on). Needs
   * `manageSchema`. Default: 1000; 0 disables.
   */
  readonly deferIndexRows?: number
  /**
   * Receives the statements the backend runs on the driver directly
   * (postgres.js and PGlite, prepared once per connection) — Drizzle's
   * `Logger`, e.g. the one your `drizzle({ logger })` has. Statements sent
   * through Drizzle's `execute` (other drivers, transactions) reach Drizzle's
   * own logger. Default: none.
   */
  readonly logger?: Logger
  /** `maintenance_work_mem` for that rebuild (e.g. `'1GB'`). Default: the server's. */
  readonly maintenanceWorkMem?: string
  /**
   * Parallel workers for that rebuild (`max_parallel_maintenance_workers`,
   * 0-64; the server also caps them by `max_parallel_workers`). 0 builds in
   * one process. Default: the server's (2).
   */
  readonly maintenanceWorkers?: number
}

/** A config checked and completed by {@link resolveConfig}. */
export interface ResolvedConfig {
  readonly connect: () => Promise<Connection>
  readonly spec: TableSpec
  /** The metric was given (or fixed by the table's index): an index for another metric is an error. */
  readonly metricRequested: boolean
  readonly manageSchema: boolean
  readonly search: PgvectorSearchOptions
  readonly analyzeAfterRows: number
  readonly deferIndexRows: number
  readonly maintenanceWorkMem: string | undefined
  readonly maintenanceWorkers: number | undefined
  readonly logger: Logger | undefined
  /** The app's own columns of a Drizzle table that hold payload keys. */
  readonly columns: readonly AppColumn[]
  /** Read replicas, when configured. */
  readonly replicas: ResolvedReplicas | undefined
  /** The table the index keeps its records in. */
  readonly records: RecordTableSpec
}

/**
 * Validates a config (synchronously: bad options fail in the constructor) and fills in defaults.
 */
export function resolveConfig<P extends object>(config: PgvectorBackendConfig<P>): ResolvedConfig {
  if (typeof config !== 'object' || config === null) {
    throw new InvalidArgumentError('expected a PgvectorBackend config object')
  }
  const metric = config.metric === undefined ? undefined : parseMetric(config.metric)
  const { spec, metricRequested } = tableSpecOf(config, metric)
  return Object.freeze({
    connect: connector(config),
    spec,
    metricRequested,
    manageSchema: config.manageSchema ?? true,
    search: Object.freeze(resolveSearchOptions(config)),
    analyzeAfterRows: count('analyzeAfterRows', config.analyzeAfterRows, 10_000),
    deferIndexRows: count('deferIndexRows', config.deferIndexRows, 1000),
    maintenanceWorkMem: memorySize(config.maintenanceWorkMem),
    maintenanceWorkers:
      config.maintenanceWorkers === undefined
        ? undefined
        : count('maintenanceWorkers', config.maintenanceWorkers, 0, 0, 64),
    logger: checkLogger(config.logger),
    columns: typeof config.table === 'object' ? appColumnsOf(config.table) : [],
    replicas: resolveReplicas(config, {
      embedded: config.dsn === undefined && config.db === undefined,
      maxConnections: count('maxConnections', config.maxConnections, 10, 1),
      prepare: prepareOption(config.prepare),
    }),
    records: recordTableSpec(config.records, spec),
  })
}

function tableSpecOf<P extends object>(
  config: PgvectorBackendConfig<P>,
  metric: DistanceMetric | undefined,
) {
  if (config.table !== undefined && typeof config.table !== 'string') {
    if (!is(config.table, PgTable)) {
      throw new InvalidArgumentError(
        'expected table to be a name or a Drizzle table from vectorTable()',
      )
    }
    const spec = specOfTable(config.table, metric)
    const indexed = spec.index !== 'none'
    if (metric !== undefined && indexed && spec.metric !== metric) {
      throw new InvalidArgumentError(
        `metric '${metric}' was requested but the table's vector index is built for '${spec.metric}'`,
      )
    }
    if (
      config.dim !== undefined &&
      spec.dimensions !== undefined &&
      config.dim !== spec.dimensions
    ) {
      throw new InvalidArgumentError(
        `dim ${config.dim} differs from the table's ${spec.dimensions}`,
      )
    }
    const model = validateModel(config.model)
    if (model !== undefined && spec.model !== undefined && model !== spec.model) {
      throw new InvalidArgumentError(`model '${model}' differs from the table's '${spec.model}'`)
    }
    return {
      spec: model === undefined ? spec : { ...spec, model },
      metricRequested: metric !== undefined || indexed,
    }
  }
  const spec = resolveTableSpec(config.table ?? DEFAULT_TABLE_NAME, config.schema, {
    ...config,
    dimensions: config.dim,
  })
  return { spec, metricRequested: metric !== undefined }
}

function connector<P extends object>(config: PgvectorBackendConfig<P>): () => Promise<Connection> {
  const given = [config.dsn, config.db, config.pglite].filter((option) => option !== undefined)
  if (given.length > 1) {
    throw new InvalidArgumentError('expected at most one of dsn, db and pglite')
  }
  const maxConnections = count('maxConnections', config.maxConnections, 10, 1)
  const dsn = config.dsn
  if (dsn !== undefined) {
    if (typeof dsn !== 'string' || !/^postgres(ql)?:\/\//.test(dsn)) {
      throw new InvalidArgumentError('expected dsn to be a postgres:// or postgresql:// URL')
    }
    const prepare = prepareOption(config.prepare)
    return () => openDsn(dsn, maxConnections, { prepare })
  }
  if (config.db !== undefined) {
    const connection = useDatabase(config.db)
    return async () => connection
  }
  const pglite = config.pglite ?? true
  const isInstance =
    typeof pglite === 'object' && typeof (pglite as { query?: unknown }).query === 'function'
  if (pglite !== true && !isInstance && (typeof pglite !== 'string' || pglite === '')) {
    throw new InvalidArgumentError('expected pglite to be true, a directory or a PGlite instance')
  }
  return () => openPglite(pglite)
}

/** Checks per-query search options. */
export function resolveSearchOptions(options: PgvectorSearchOptions): PgvectorSearchOptions {
  const mode = options.iterativeScan
  if (options.where !== undefined && !is(options.where, SQL)) {
    throw new InvalidArgumentError('expected where to be Drizzle SQL (sql`...`, eq(...), and(...))')
  }
  if (mode !== undefined && !ITERATIVE_SCAN_MODES.includes(mode)) {
    throw new InvalidArgumentError(
      `expected iterativeScan to be one of ${ITERATIVE_SCAN_MODES.join(', ')}`,
    )
  }
  return {
    ...(options.efSearch === undefined
      ? {}
      : { efSearch: count('efSearch', options.efSearch, 40, 1, 1000) }),
    ...(options.probes === undefined
      ? {}
      : { probes: count('probes', options.probes, 1, 1, 32768) }),
    ...(mode === undefined ? {} : { iterativeScan: mode }),
    ...(options.exactFilterRows === undefined
      ? {}
      : { exactFilterRows: count('exactFilterRows', options.exactFilterRows, 5000) }),
    ...(options.maxScanTuples === undefined
      ? {}
      : { maxScanTuples: count('maxScanTuples', options.maxScanTuples, 20_000, 1, 2 ** 31 - 1) }),
  }
}

function count(name: string, value: unknown, fallback: number, min = 0, max = 2 ** 31 - 1): number {
  return value === undefined ? fallback : wholeNumber(name, value, [min, max])
}

function prepareOption(prepare: unknown): boolean {
  if (prepare !== undefined && typeof prepare !== 'boolean') {
    throw new InvalidArgumentError('expected prepare to be a boolean')
  }
  return prepare ?? true
}

function checkLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined
  if (typeof (logger as Partial<Logger> | null)?.logQuery !== 'function') {
    throw new InvalidArgumentError('expected logger to have a logQuery(query, params) method')
  }
  return logger as Logger
}

function memorySize(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || !/^[1-9][0-9]{0,9}(kB|MB|GB|TB)$/.test(value)) {
    throw new InvalidArgumentError("expected maintenanceWorkMem like '512MB' or '2GB'")
  }
  return value
}
