import { DrizzleQueryError, type SQL, sql } from 'drizzle-orm'
import { getTableConfig, PgDialect } from 'drizzle-orm/pg-core'
import { describe, expect, it } from 'vitest'
import { BackendConnectionError, BackendQueryError, InvalidArgumentError } from '../../src/index.js'
import { parseFilter } from '../../src/core/filter.js'
import { MAX_PARAMETERS, planChunks } from '../../src/pgvector/bulk-load.js'
import { wrapEngineError } from '../../src/pgvector/engine-errors.js'
import { compileFilter } from '../../src/pgvector/filter-sql.js'
import { createSchemaStatements } from '../../src/pgvector/schema-sql.js'
import {
  listQuery,
  type QueryTarget,
  searchQuery,
  settingsQuery,
  tableName,
  upsertQuery,
} from '../../src/pgvector/sql.js'
import { resolveTableSpec } from '../../src/pgvector/table-spec.js'
import { METRIC_SQL, vectorTable } from '../../src/pgvector/vector-table.js'
import { vectorLiteral } from '../../src/pgvector/vector-text.js'

const dialect = new PgDialect()
const render = (query: SQL) => {
  const { sql, params } = dialect.sqlToQuery(query)
  return { sql, params }
}
const target = (overrides: Partial<QueryTarget> = {}): QueryTarget => ({
  table: tableName({ name: 'items', schema: 'app' }),
  schema: 'app',
  metric: 'cosine',
  vectorType: 'vector',
  hasUpdatedAt: false,
  columns: [],
  payload: sql`"payload"`,
  ...overrides,
})

describe('filter SQL', () => {
  const cases: [string, unknown, string, unknown[]][] = [
    [
      'flat equalities: one containment',
      { a: 1, b: 'x' },
      '"payload" @> $1::jsonb',
      ['{"a":1,"b":"x"}'],
    ],
    ['null', { a: null }, '"payload" @> $1::jsonb', ['{"a":null}']],
    [
      '$ne needs the key',
      { a: { $ne: 1 } },
      '(("payload" ? $1::text) AND NOT "payload" @> $2::jsonb)',
      ['a', '{"a":1}'],
    ],
    [
      'range: numbers only, guarded by CASE',
      { a: { $gte: 2.5 } },
      `(CASE WHEN jsonb_typeof("payload" -> $1::text) = 'number' THEN ("payload" -> $2::text)::numeric >= $3::numeric ELSE FALSE END)`,
      ['a', 'a', '2.5'],
    ],
    [
      '$in: containment of any candidate',
      { a: { $in: [1, '1'] } },
      '"payload" @> ANY (ARRAY(SELECT jsonb_array_elements($1::jsonb)))',
      ['[{"a":1},{"a":"1"}]'],
    ],
    ['empty $in', { a: { $in: [] } }, 'FALSE', []],
    ['empty $nin: presence', { a: { $nin: [] } }, '("payload" ? $1::text)', ['a']],
    ['$exists false', { a: { $exists: false } }, 'NOT ("payload" ? $1::text)', ['a']],
    ['empty filter', {}, 'TRUE', []],
    [
      '$or',
      { $or: [{ a: 1 }, { b: { $lt: 0 } }] },
      `("payload" @> $1::jsonb OR (CASE WHEN jsonb_typeof("payload" -> $2::text) = 'number' THEN ("payload" -> $3::text)::numeric < $4::numeric ELSE FALSE END))`,
      ['{"a":1}', 'b', 'b', '0'],
    ],
  ]
  for (const [name, filter, sql, params] of cases) {
    it(name, () => {
      const rendered = render(compileFilter(parseFilter(filter)))
      expect(rendered.sql).toBe(sql)
      expect(rendered.params).toEqual(params)
    })
  }

  it('keeps every key and value out of the SQL text', () => {
    const hostile = "x'); DROP TABLE items; --"
    const rendered = render(
      compileFilter(parseFilter({ $or: [{ a: hostile }, { b: { $in: [hostile] } }] })),
    )
    expect(rendered.sql).not.toContain('DROP')
    expect(JSON.stringify(rendered.params)).toContain('DROP')
  })
})

describe('query SQL', () => {
  it('orders by the bare distance so the vector index can serve it; scores are not sorted on', () => {
    for (const [metric, { operator }] of Object.entries(METRIC_SQL)) {
      const { sql, params } = render(
        searchQuery(
          target({ metric: metric as QueryTarget['metric'] }),
          '[1,2,3]',
          11,
          compileFilter(parseFilter({})),
        ),
      )
      expect(sql).toBe(
        `SELECT "id", "payload", "embedding" ${operator} $1::vector AS "distance" FROM "app"."items" WHERE TRUE ORDER BY "distance" LIMIT $2`,
      )
      expect(params).toEqual(['[1,2,3]', 11])
    }
    const half = render(
      searchQuery(target({ vectorType: 'halfvec' }), '[1]', 2, compileFilter(parseFilter({}))),
    )
    expect(half.sql).toContain('$1::halfvec')
  })

  it('lists in code point order with keyset paging', () => {
    const { sql, params } = render(listQuery(target(), compileFilter(parseFilter({})), 5, 'k'))
    expect(sql).toBe(
      'SELECT "id", "payload" FROM "app"."items" WHERE TRUE AND "id" COLLATE "C" > $1 ORDER BY "id" COLLATE "C" LIMIT $2',
    )
    expect(params).toEqual(['k', 5])
  })

  it('upserts many rows in one statement, replacing vector and payload', () => {
    const rows = [
      { id: 'a', vector: '[1]', payload: '{}' },
      { id: 'b', vector: '[2]', payload: '{"x":1}' },
    ]
    const { sql, params } = render(upsertQuery(target({ hasUpdatedAt: true }), rows))
    expect(sql).toBe(
      'INSERT INTO "app"."items" ("id", "embedding", "payload") VALUES ($1, $2::vector, $3::jsonb), ($4, $5::vector, $6::jsonb) ON CONFLICT ("id") DO UPDATE SET "embedding" = EXCLUDED."embedding", "payload" = EXCLUDED."payload", "updated_at" = now()',
    )
    expect(params).toEqual(['a', '[1]', '{}', 'b', '[2]', '{"x":1}'])
  })

  it('applies settings with set_config(..., true), which is SET LOCAL', () => {
    expect(render(settingsQuery([['hnsw.ef_search', '100']]))).toEqual({
      sql: 'SELECT set_config($1, $2, true)',
      params: ['hnsw.ef_search', '100'],
    })
  })

  it('chunks bulk loads under the parameter limit and a byte budget', () => {
    const records = (rows: number, dim: number) =>
      Array.from({ length: rows }, (_, i) => ({
        id: `r${i}`,
        vector: new Float32Array(dim),
        payload: {},
      }))
    for (const [rows, dim] of [
      [30_000, 3],
      [5000, 384],
      [100, 16_000],
    ] as const) {
      const chunks = planChunks(records(rows, dim))
      expect(chunks[0]?.[0]).toBe(0)
      expect(chunks.at(-1)?.[1]).toBe(rows)
      for (const [start, end] of chunks)
        expect((end - start) * 3).toBeLessThanOrEqual(MAX_PARAMETERS)
      expect(chunks.length).toBeGreaterThan(1)
    }
  })
})

describe('DDL and vectorTable()', () => {
  it('creates what drizzle-kit would, with IF NOT EXISTS', () => {
    const spec = resolveTableSpec('items', 'app', { dimensions: 384, metric: 'l2' })
    const statements = createSchemaStatements(spec, { withExtension: true, typeColumn: false }).map(
      (statement) => render(statement).sql,
    )
    expect(statements).toEqual([
      `SELECT pg_advisory_xact_lock(hashtext('vecstore.ddl'))`,
      'SET LOCAL client_min_messages = warning',
      'CREATE EXTENSION IF NOT EXISTS vector',
      'CREATE SCHEMA IF NOT EXISTS "app"',
      `CREATE TABLE IF NOT EXISTS "app"."items" ("id" text PRIMARY KEY NOT NULL, "embedding" vector(384) NOT NULL, "payload" jsonb DEFAULT '{}'::jsonb NOT NULL)`,
      'CREATE INDEX IF NOT EXISTS "items_embedding_idx" ON "app"."items" USING hnsw ("embedding" vector_l2_ops) WITH (m=16,ef_construction=64)',
      'CREATE INDEX IF NOT EXISTS "items_payload_idx" ON "app"."items" USING gin ("payload" jsonb_path_ops)',
    ])
  })

  it('picks the operator class of the metric, and halfvec above 2000 dimensions', () => {
    const opclassOf = (table: ReturnType<typeof vectorTable>) =>
      getTableConfig(table).indexes.map(
        (index) =>
          `${index.config.method}:${(index.config.columns[0] as { indexConfig: { opClass?: string } }).indexConfig.opClass}`,
      )
    expect(opclassOf(vectorTable('a', { dimensions: 3, metric: 'ip' }))).toEqual([
      'hnsw:vector_ip_ops',
      'gin:jsonb_path_ops',
    ])
    expect(opclassOf(vectorTable('b', { dimensions: 3072 }))).toEqual([
      'hnsw:halfvec_cosine_ops',
      'gin:jsonb_path_ops',
    ])
    expect(opclassOf(vectorTable('c', {}))).toEqual(['gin:jsonb_path_ops'])
    const columns = getTableConfig(vectorTable('d', { dimensions: 3072 })).columns
    expect(columns.find((column) => column.name === 'embedding')?.getSQLType()).toBe(
      'halfvec(3072)',
    )
    expect(() => vectorTable('e', { dimensions: 4001 })).toThrow(InvalidArgumentError)
    expect(() => vectorTable('e', { dimensions: 4001, index: 'none' })).not.toThrow()
    expect(() => vectorTable('f', { index: 'hnsw' })).toThrow(/fixed dimension/)
    expect(() => vectorTable('bad name')).toThrow(InvalidArgumentError)
  })
})

describe('vector literals', () => {
  it('round-trip float32 exactly with at most 9 significant digits', () => {
    const values = Float32Array.from([
      0,
      -0,
      1,
      -1,
      0.1,
      1 / 3,
      255,
      1e-7,
      -2.5e-8,
      3.4028234663852886e38,
      1.4e-45,
      123456792,
    ])
    const literal = vectorLiteral(values)
    expect(literal).toMatch(/^\[[-0-9.e,]+\]$/)
    const parsed = literal
      .slice(1, -1)
      .split(',')
      .map((x) => Math.fround(Number(x)))
    expect(parsed).toEqual(Array.from(values, (x) => (x === 0 ? 0 : x)))
    expect(vectorLiteral(Float32Array.from([1, 0.5, 255]))).toBe('[1,0.5,255]')
  })
})

describe('engine errors', () => {
  it("unwraps Drizzle's wrapper (which lists parameters), names the operation, keeps the cause", () => {
    const cause = Object.assign(new Error('duplicate key value'), { code: '23505' })
    const wrapped = wrapEngineError(
      'upsert',
      new DrizzleQueryError('INSERT ...', ['[1,2,3]'], cause),
    )
    expect(wrapped).toBeInstanceOf(BackendQueryError)
    expect(wrapped.message).toBe('upsert failed: duplicate key value [23505]')
    expect(wrapped.cause).toBe(cause)
  })

  it('classifies connection failures and redacts URLs, passwords and vectors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    })
    expect(wrapEngineError('search', refused)).toBeInstanceOf(BackendConnectionError)
    const auth = Object.assign(new Error('password authentication failed'), { code: '28P01' })
    expect(wrapEngineError('initialize', auth)).toBeInstanceOf(BackendConnectionError)
    // node-postgres reports a lost connection by message only.
    const terminated = new Error('Connection terminated unexpectedly')
    expect(wrapEngineError('upsertMany', terminated)).toBeInstanceOf(BackendConnectionError)
    expect(wrapEngineError('count', new Error('syntax error'))).toBeInstanceOf(BackendQueryError)
    const leaky = new Error('bad postgres://u:pw@h/db password=hunter2 [0.1,0.2,0.3,0.4,0.5]')
    const message = wrapEngineError('count', leaky).message
    expect(message).not.toMatch(/pw@|hunter2|0\.1,0\.2/)
  })
})
