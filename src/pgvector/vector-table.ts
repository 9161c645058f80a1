import {
  type BuildColumns,
  type BuildExtraConfigColumns,
  is,
  type NotNull,
  SQL,
  sql,
  StringChunk,
} from 'drizzle-orm'
import {
  customType,
  getTableConfig,
  halfvec,
  index,
  jsonb,
  type PgColumnBuilderBase,
  PgSchema,
  pgSchema,
  type PgTable,
  type PgTableExtraConfigValue,
  type PgVectorBuilderInitial,
  type PgTableWithColumns,
  pgTable,
  text,
  timestamp,
  vector,
} from 'drizzle-orm/pg-core'
import { InvalidArgumentError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import type { DistanceMetric } from '../core/metric.js'
import {
  FULL_TEXT_COLUMN,
  type FullTextSpec,
  resolveTableSpec,
  type TableLayoutOptions,
  type TableSpec,
  VECTOR_TYPES,
  type VectorIndexKind,
  type VectorType,
} from './table-spec.js'

/**
 * pgvector's operator and operator classes per metric, and how a distance
 * becomes a "higher is better" score (see `DistanceMetric` in the core).
 *
 * | metric | operator | distance                 | score            |
 * | ------ | -------- | ------------------------ | ---------------- |
 * | cosine | `<=>`    | 1 - cosine similarity    | `1 - distance`   |
 * | l2     | `<->`    | euclidean distance       | `1/(1+distance)` |
 * | ip     | `<#>`    | the NEGATIVE dot product | `-distance`      |
 */
export const METRIC_SQL: Readonly<
  Record<
    DistanceMetric,
    {
      readonly operator: '<=>' | '<->' | '<#>'
      readonly opclass: Readonly<Record<VectorType, string>>
      readonly score: (distance: number) => number
    }
  >
> = {
  cosine: {
    operator: '<=>',
    opclass: { vector: 'vector_cosine_ops', halfvec: 'halfvec_cosine_ops' },
    score: (distance) => 1 - distance,
  },
  l2: {
    operator: '<->',
    opclass: { vector: 'vector_l2_ops', halfvec: 'halfvec_l2_ops' },
    score: (distance) => 1 / (1 + distance),
  },
  ip: {
    operator: '<#>',
    opclass: { vector: 'vector_ip_ops', halfvec: 'halfvec_ip_ops' },
    score: (distance) => -distance,
  },
}

/** The operator class of a binary-quantized index (Hamming distance between bit strings). */
export const BINARY_OPCLASS = 'bit_hamming_ops'

/** The operator class a table's vector index is built with. */
export function vectorOpclass(spec: TableSpec): string {
  return spec.quantization === 'binary'
    ? BINARY_OPCLASS
    : METRIC_SQL[spec.metric].opclass[spec.vectorType]
}

/** The indexed expression of a binary-quantized index, as vecstore and drizzle-kit write it. */
export function binaryQuantizeSql(dimensions: number): string {
  return `(binary_quantize("embedding")::bit(${dimensions.toFixed(0)}))`
}

/**
 * The bit count of a binary-quantized index on the embedding, read from its
 * definition (`pg_get_indexdef`) or expression; undefined for any other index.
 */
export function quantizedBitsOf(definition: string): number | undefined {
  const found = /binary_quantize\(\(*"?embedding"?\)*\)\)*::bit\((\d+)\)/.exec(definition)
  return found === null ? undefined : Number(found[1])
}

/** The metric an operator class serves, or undefined for one vecstore does not use. */
export function metricOfOpclass(opclass: string): DistanceMetric | undefined {
  for (const [metric, { opclass: names }] of Object.entries(METRIC_SQL)) {
    if (names.vector === opclass || names.halfvec === opclass) return metric as DistanceMetric
  }
  return undefined
}

/** Options of {@link vectorTable}. */
export interface VectorTableOptions<
  TTimestamps extends boolean = boolean,
> extends TableLayoutOptions {
  /** Postgres schema: a name or a drizzle `pgSchema()` (export it too so drizzle-kit creates it). Default: none (`public`). */
  readonly schema?: string | PgSchema
  /** Adds `created_at` and `updated_at` (timestamptz, default now()). Default: false. */
  readonly timestamps?: TTimestamps
}

// One declared type for the embedding column: vector(N), halfvec(N) and untyped vector all hold number[].
type EmbeddingBuilder = NotNull<PgVectorBuilderInitial<'embedding', number>>
const untypedVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => JSON.parse(value) as number[],
})

const baseColumns = <TPayload>(embedding: EmbeddingBuilder) => ({
  id: text('id').primaryKey(),
  embedding,
  payload: jsonb('payload')
    .$type<TPayload>()
    .notNull()
    .default(sql`'{}'::jsonb`),
})
// A string on the wire; vecstore never reads it back, it searches it.
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' })

/**
 * The generated column's expression, written as Postgres prints it back
 * (`pg_get_expr`), so drizzle-kit compares equal strings.
 */
export function fullTextExpression(fullText: FullTextSpec): string {
  return `to_tsvector('${fullText.language}'::regconfig, COALESCE((payload ->> '${fullText.source}'::text), ''::text))`
}

const fullTextColumns = (fullText: FullTextSpec) => ({
  fullText: tsvector(FULL_TEXT_COLUMN).generatedAlwaysAs(sql.raw(fullTextExpression(fullText))),
})
const timestampColumns = () => ({
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

/** The columns of every vector table: `id`, `embedding`, `payload`. */
export type VectorTableColumns<TPayload> = ReturnType<typeof baseColumns<TPayload>>
/** The `created_at` and `updated_at` columns added by `timestamps: true`. */
export type TimestampColumns = ReturnType<typeof timestampColumns>

type TableOf<
  TName extends string,
  TColumns extends Record<string, PgColumnBuilderBase>,
> = PgTableWithColumns<{
  name: TName
  schema: string | undefined
  columns: BuildColumns<TName, TColumns, 'pg'>
  dialect: 'pg'
}>

/** Columns of your own on a vector table (see {@link vectorTable}). */
export type AppColumnBuilders = Record<string, PgColumnBuilderBase>

// The payload type, for PgvectorBackend to infer: a type-level mark, nothing at run time.
declare const payloadType: unique symbol

/**
 * The Drizzle table {@link vectorTable} returns. Its `payload` column holds
 * the payload without the keys stored in app columns (`TColumns`).
 */
export type VectorTable<
  TPayload extends object = Payload,
  TColumns extends AppColumnBuilders = Record<never, never>,
  TTimestamps extends boolean = false,
  TName extends string = string,
> = (TTimestamps extends true
  ? TableOf<TName, VectorTableColumns<Omit<TPayload, keyof TColumns>> & TimestampColumns & TColumns>
  : TableOf<TName, VectorTableColumns<Omit<TPayload, keyof TColumns>> & TColumns>) & {
  readonly [payloadType]?: TPayload
}

/** A table whose payload type is `P`: a `vectorTable<P>()`, for `PgvectorBackend` to infer `P`. */
export type PayloadTable<P extends object> = PgTable & { readonly [payloadType]?: P }

/**
 * A Drizzle `pgTable` for vectors, to put in your own schema file: drizzle-kit
 * generates its migration (extension excepted: see `migrationsFolder`) and your
 * code queries it with typed Drizzle queries.
 *
 * Columns: `id text primary key`, `embedding vector(N)` (`halfvec(N)` above
 * 2000 dimensions or when asked), `payload jsonb` typed by `TPayload`, and
 * optionally `created_at`/`updated_at`. Indexes: HNSW (or IVFFlat) with the
 * operator class of the metric, and GIN (`jsonb_path_ops`) on the payload.
 *
 * `columns` adds ordinary Drizzle columns of your own (a foreign key, a
 * language, a year), and `extraConfig` their indexes, as `pgTable`'s third
 * argument does (on any column: `index().on(t.lang, t.embedding.op('vector_ops'), t.id)`
 * holds all a filtered exact pass on `lang` reads, for vectors up to about 650
 * dimensions; `halfvec_ops` on a halfvec column). A payload key named like one of these columns is stored in
 * it (text, uuid, integer, floating point and boolean columns), read back into
 * the payload, and filters on it use the column and its index. With a payload
 * type, name the columns' type too (TypeScript infers no type argument once
 * one is given): `vectorTable<Chunk, typeof columns>('chunks', options, columns)`.
 *
 * @example
 * ```ts
 * interface Doc { title: string; lang: 'en' | 'fr' }
 * export const docs = vectorTable<Doc>('docs', { dimensions: 1536, metric: 'cosine' })
 * const rows = await db.select().from(docs).where(sql`${docs.payload}->>'lang' = 'en'`)
 * const backend = await PgvectorBackend.create({ db, table: docs })
 * ```
 */
export function vectorTable<
  TPayload extends object = Payload,
  TColumns extends AppColumnBuilders = Record<never, never>,
  TTimestamps extends boolean = false,
  TName extends string = string,
>(
  name: TName,
  options: VectorTableOptions<TTimestamps> = {},
  columns?: TColumns,
  extraConfig?: (
    table: BuildExtraConfigColumns<
      TName,
      VectorTableColumns<TPayload> &
        (TTimestamps extends true ? TimestampColumns : Record<never, never>) &
        TColumns,
      'pg'
    >,
  ) => PgTableExtraConfigValue[],
  // NoInfer: written inline in `PgvectorBackend.create({ table })`, TPayload must stay Payload, not `object`.
): VectorTable<NoInfer<TPayload>, TColumns, TTimestamps, TName> {
  const schema = options.schema
  const schemaName = schema instanceof PgSchema ? schema.schemaName : schema
  const spec = resolveTableSpec(name, schemaName, options)
  const all = {
    ...baseColumns<TPayload>(embeddingColumn(spec)),
    ...(spec.timestamps ? timestampColumns() : {}),
    ...(spec.fullText ? fullTextColumns(spec.fullText) : {}),
    ...checkAppColumns(columns),
  }
  const extra = (table: Record<string, unknown>) => [
    ...indexesOf(spec, table),
    ...(extraConfig?.(table as never) ?? []),
  ]
  // drizzle-kit refuses pgSchema('public'): public tables are declared with pgTable.
  const build = (
    spec.schema === undefined || spec.schema === 'public'
      ? pgTable
      : (schema instanceof PgSchema ? schema : pgSchema(spec.schema)).table
  ) as typeof pgTable
  const table = build(name, all, extra as never)
  if (spec.model !== undefined) Object.defineProperty(table, TABLE_MODEL, { value: spec.model })
  if (spec.fullText) Object.defineProperty(table, TABLE_FULL_TEXT, { value: spec.fullText })
  // A bit index says nothing of the metric: the table carries it.
  if (spec.quantization === 'binary') {
    Object.defineProperty(table, TABLE_METRIC, { value: spec.metric })
  }
  return table as unknown as VectorTable<TPayload, TColumns, TTimestamps, TName>
}

// The declared model rides on the table object; Symbol.for, so a schema file loaded through another
// copy of this module (drizzle-kit's loader, the command's) is still read right.
const TABLE_MODEL = Symbol.for('vecstore:model')
const TABLE_METRIC = Symbol.for('vecstore:metric')

const TABLE_FULL_TEXT = Symbol.for('vecstore:fullText')

/** The full text a {@link vectorTable} declares, if any. */
export function fullTextOfTable(table: object): FullTextSpec | undefined {
  return (table as { [TABLE_FULL_TEXT]?: FullTextSpec })[TABLE_FULL_TEXT]
}

/** The embedding model a {@link vectorTable} declares, if any. */
export function modelOfTable(table: object): string | undefined {
  const model = (table as { [TABLE_MODEL]?: unknown })[TABLE_MODEL]
  return typeof model === 'string' ? model : undefined
}

// vecstore's own column names cannot be taken by an app column.
function checkAppColumns<T extends AppColumnBuilders>(columns: T | undefined): T | undefined {
  for (const key of Object.keys(columns ?? {})) {
    if (['id', 'embedding', 'payload', 'createdAt', 'updatedAt', 'fullText'].includes(key)) {
      throw new InvalidArgumentError(
        `app column '${key}' would replace a column of the vector table`,
      )
    }
  }
  return columns
}

function embeddingColumn(spec: TableSpec): EmbeddingBuilder {
  if (spec.dimensions === undefined) return untypedVector('embedding').notNull() as never
  if (spec.vectorType === 'halfvec') {
    return halfvec('embedding', { dimensions: spec.dimensions }).notNull() as never
  }
  return vector('embedding', { dimensions: spec.dimensions }).notNull()
}

function indexesOf(spec: TableSpec, table: Record<string, unknown>) {
  const { embedding, payload } = table as Record<'embedding' | 'payload', PgColumnBuilderBase>
  const columnOf = (column: PgColumnBuilderBase, opclass: string) =>
    (column as unknown as { op(opclass: string): never }).op(opclass)
  const indexes = []
  const opclass = METRIC_SQL[spec.metric].opclass[spec.vectorType]
  if (spec.quantization === 'binary') {
    // An expression index: drizzle-kit writes the SQL as given, operator class included.
    const expression = sql.raw(`${binaryQuantizeSql(spec.dimensions as number)} ${BINARY_OPCLASS}`)
    indexes.push(
      index(vectorIndexName(spec.name))
        .using('hnsw', expression)
        .with({ m: String(spec.m), ef_construction: String(spec.efConstruction) }),
    )
  } else if (spec.index === 'hnsw') {
    indexes.push(
      index(vectorIndexName(spec.name))
        .using('hnsw', columnOf(embedding, opclass))
        // Strings, as drizzle-kit reads them back from the database: numbers make every
        // `drizzle-kit push` see a change and rebuild the index. The SQL is the same.
        .with({ m: String(spec.m), ef_construction: String(spec.efConstruction) }),
    )
  } else if (spec.index === 'ivfflat') {
    indexes.push(
      index(vectorIndexName(spec.name))
        .using('ivfflat', columnOf(embedding, opclass))
        .with({ lists: String(spec.lists) }),
    )
  }
  if (spec.payloadIndex) {
    indexes.push(
      index(payloadIndexName(spec.name)).using('gin', columnOf(payload, 'jsonb_path_ops')),
    )
  }
  if (spec.fullText) {
    const column = (table as Record<'fullText', PgColumnBuilderBase>).fullText
    indexes.push(index(fullTextIndexName(spec.name)).using('gin', column as never))
  }
  return indexes
}

/** Name of a table's vector index. */
export function vectorIndexName(table: string): string {
  return `${table}_embedding_idx`
}

/** Name of a table's full-text (GIN) index. */
export function fullTextIndexName(table: string): string {
  return `${table}_fulltext_idx`
}

/** Name of a table's payload (GIN) index. */
export function payloadIndexName(table: string): string {
  return `${table}_payload_idx`
}

/**
 * The layout of a Drizzle table passed to `PgvectorBackend` (a {@link vectorTable}
 * or any table with the same `id`, `embedding` and `payload` columns).
 * The metric comes from the vector index's operator class, else from `metric`.
 */
export function specOfTable(table: PgTable, metric: DistanceMetric | undefined): TableSpec {
  const config = getTableConfig(table)
  const column = (name: string) => config.columns.find((c) => c.name === name)
  const type = /^(vector|halfvec)(?:\((\d+)\))?$/.exec(column('embedding')?.getSQLType() ?? '')
  if (!column('id') || !column('payload') || !type) {
    throw new InvalidArgumentError(
      `table ${config.name} is not a vector table: expected columns id, embedding (vector or halfvec) and payload`,
    )
  }
  const vectorIndex = config.indexes.find((candidate) => {
    const first = candidate.config.columns[0] as { name?: string } | undefined
    return (
      ['hnsw', 'ivfflat'].includes(candidate.config.method ?? '') &&
      (first?.name === 'embedding' || quantizedBitsOf(expressionText(first)) !== undefined)
    )
  })
  const quantized = quantizedBitsOf(expressionText(vectorIndex?.config.columns[0])) !== undefined
  const opclass = (vectorIndex?.config.columns[0] as { indexConfig?: { opClass?: string } })
    ?.indexConfig?.opClass
  // Strings from vectorTable(), numbers from a table declared by hand.
  const settings = (vectorIndex?.config.with ?? {}) as Record<string, number | string | undefined>
  const setting = (key: string) => (settings[key] === undefined ? undefined : Number(settings[key]))
  const payloadIndex = config.indexes.some(
    (candidate) =>
      candidate.config.method === 'gin' &&
      (candidate.config.columns[0] as { name?: string } | undefined)?.name === 'payload',
  )
  return resolveTableSpec(config.name, config.schema, {
    dimensions: type[2] === undefined ? undefined : Number(type[2]),
    vectorType: type[1] as (typeof VECTOR_TYPES)[number],
    metric:
      (opclass && metricOfOpclass(opclass)) ||
      ((table as { [TABLE_METRIC]?: DistanceMetric })[TABLE_METRIC] ?? metric),
    index: (vectorIndex?.config.method ?? 'none') as VectorIndexKind,
    m: setting('m'),
    efConstruction: setting('ef_construction'),
    lists: setting('lists'),
    quantization: quantized ? 'binary' : 'none',
    payloadIndex,
    timestamps: column('updated_at') !== undefined,
    ...(modelOfTable(table) !== undefined && { model: modelOfTable(table) }),
    ...(fullTextOfTable(table) !== undefined && { fullText: fullTextOfTable(table) }),
  })
}

// The text of an index column given as SQL (an expression), else ''.
function expressionText(column: unknown): string {
  if (!is(column, SQL)) return ''
  return column.queryChunks
    .map((chunk) => (is(chunk, StringChunk) ? chunk.value.join('') : ''))
    .join('')
}
