import type { SQL } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { Expectation, SchemaProblem } from './diagnose.js'
import {
  payloadIndexStatement,
  recordLiteral,
  type TableRecord,
  vectorIndexStatement,
} from './schema-sql.js'
import type { IndexInfo, TableCatalog } from './schema-catalog.js'
import { tableLabel } from './schema-sync.js'
import { regclassText } from './sql.js'
import type { TableSpec } from './table-spec.js'
import {
  BINARY_OPCLASS,
  metricOfOpclass,
  payloadIndexName,
  vectorIndexName,
  vectorOpclass,
} from './vector-table.js'

const REEMBED_STEPS =
  'declare a new table beside it in your schema, fill it with vecstore reembed, then switch readers (docs/pgvector.md, "Changing the model or dimension")'

/** The problems of one table: its shape, then its indexes, then what is recorded with it. */
export function tableProblems(
  expected: Expectation,
  catalog: TableCatalog | undefined,
): SchemaProblem[] {
  const { spec } = expected
  const found: Omit<SchemaProblem, 'where'>[] = []
  if (catalog === undefined) {
    found.push(
      error(
        'does not exist',
        'apply your migrations (drizzle-kit migrate), or let PgvectorBackend create it (manageSchema: true)',
      ),
    )
  } else {
    const shape = shapeProblems(expected, catalog)
    found.push(...shape)
    if (shape.length === 0) {
      found.push(...catalog.indexes.filter((i) => !i.valid).map(invalidIndex))
      if (expected.declared) found.push(...indexProblems(spec, catalog))
      found.push(...recordProblems(expected, catalog))
    }
  }
  const where = tableLabel(spec)
  return found.map((problem) => ({ where, ...problem }))
}

function error(problem: string, fix: string): Omit<SchemaProblem, 'where'> {
  return { problem, fix, severity: 'error' }
}

function warning(problem: string, fix: string): Omit<SchemaProblem, 'where'> {
  return { problem, fix, severity: 'warning' }
}

function columnType(catalog: TableCatalog, name: string): string {
  const column = catalog.columns.get(name)
  if (column === undefined) return 'missing'
  return column.typmod > 0 ? `${column.type}(${column.typmod})` : column.type
}

function shapeProblems(expected: Expectation, catalog: TableCatalog) {
  const { spec } = expected
  const embedding = catalog.columns.get('embedding')
  const isVector = embedding?.type === 'vector' || embedding?.type === 'halfvec'
  if (
    catalog.columns.get('id')?.type !== 'text' ||
    catalog.columns.get('payload')?.type !== 'jsonb' ||
    !isVector
  ) {
    const found = ['id', 'embedding', 'payload'].map((c) => `${c} ${columnType(catalog, c)}`)
    return [
      error(
        `is not a vector table (expected id text, embedding vector or halfvec, payload jsonb; found ${found.join(', ')})`,
        'point the schema at a table made by vectorTable(), or create one with it',
      ),
    ]
  }
  return expected.declared ? dimensionProblems(spec, embedding) : []
}

function dimensionProblems(spec: TableSpec, embedding: { type: string; typmod: number }) {
  const declared =
    spec.dimensions === undefined ? spec.vectorType : `${spec.vectorType}(${spec.dimensions})`
  const actual = embedding.typmod > 0 ? `${embedding.type}(${embedding.typmod})` : embedding.type
  if (declared === actual) return []
  if (
    embedding.typmod > 0 &&
    spec.dimensions !== undefined &&
    embedding.typmod !== spec.dimensions
  ) {
    return [error(`embedding is ${actual} but the schema declares ${declared}`, REEMBED_STEPS)]
  }
  const table = regclassText(spec)
  return [
    error(
      `embedding is ${actual} but the schema declares ${declared}`,
      `ALTER TABLE ${table} ALTER COLUMN "embedding" TYPE ${declared} USING "embedding"::${declared}; then rebuild its vector index`,
    ),
  ]
}

function invalidIndex(index: IndexInfo) {
  return error(
    `index "${index.name}" is invalid (a CREATE INDEX CONCURRENTLY that failed): Postgres does not use it`,
    `REINDEX INDEX ${regclassName(index.name)}`,
  )
}

function regclassName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

function indexProblems(spec: TableSpec, catalog: TableCatalog) {
  const vectorIndexes = catalog.indexes.filter(
    (index) => index.column === 'embedding' && ['hnsw', 'ivfflat'].includes(index.method),
  )
  return [...vectorIndexProblems(spec, vectorIndexes), ...payloadIndexProblems(spec, catalog)]
}

function vectorIndexProblems(spec: TableSpec, found: readonly IndexInfo[]) {
  const create = vectorIndexStatement(spec)
  if (create === undefined) {
    return found.map((index) =>
      error(
        `has a ${index.method} index "${index.name}" the schema does not declare (drizzle-kit push drops it)`,
        `declare it in the schema (index: '${index.method}'), or DROP INDEX ${regclassName(index.name)}`,
      ),
    )
  }
  const [index] = found
  if (index === undefined) {
    return [
      error(
        `has no ${spec.index} index on embedding: every search scans all rows`,
        sqlText(create),
      ),
    ]
  }
  const rebuild = `DROP INDEX ${regclassName(index.name)}; ${sqlText(create)}`
  const opclass = vectorOpclass(spec)
  const problems = []
  if (index.method !== spec.index) {
    problems.push(
      error(`index "${index.name}" is ${index.method}, the schema declares ${spec.index}`, rebuild),
    )
  } else if (index.opclass !== opclass) {
    const describe = (name: string, metric: string | undefined) =>
      name === BINARY_OPCLASS ? `${name} (binary quantization)` : `${name} (metric ${metric})`
    problems.push(
      error(
        `index "${index.name}" uses ${describe(index.opclass, metricOfOpclass(index.opclass) ?? 'unknown')}, the schema declares ${describe(opclass, spec.metric)}`,
        rebuild,
      ),
    )
  } else {
    problems.push(...optionProblems(spec, index, rebuild))
  }
  if (problems.length === 0 && index.name !== vectorIndexName(spec.name)) {
    problems.push(renameProblem(index.name, vectorIndexName(spec.name)))
  }
  return problems
}

// pgvector's defaults apply where the index sets no parameter: the same as vectorTable()'s.
const INDEX_DEFAULTS: Readonly<Record<string, string>> = {
  m: '16',
  ef_construction: '64',
  lists: '100',
}

function optionProblems(spec: TableSpec, index: IndexInfo, rebuild: string) {
  const declared: [string, number][] =
    spec.index === 'hnsw'
      ? [
          ['m', spec.m],
          ['ef_construction', spec.efConstruction],
        ]
      : [['lists', spec.lists]]
  const differing = declared.filter(
    ([key, value]) => Number(index.options.get(key) ?? INDEX_DEFAULTS[key]) !== value,
  )
  if (differing.length === 0) return []
  const actual = differing.map(([key]) => `${key}=${index.options.get(key) ?? INDEX_DEFAULTS[key]}`)
  const wanted = differing.map(([key, value]) => `${key}=${value}`)
  return [
    error(
      `index "${index.name}" has ${actual.join(', ')}, the schema declares ${wanted.join(', ')}`,
      rebuild,
    ),
  ]
}

function renameProblem(actual: string, declared: string) {
  return error(
    `vector index is named "${actual}", the schema names it "${declared}" (drizzle-kit would drop and rebuild it)`,
    `ALTER INDEX ${regclassName(actual)} RENAME TO ${regclassName(declared)}`,
  )
}

function payloadIndexProblems(spec: TableSpec, catalog: TableCatalog) {
  const index = catalog.indexes.find((i) => i.column === 'payload' && i.method === 'gin')
  if (!spec.payloadIndex || (index?.opclass === 'jsonb_path_ops' && index.valid)) return []
  const create = sqlText(payloadIndexStatement(spec))
  if (index === undefined) {
    return [error('has no GIN index on payload: payload filters scan every row', create)]
  }
  if (index.opclass !== 'jsonb_path_ops') {
    return [
      error(
        `payload index "${index.name}" uses ${index.opclass}, the schema declares jsonb_path_ops`,
        `DROP INDEX ${regclassName(index.name)}; ${create}`,
      ),
    ]
  }
  return index.name === payloadIndexName(spec.name)
    ? []
    : [renameProblem(index.name, payloadIndexName(spec.name))]
}

// The record (metric, dimension, model) against the schema and the table: at most one line.
function recordProblems(expected: Expectation, catalog: TableCatalog) {
  const { spec, declared } = expected
  const recorded = catalog.record ?? {}
  const embedding = catalog.columns.get('embedding')
  const typmod = embedding !== undefined && embedding.typmod > 0 ? embedding.typmod : undefined
  const vectorIndex = catalog.indexes.find((i) => i.column === 'embedding' && i.valid)
  const indexMetric = vectorIndex && metricOfOpclass(vectorIndex.opclass)
  const metric = declared && spec.index !== 'none' ? spec.metric : indexMetric
  const model = declared ? spec.model : undefined
  // What the record should say: the fix for every line below.
  const wanted = recordText(spec, {
    metric: metric ?? recorded.metric ?? spec.metric,
    ...((typmod ?? recorded.dimensions) !== undefined && {
      dimensions: typmod ?? recorded.dimensions,
    }),
    ...((model ?? recorded.model) !== undefined && { model: model ?? recorded.model }),
  })
  if (model !== undefined && recorded.model !== undefined && recorded.model !== model) {
    return [
      error(
        `holds vectors of embedding model '${recorded.model}', the schema declares '${model}'`,
        REEMBED_STEPS,
      ),
    ]
  }
  if (metric !== undefined && recorded.metric !== undefined && recorded.metric !== metric) {
    // With an index for the metric the backend goes by the index; without one, by the record.
    const problem = `records metric ${recorded.metric}, its ${declared ? 'schema' : 'vector index'} says ${metric}`
    return vectorIndex === undefined
      ? [
          error(
            `${problem}: PgvectorBackend refuses to open it`,
            `if ${metric} is meant: ${wanted}`,
          ),
        ]
      : [warning(problem, wanted)]
  }
  if (typmod !== undefined && recorded.dimensions !== undefined && recorded.dimensions !== typmod) {
    return [
      warning(
        `records ${recorded.dimensions} dimensions but embedding is ${embedding?.type}(${typmod})`,
        wanted,
      ),
    ]
  }
  if (model !== undefined && recorded.model === undefined) {
    return [
      warning(
        `records no embedding model, so a backend opened with another one is not refused (the schema declares '${model}')`,
        `in a migration (drizzle-kit generate --custom): ${wanted}`,
      ),
    ]
  }
  return []
}

function recordText(spec: TableSpec, record: TableRecord): string {
  return `COMMENT ON COLUMN ${regclassText(spec)}."embedding" IS ${recordLiteral(record)};`
}

const dialect = new PgDialect()

function sqlText(statement: SQL): string {
  return `${dialect.sqlToQuery(statement).sql};`
}
