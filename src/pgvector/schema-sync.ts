import { sql } from 'drizzle-orm'
import {
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  MetricMismatchError,
  SchemaMismatchError,
} from '../core/errors.js'
import type { DistanceMetric } from '../core/metric.js'
import { rowsOf, type SqlDatabase } from './connection.js'
import {
  columnsQuery,
  createSchemaStatements,
  extensionVersionQuery,
  indexesQuery,
  parseRecord,
  recordStatement,
  storedDimensionsQuery,
  type TableRecord,
} from './schema-sql.js'
import { regclassText } from './sql.js'
import { FULL_TEXT_COLUMN, type TableSpec, type VectorType } from './table-spec.js'
import type { AppColumn } from './app-columns.js'
import type { TunedSetting } from './tuned-setting.js'
import { BINARY_OPCLASS, metricOfOpclass, quantizedBitsOf } from './vector-table.js'

/** A vector index found on the embedding column. */
export interface VectorIndexInfo {
  readonly name: string
  readonly method: 'hnsw' | 'ivfflat'
  readonly metric: DistanceMetric
  /** `pg_get_indexdef()`: recreates the index exactly. */
  readonly definition: string
  /** A binary-quantized index: the bit count (searches re-rank its candidates by the full vectors). */
  readonly quantizedBits?: number
}

/** What the database actually has, after verification. */
export interface TableState {
  readonly extensionVersion: string
  readonly dimensions: number | undefined
  readonly vectorType: VectorType
  readonly metric: DistanceMetric
  /** The embedding model: the one asked for, else the one recorded with the table. */
  readonly model: string | undefined
  /** The index serving this metric, if any. */
  readonly vectorIndex: VectorIndexInfo | undefined
  readonly hasUpdatedAt: boolean
  /** The generated `tsvector` column `fulltext` exists (hybrid search can run). */
  readonly hasFullText: boolean
  /** pgvector >= 0.8: iterative index scans (`hnsw.iterative_scan`) exist. */
  readonly iterativeScans: boolean
  /** The search setting `tune()` recorded with the table, if any. */
  readonly tuned?: TunedSetting
}

interface Catalog {
  readonly extensionVersion: string | undefined
  readonly columns: ReadonlyMap<string, { type: string; typmod: number }>
  /** What vecstore recorded with the table (the embedding column's comment). */
  readonly record: TableRecord | undefined
  /** The current role owns the table (may record and alter it). */
  readonly owned: boolean
  readonly indexes: readonly {
    name: string
    method: string
    opclass: string
    column: string
    definition: string
  }[]
}

/** How {@link prepareTable} treats the schema. */
export interface PrepareOptions {
  /** Create what is missing (true) or only verify (false). */
  readonly manageSchema: boolean
  /** The metric was asked for explicitly: an index for another metric is an error, not adopted. */
  readonly metricRequested: boolean
  /** The app's own columns the table declares: they come from the app's migrations. */
  readonly columns: readonly AppColumn[]
}

/**
 * The spec's startup path: creates the extension, table and indexes when
 * missing (only when `manageSchema`), then verifies what exists: extension,
 * table, column types, dimension and the vector index's operator class.
 * Safe on every start: when everything exists it runs no DDL at all.
 */
export async function prepareTable(
  db: SqlDatabase,
  spec: TableSpec,
  options: PrepareOptions,
): Promise<TableState> {
  let catalog = await readCatalog(db, spec)
  // An existing table of the wrong shape is reported as such, before any DDL could fail on it.
  if (catalog.columns.size > 0) checkColumns(catalog, spec)
  if (catalog.columns.size === 0 && options.columns.length > 0) {
    throw new SchemaMismatchError(
      `table ${regclassText(spec)} does not exist; it declares columns of your own, so it comes from your Drizzle schema: apply your drizzle-kit migrations (or drizzle-kit push)`,
    )
  }
  const stored = await storedDimension(db, catalog, spec)
  const typeColumn = untyped(catalog) && spec.dimensions !== undefined
  if (options.manageSchema && (needsDdl(catalog, spec) || typeColumn)) {
    const statements = createSchemaStatements(spec, {
      withExtension: catalog.extensionVersion === undefined,
      typeColumn,
    })
    await db.transaction(async (tx) => {
      for (const statement of statements) await tx.execute(statement)
    })
    catalog = await readCatalog(db, spec)
  } else if (typeColumn && spec.index !== 'none') {
    throw new SchemaMismatchError(
      `table ${regclassText(spec)} has an embedding column without a dimension, which a vector index needs (manageSchema is false): ALTER TABLE ${regclassText(spec)} ALTER COLUMN "embedding" TYPE ${spec.vectorType}(${spec.dimensions}), then create the index`,
    )
  }
  const state = verify(catalog, spec, options)
  const dimensions = state.dimensions ?? stored
  const tuned = catalog.record?.tuned
  const record = { metric: state.metric, dimensions, model: state.model, tuned }
  if (options.manageSchema && catalog.owned && recordIsBehind(catalog.record, record)) {
    await db.execute(recordStatement(spec, withoutUndefined(record)))
  }
  return { ...state, dimensions, ...(tuned !== undefined && { tuned }) }
}

/**
 * Records the search setting `tune()` chose (undefined forgets it), keeping
 * the rest of the record. `COMMENT` takes a lock that writers do not wait for.
 */
export async function recordTuning(
  db: SqlDatabase,
  spec: TableSpec,
  tuned: TunedSetting | undefined,
): Promise<void> {
  const rows = rowsOf(await db.execute(columnsQuery(spec)))
  const embedding = rows.find((row) => row['name'] === 'embedding')
  const { tuned: _previous, ...rest } = parseRecord(embedding?.['comment'] as string | null) ?? {}
  await db.transaction(async (tx) => {
    // Behind DDL holding the table, fail rather than queue the searches that follow.
    await tx.execute(sql`SET LOCAL lock_timeout = '10s'`)
    await tx.execute(recordStatement(spec, tuned === undefined ? rest : { ...rest, tuned }))
  })
}

/** How messages name the table. */
export function tableLabel(spec: Pick<TableSpec, 'name' | 'schema'>): string {
  return `table ${regclassText(spec)}`
}

/** What to do when a table holds vectors of another dimension or model than asked for. */
export const REEMBED_FIX =
  'another dimension or model needs a new table, re-embedded (vecstore reembed; see "Changing the model or dimension" in docs/pgvector.md)'

// The record is written once, and again only when it lacks something now known (or the column changed).
function recordIsBehind(recorded: TableRecord | undefined, now: TableRecord): boolean {
  return (
    recorded?.metric === undefined ||
    (now.model !== undefined && recorded.model === undefined) ||
    (now.dimensions !== undefined && recorded.dimensions !== now.dimensions)
  )
}

function withoutUndefined(record: TableRecord): TableRecord {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined))
}

function untyped(catalog: Catalog): boolean {
  return catalog.columns.get('embedding')?.typmod === -1
}

/**
 * The dimension the stored vectors of an untyped column have (the first write fixed it).
 * A dimension asked for must match it: a column is typed only with the rows' own dimension.
 */
async function storedDimension(
  db: SqlDatabase,
  catalog: Catalog,
  spec: TableSpec,
): Promise<number | undefined> {
  if (!untyped(catalog)) return undefined
  const found = rowsOf(await db.execute(storedDimensionsQuery(spec))).map((row) =>
    Number(row['dims']),
  )
  if (found.length > 1) {
    throw new SchemaMismatchError(
      `table ${regclassText(spec)} holds vectors of several dimensions; copy them into a table with one dimension`,
    )
  }
  const [dimensions] = found
  if (dimensions !== undefined && spec.dimensions !== undefined && dimensions !== spec.dimensions) {
    throw new DimensionMismatchError(dimensions, spec.dimensions, tableLabel(spec), REEMBED_FIX)
  }
  return dimensions
}

async function readCatalog(db: SqlDatabase, spec: TableSpec): Promise<Catalog> {
  const [extension] = rowsOf(await db.execute(extensionVersionQuery()))
  const columns = new Map<string, { type: string; typmod: number }>()
  const rows = rowsOf(await db.execute(columnsQuery(spec)))
  for (const row of rows) {
    columns.set(String(row['name']), { type: String(row['type']), typmod: Number(row['typmod']) })
  }
  const embedding = rows.find((row) => row['name'] === 'embedding')
  const indexes = rowsOf(await db.execute(indexesQuery(spec))).map((row) => ({
    name: String(row['name']),
    method: String(row['method']),
    opclass: String(row['opclass']),
    // An expression index on binary_quantize(embedding) serves the embedding too.
    column:
      row['column'] === null
        ? quantizedBitsOf(String(row['definition'])) === undefined
          ? ''
          : 'embedding'
        : String(row['column']),
    definition: String(row['definition']),
  }))
  return {
    extensionVersion: extension ? String(extension['version']) : undefined,
    columns,
    record: parseRecord(embedding?.['comment'] as string | null | undefined),
    owned: embedding?.['owned'] === true,
    indexes,
  }
}

function needsDdl(catalog: Catalog, spec: TableSpec): boolean {
  if (catalog.extensionVersion === undefined || catalog.columns.size === 0) return true
  const has = (column: string, methods: string[]) =>
    catalog.indexes.some((index) => index.column === column && methods.includes(index.method))
  if (spec.index !== 'none' && !has('embedding', ['hnsw', 'ivfflat'])) return true
  if (spec.fullText && !has(FULL_TEXT_COLUMN, ['gin'])) return true
  return spec.payloadIndex && !has('payload', ['gin'])
}

function verify(catalog: Catalog, spec: TableSpec, options: PrepareOptions): TableState {
  const table = regclassText(spec)
  const hint = options.manageSchema ? '' : ' (manageSchema is false: apply your migrations)'
  if (catalog.extensionVersion === undefined) {
    throw new SchemaMismatchError(
      `the pgvector extension is not installed in this database${hint}: CREATE EXTENSION vector`,
    )
  }
  if (catalog.columns.size === 0)
    throw new SchemaMismatchError(`table ${table} does not exist${hint}`)
  const { columns } = catalog
  const embedding = checkColumns(catalog, spec)
  checkAppColumns(catalog, spec, options.columns)
  const dimensions = embedding.typmod > 0 ? embedding.typmod : undefined
  if (spec.dimensions !== undefined && dimensions !== undefined && dimensions !== spec.dimensions) {
    throw new DimensionMismatchError(dimensions, spec.dimensions, tableLabel(spec), REEMBED_FIX)
  }
  const recordedModel = catalog.record?.model
  if (spec.model !== undefined && recordedModel !== undefined && recordedModel !== spec.model) {
    throw new EmbeddingModelMismatchError(tableLabel(spec), recordedModel, spec.model)
  }
  const { metric, vectorIndex } = pickMetric(catalog, spec, options.metricRequested)
  if (spec.index !== 'none' && vectorIndex === undefined) {
    throw new SchemaMismatchError(
      `table ${table} has no ${spec.index} index on embedding${hint}; or pass index: 'none' to search without one`,
    )
  }
  return {
    extensionVersion: catalog.extensionVersion,
    dimensions: dimensions ?? spec.dimensions,
    vectorType: embedding.type,
    metric,
    model: spec.model ?? recordedModel,
    vectorIndex,
    hasUpdatedAt: columns.get('updated_at')?.type === 'timestamptz',
    hasFullText: columns.get(FULL_TEXT_COLUMN)?.type === 'tsvector',
    iterativeScans: compareVersions(catalog.extensionVersion, '0.8.0') >= 0,
  }
}

function checkColumns(catalog: Catalog, spec: TableSpec): { type: VectorType; typmod: number } {
  const { columns } = catalog
  const embedding = columns.get('embedding')
  if (
    columns.get('id')?.type !== 'text' ||
    columns.get('payload')?.type !== 'jsonb' ||
    (embedding?.type !== 'vector' && embedding?.type !== 'halfvec')
  ) {
    throw new SchemaMismatchError(
      `table ${regclassText(spec)} is not a vector table: expected columns id text, embedding vector or halfvec, payload jsonb`,
    )
  }
  return { type: embedding.type, typmod: embedding.typmod }
}

// The metric: the vector index's operator class, else the one recorded with the table, else the spec's.
function pickMetric(
  catalog: Catalog,
  spec: TableSpec,
  metricRequested: boolean,
): { metric: DistanceMetric; vectorIndex: VectorIndexInfo | undefined } {
  const picked = pickVectorIndex(catalog, spec, metricRequested)
  const recorded = catalog.record?.metric
  if (picked.vectorIndex !== undefined || recorded === undefined) return picked
  if (metricRequested && recorded !== spec.metric)
    throw new MetricMismatchError(spec.metric, recorded)
  return { metric: recorded, vectorIndex: undefined }
}

// Postgres's own names for the column types app columns may have.
const TYPE_NAMES: Readonly<Record<string, string>> = {
  uuid: 'uuid',
  smallint: 'int2',
  integer: 'int4',
  bigint: 'int8',
  real: 'float4',
  'double precision': 'float8',
  boolean: 'bool',
}

function checkAppColumns(catalog: Catalog, spec: TableSpec, columns: readonly AppColumn[]): void {
  for (const column of columns) {
    const found = catalog.columns.get(column.name)
    const type =
      TYPE_NAMES[column.sqlType] ?? (column.kind === 'string' ? undefined : column.sqlType)
    const textual = ['text', 'varchar', 'bpchar'].includes(found?.type ?? '')
    if (found === undefined || (type === undefined ? !textual : found.type !== type)) {
      throw new SchemaMismatchError(
        `table ${regclassText(spec)} has no column "${column.name}" of type ${column.sqlType}, which your Drizzle table declares: apply your migrations`,
      )
    }
  }
}

function pickVectorIndex(
  catalog: Catalog,
  spec: TableSpec,
  metricRequested: boolean,
): { metric: DistanceMetric; vectorIndex: VectorIndexInfo | undefined } {
  const found: VectorIndexInfo[] = []
  for (const index of catalog.indexes) {
    const bits = index.opclass === BINARY_OPCLASS ? quantizedBitsOf(index.definition) : undefined
    // A bit index knows no metric: the one recorded with the table, else the one asked for.
    const metric =
      bits === undefined ? metricOfOpclass(index.opclass) : (catalog.record?.metric ?? spec.metric)
    if (index.column !== 'embedding' || metric === undefined) continue
    if (index.method !== 'hnsw' && index.method !== 'ivfflat') continue
    found.push({
      name: index.name,
      method: index.method,
      metric,
      definition: index.definition,
      ...(bits !== undefined && { quantizedBits: bits }),
    })
  }
  const matching = found.find((index) => index.metric === spec.metric)
  if (matching) return { metric: spec.metric, vectorIndex: matching }
  const other = found[0]
  if (other === undefined) return { metric: spec.metric, vectorIndex: undefined }
  if (metricRequested) throw new MetricMismatchError(spec.metric, other.metric)
  return { metric: other.metric, vectorIndex: other }
}

/** Compares dotted version numbers (`0.7.4` < `0.8.0`). */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string) =>
    version.split('.').map((part) => Number.parseInt(part, 10) || 0)
  const [x, y] = [parse(a), parse(b)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
