import { type SQL, sql } from 'drizzle-orm'
import { DISTANCE_METRICS, type DistanceMetric } from '../core/metric.js'
import { identifier, regclassText, tableName } from './sql.js'
import { FULL_TEXT_COLUMN, type TableSpec } from './table-spec.js'
import { parseTunedSetting, type TunedSetting } from './tuned-setting.js'
import {
  BINARY_OPCLASS,
  binaryQuantizeSql,
  fullTextExpression,
  fullTextIndexName,
  METRIC_SQL,
  payloadIndexName,
  vectorIndexName,
} from './vector-table.js'

/**
 * The DDL `initialize()` runs when something is missing: the same table and
 * indexes that drizzle-kit generates from {@link vectorTable} (names,
 * operator classes and index parameters included), with `IF NOT EXISTS`.
 * Identifiers are validated and quoted; index parameters are validated
 * integers (DDL takes no bound parameters).
 */
export function createSchemaStatements(
  spec: TableSpec,
  { withExtension, typeColumn }: { withExtension: boolean; typeColumn: boolean },
): SQL[] {
  const statements: SQL[] = [
    // Serializes vecstore's DDL across processes: concurrent CREATE ... IF NOT EXISTS can collide.
    sql`SELECT pg_advisory_xact_lock(hashtext('vecstore.ddl'))`,
    // Notices like "relation already exists, skipping" would reach the app's logs.
    sql`SET LOCAL client_min_messages = warning`,
  ]
  if (withExtension) statements.push(sql`CREATE EXTENSION IF NOT EXISTS vector`)
  if (spec.schema !== undefined && spec.schema !== 'public') {
    statements.push(sql`CREATE SCHEMA IF NOT EXISTS ${identifier(spec.schema)}`)
  }
  statements.push(createTableStatement(spec))
  if (typeColumn) statements.push(typeColumnStatement(spec))
  statements.push(...createIndexStatements(spec))
  if (spec.fullText) statements.push(...fullTextStatements(spec))
  return statements
}

// An untyped column takes the dimension its rows already have (Postgres checks every row).
function typeColumnStatement(spec: TableSpec): SQL {
  const type = sql.raw(`${spec.vectorType}(${(spec.dimensions as number).toFixed(0)})`)
  return sql`ALTER TABLE ${tableName(spec)} ALTER COLUMN "embedding" TYPE ${type} USING "embedding"::${type}`
}

/**
 * What vecstore records about a table, as the embedding column's comment
 * (`vecstore {"metric":"cosine","dimensions":384,"model":"..."}`): what the
 * vectors are, so a reopen with another metric or model is refused even
 * without a vector index, and `vecstore doctor` can compare it with the schema.
 */
export interface TableRecord {
  readonly metric?: DistanceMetric
  readonly dimensions?: number
  readonly model?: string
  /** The search setting `tune()` chose for the vector index. */
  readonly tuned?: TunedSetting
}

const RECORD_PREFIX = 'vecstore '

/** Records the metric, dimension and model with the table (the embedding column's comment). */
export function recordStatement(
  spec: Pick<TableSpec, 'name' | 'schema'>,
  record: TableRecord,
): SQL {
  return sql`COMMENT ON COLUMN ${tableName(spec)}."embedding" IS ${sql.raw(recordLiteral(record))}`
}

/** The record as a quoted SQL literal: COMMENT takes no bound parameters. */
export function recordLiteral(record: TableRecord): string {
  // A validated metric, a whole number and a model name checked for NUL: quotes are doubled.
  return `'${`${RECORD_PREFIX}${JSON.stringify(record)}`.replaceAll("'", "''")}'`
}

/** The record in a column comment, if the comment is one; unknown or malformed fields are dropped. */
export function parseRecord(comment: string | null | undefined): TableRecord | undefined {
  if (typeof comment !== 'string' || !comment.startsWith(RECORD_PREFIX)) return undefined
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(comment.slice(RECORD_PREFIX.length)) as Record<string, unknown>
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { metric, dimensions, model, tuned } = parsed
  const setting = parseTunedSetting(tuned)
  return {
    ...(setting !== undefined && { tuned: setting }),
    ...(DISTANCE_METRICS.includes(metric as DistanceMetric) && {
      metric: metric as DistanceMetric,
    }),
    ...(Number.isInteger(dimensions) &&
      (dimensions as number) > 0 && {
        dimensions: dimensions as number,
      }),
    ...(typeof model === 'string' && model !== '' && { model }),
  }
}

/** The distinct dimensions of the stored vectors (at most two: enough to tell one from several). */
export function storedDimensionsQuery(spec: TableSpec): SQL {
  return sql`SELECT DISTINCT vector_dims("embedding") AS "dims" FROM ${tableName(spec)} LIMIT 2`
}

function createTableStatement(spec: TableSpec): SQL {
  const type =
    spec.dimensions === undefined ? 'vector' : `${spec.vectorType}(${spec.dimensions.toFixed(0)})`
  const timestamps = spec.timestamps
    ? sql`, "created_at" timestamp with time zone DEFAULT now() NOT NULL, "updated_at" timestamp with time zone DEFAULT now() NOT NULL`
    : sql``
  return sql`CREATE TABLE IF NOT EXISTS ${tableName(spec)} ("id" text PRIMARY KEY NOT NULL, "embedding" ${sql.raw(type)} NOT NULL, "payload" jsonb DEFAULT '{}'::jsonb NOT NULL${timestamps})`
}

function createIndexStatements(spec: TableSpec): SQL[] {
  const vectorIndex = vectorIndexStatement(spec)
  return [
    ...(vectorIndex === undefined ? [] : [vectorIndex]),
    ...(spec.payloadIndex ? [payloadIndexStatement(spec)] : []),
  ]
}

/** The table's HNSW or IVFFlat index, as drizzle-kit generates it from {@link vectorTable}. */
export function vectorIndexStatement(spec: TableSpec): SQL | undefined {
  const table = tableName(spec)
  const name = identifier(vectorIndexName(spec.name))
  const opclass = sql.raw(METRIC_SQL[spec.metric].opclass[spec.vectorType])
  if (spec.quantization === 'binary') {
    const expression = sql.raw(binaryQuantizeSql(spec.dimensions as number))
    return sql`CREATE INDEX IF NOT EXISTS ${name} ON ${table} USING hnsw (${expression} ${sql.raw(BINARY_OPCLASS)}) WITH (m=${sql.raw(spec.m.toFixed(0))},ef_construction=${sql.raw(spec.efConstruction.toFixed(0))})`
  }
  if (spec.index === 'hnsw') {
    return sql`CREATE INDEX IF NOT EXISTS ${name} ON ${table} USING hnsw ("embedding" ${opclass}) WITH (m=${sql.raw(spec.m.toFixed(0))},ef_construction=${sql.raw(spec.efConstruction.toFixed(0))})`
  }
  if (spec.index === 'ivfflat') {
    return sql`CREATE INDEX IF NOT EXISTS ${name} ON ${table} USING ivfflat ("embedding" ${opclass}) WITH (lists=${sql.raw(spec.lists.toFixed(0))})`
  }
  return undefined
}

/** The generated `tsvector` column and its GIN index, as drizzle-kit generates them from {@link vectorTable}. */
export function fullTextStatements(spec: TableSpec): SQL[] {
  const fullText = spec.fullText
  if (fullText === undefined) return []
  const column = identifier(FULL_TEXT_COLUMN)
  return [
    sql`ALTER TABLE ${tableName(spec)} ADD COLUMN IF NOT EXISTS ${column} tsvector GENERATED ALWAYS AS (${sql.raw(fullTextExpression(fullText))}) STORED`,
    sql`CREATE INDEX IF NOT EXISTS ${identifier(fullTextIndexName(spec.name))} ON ${tableName(spec)} USING gin (${column})`,
  ]
}

/**
 * Moves the entries a load left in the full-text index's pending list (GIN's
 * `fastupdate`) into the index proper: until then every text search scans
 * that list (measured: hybrid p50 6.4 ms right after a 100k-row load, 2.8 ms
 * once cleaned). A no-op when the index is missing, not the user's, or the list is empty.
 */
export function cleanPendingListQuery(spec: TableSpec): SQL {
  const name = regclassText({ schema: spec.schema, name: fullTextIndexName(spec.name) })
  // Only its owner may clean it: others leave it to autovacuum rather than fail the write.
  return sql`SELECT gin_clean_pending_list(i) FROM to_regclass(${name}) AS i
    WHERE i IS NOT NULL AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = i), 'USAGE')`
}

/** The table's GIN index on the payload. */
export function payloadIndexStatement(spec: TableSpec): SQL {
  return sql`CREATE INDEX IF NOT EXISTS ${identifier(payloadIndexName(spec.name))} ON ${tableName(spec)} USING gin ("payload" jsonb_path_ops)`
}

/** The installed pgvector version, if any. */
export function extensionVersionQuery(): SQL {
  return sql`SELECT extversion AS "version" FROM pg_extension WHERE extname = 'vector'`
}

/** The table's columns with their types (no rows when the table does not exist). */
export function columnsQuery(spec: Pick<TableSpec, 'name' | 'schema'>): SQL {
  return sql`SELECT a.attname AS "name", t.typname AS "type", a.atttypmod AS "typmod",
      col_description(a.attrelid, a.attnum) AS "comment",
      pg_has_role((SELECT relowner FROM pg_class WHERE oid = a.attrelid), 'USAGE') AS "owned"
    FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
    WHERE a.attrelid = to_regclass(${regclassText(spec)}) AND a.attnum > 0 AND NOT a.attisdropped`
}

/**
 * Valid, non-partial single-column indexes of the table: method, operator
 * class, column (null for an expression, such as a binary-quantized index).
 */
export function indexesQuery(spec: TableSpec): SQL {
  return sql`SELECT i.relname AS "name", am.amname AS "method", opc.opcname AS "opclass",
      a.attname AS "column", pg_get_indexdef(i.oid) AS "definition"
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_am am ON am.oid = i.relam
    JOIN pg_opclass opc ON opc.oid = x.indclass[0]
    LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
    WHERE x.indrelid = to_regclass(${regclassText(spec)}) AND x.indnatts = 1
      AND x.indisvalid AND x.indpred IS NULL
    ORDER BY i.relname`
}

/** The table's size, its indexes' and both together, in bytes. */
export function sizesQuery(spec: TableSpec): SQL {
  const table = sql`to_regclass(${regclassText(spec)})`
  return sql`SELECT pg_table_size(${table}) AS "table", pg_indexes_size(${table}) AS "indexes",
    pg_total_relation_size(${table}) AS "total"`
}
