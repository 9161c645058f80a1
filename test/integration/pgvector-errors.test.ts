import { inspect } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import {
  BackendConnectionError,
  BackendQueryError,
  DimensionMismatchError,
  EmptyFilterError,
  InvalidArgumentError,
  InvalidFilterError,
  InvalidIdError,
  InvalidVectorError,
  MetricMismatchError,
  NotInitializedError,
  SchemaMismatchError,
  type VectorStoreError,
} from '../../src/index.js'
import { PgvectorBackend, type PgvectorBackendConfig } from '../../src/pgvector/index.js'
import { qualified, type TestEngine, testEngines } from '../setup/postgres-engines.js'

const { engines, skipped } = await testEngines('pgv_errors')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

async function failure(call: () => Promise<unknown>): Promise<VectorStoreError> {
  try {
    await call()
  } catch (error) {
    return error as VectorStoreError
  }
  throw new Error('expected the call to fail')
}

const HOSTILE_NAMES = ['x"; DROP TABLE y; --', "a'b", 'a;b', 'a--b', 'a b', '1abc', '', 'é', 'a.b']
const HOSTILE_KEYS = ['a"b', "a'b", 'a;b', 'a; DROP TABLE t; --', '--', 'a b', '$x', '']

async function tableCount(engine: TestEngine): Promise<number> {
  const [row] = await engine.sql(`SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r'`)
  return Number(row?.['n'])
}

for (const engine of engines) {
  let tables = 0
  const create = (options: PgvectorBackendConfig = {}) =>
    PgvectorBackend.create({
      db: engine.db,
      schema: engine.schema,
      table: `errors_${tables++}`,
      dim: 3,
      ...options,
    })

  describe(`PgvectorBackend bad input on ${engine.name}`, () => {
    it('refuses hostile table and schema names before touching the database', async () => {
      const before = await tableCount(engine)
      // Table names stop at 49 characters so that "<table>_embedding_idx" fits in 63.
      expect(() => new PgvectorBackend({ db: engine.db, table: 'x'.repeat(50) })).toThrow(
        InvalidArgumentError,
      )
      expect(() => new PgvectorBackend({ db: engine.db, schema: 'x'.repeat(64) })).toThrow(
        InvalidArgumentError,
      )
      for (const name of HOSTILE_NAMES) {
        for (const option of ['table', 'schema']) {
          expect(() => new PgvectorBackend({ db: engine.db, [option]: name }), name).toThrow(
            InvalidArgumentError,
          )
        }
      }
      expect(await tableCount(engine)).toBe(before)
    })

    it('refuses hostile filter keys, binds hostile values, and changes nothing', async () => {
      const backend = await create()
      await backend.upsert('a', [1, 0, 0], { kind: "x'; DROP TABLE t; --" })
      for (const key of HOSTILE_KEYS) {
        for (const call of [
          () => backend.search([1, 0, 0], 1, { [key]: 1 }),
          () => backend.count({ [key]: 1 }),
          () => backend.listWhere({ [key]: { $gt: 1 } }, 5),
          () => backend.deleteWhere({ [key]: 1 }),
        ]) {
          expect(await failure(call)).toBeInstanceOf(InvalidFilterError)
        }
      }
      expect(await backend.count({ kind: "x'; DROP TABLE t; --" })).toBe(1)
      expect(await backend.count({ kind: "'; DELETE FROM t; --" })).toBe(0)
      expect(await backend.count({})).toBe(1)
      await backend.close()
    })

    it('refuses wrong dimensions, NaN, oversized ids and deleteWhere({}) with typed errors', async () => {
      const backend = await create()
      await backend.upsert('keep', [1, 2, 3], { a: 1 })
      const cases: [() => Promise<unknown>, abstract new (...args: never[]) => Error][] = [
        [() => backend.upsert('x', [1, 2], {}), DimensionMismatchError],
        [() => backend.upsert('x', [1, 2, 3, 4], {}), DimensionMismatchError],
        [() => backend.search([1, 2], 3, {}), DimensionMismatchError],
        [() => backend.upsert('x', [1, Number.NaN, 3], {}), InvalidVectorError],
        [() => backend.search([1, Number.NaN, 3], 3, {}), InvalidVectorError],
        [() => backend.upsert('x'.repeat(257), [1, 2, 3], {}), InvalidIdError],
        [() => backend.delete('x'.repeat(257)), InvalidIdError],
        [() => backend.deleteWhere({}), EmptyFilterError],
        [
          () =>
            backend.upsertMany([
              { id: 'm1', vector: [1, 2, 3], payload: {} },
              { id: 'm2', vector: [1, 2], payload: {} },
            ]),
          DimensionMismatchError,
        ],
      ]
      for (const [call, errorClass] of cases) expect(await failure(call)).toBeInstanceOf(errorClass)
      expect(await backend.listWhere({}, 10)).toEqual([{ id: 'keep', payload: { a: 1 } }])
      await backend.close()
    })

    it('an upsertMany failing in the database after earlier statements ran writes none of its rows', async () => {
      // No vector index: this is about the transaction, not about HNSW insertion speed.
      const backend = await create({ index: 'none' })
      await backend.upsert('r0', [1, 1, 1], { old: true })
      const table = qualified(engine, `errors_${tables - 1}`)
      // Only the database knows this rule: validation passes, the last statement fails.
      await engine.sql(`ALTER TABLE ${table} ADD CONSTRAINT no_poison CHECK (id <> 'poison')`)
      // 30 000 rows x 3 parameters: far beyond the 65 535-parameter limit of one statement.
      const records = Array.from({ length: 30_000 }, (_, i) => ({
        id: i === 29_999 ? 'poison' : `r${i}`,
        vector: [1, i, 2],
        payload: { i },
      }))
      const error = await failure(() => backend.upsertMany(records))
      expect(error).toBeInstanceOf(BackendQueryError)
      expect((error as BackendQueryError).operation).toBe('upsertMany')
      expect(error.message).toContain('no_poison')
      expect(error.message).not.toMatch(/\[1,/)
      expect((error.cause as { code?: string }).code).toBe('23514')
      expect((error as BackendQueryError).engineCode).toBe('23514')
      expect(await backend.count({})).toBe(1)
      expect(await backend.listWhere({}, 5)).toEqual([{ id: 'r0', payload: { old: true } }])
      await backend.close()
    })

    it('a failed bulk load into an empty table keeps its vector index (the rebuild is rolled back)', async () => {
      const backend = await create({ deferIndexRows: 100, analyzeAfterRows: 100 })
      const name = `errors_${tables - 1}`
      await engine.sql(
        `ALTER TABLE ${qualified(engine, name)} ADD CONSTRAINT no_poison CHECK (id <> 'poison')`,
      )
      const records = Array.from({ length: 3000 }, (_, i) => ({
        id: i === 2999 ? 'poison' : `r${i}`,
        vector: [1, i, 2],
        payload: {},
      }))
      expect(await failure(() => backend.upsertMany(records))).toBeInstanceOf(BackendQueryError)
      const indexes = await engine.sql(
        `SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`,
        [name],
      )
      expect(indexes.map((row) => row['indexname'])).toEqual([
        `${name}_embedding_idx`,
        `${name}_payload_idx`,
        `${name}_pkey`,
      ])
      expect(await backend.count({})).toBe(0)
      await backend.close()
    })

    it('every call before initialize and after close throws NotInitializedError', async () => {
      const fresh = new PgvectorBackend({ db: engine.db, schema: engine.schema, table: 'never' })
      const calls = (backend: PgvectorBackend) => [
        () => backend.upsert('a', [1, 0, 0], {}),
        () => backend.upsertMany([{ id: 'a', vector: [1, 0, 0], payload: {} }]),
        () => backend.search([1, 0, 0], 1, {}),
        () => backend.explain([1, 0, 0], 1, {}),
        () => backend.delete('a'),
        () => backend.deleteWhere({ a: 1 }),
        () => backend.listWhere({}, 1),
        () => backend.count({}),
        () => backend.clearAll(),
        () => backend.analyze(),
      ]
      for (const call of calls(fresh)) {
        const error = await failure(call)
        expect(error).toBeInstanceOf(NotInitializedError)
        expect(error.message).toContain('await PgvectorBackend.create(')
      }
      const backend = await create()
      await backend.initialize() // twice is fine
      await backend.close()
      await backend.close() // so is closing twice
      for (const call of [...calls(backend), () => backend.initialize()]) {
        expect(await failure(call)).toBeInstanceOf(NotInitializedError)
      }
    })
  })

  describe(`PgvectorBackend schema verification on ${engine.name}`, () => {
    const exec = (text: string) => engine.sql(text)

    it('manageSchema: false creates nothing and names what is missing', async () => {
      const before = await tableCount(engine)
      const error = await failure(() => create({ manageSchema: false }))
      expect(error).toBeInstanceOf(SchemaMismatchError)
      expect(error.message).toMatch(/does not exist|extension/)
      expect(await tableCount(engine)).toBe(before)
    })

    it('refuses a table of another dimension, metric or shape', async () => {
      await create({ table: 'shape_cosine', dim: 3, metric: 'cosine' })
      for (const manageSchema of [true, false]) {
        const base = { table: 'shape_cosine', manageSchema }
        expect(await failure(() => create({ ...base, dim: 4 }))).toBeInstanceOf(
          DimensionMismatchError,
        )
        expect(await failure(() => create({ ...base, metric: 'l2' }))).toBeInstanceOf(
          MetricMismatchError,
        )
      }
      // Without an explicit metric, the index's is adopted.
      const adopted = await create({ table: 'shape_cosine', dim: undefined, manageSchema: false })
      expect(adopted.metric).toBe('cosine')
      expect(adopted.dim).toBe(3)
      await exec(
        `CREATE TABLE ${qualified(engine, 'not_vectors')} (id text, embedding text, payload text)`,
      )
      expect(await failure(() => create({ table: 'not_vectors' }))).toBeInstanceOf(
        SchemaMismatchError,
      )
      await exec(
        `CREATE TABLE ${qualified(engine, 'no_index')} (id text PRIMARY KEY, embedding vector(3) NOT NULL, payload jsonb NOT NULL)`,
      )
      const missing = await failure(() => create({ table: 'no_index', manageSchema: false }))
      expect(missing).toBeInstanceOf(SchemaMismatchError)
      expect(missing.message).toContain('no hnsw index')
      const unindexed = await create({ table: 'no_index', manageSchema: false, index: 'none' })
      await unindexed.upsert('a', [1, 2, 3], {})
      expect(await unindexed.count({})).toBe(1)
    })
  })
}

describe('PgvectorBackend connection errors', () => {
  it('a DSN with a password against a closed port: BackendConnectionError, no password anywhere', async () => {
    const password = 's3cr3t-Pa55w0rd'
    for (const dsn of [
      `postgres://alice:${password}@127.0.0.1:1/db`,
      `postgresql://alice:${password}@no-such-host.invalid:5432/db`,
    ]) {
      const error = await failure(() => PgvectorBackend.create({ dsn }))
      expect(error).toBeInstanceOf(BackendConnectionError)
      expect(error.message).toMatch(/^initialize failed/)
      expect(error.cause).toBeInstanceOf(Error)
      expect(error.message).not.toContain(password)
      expect(inspect(error, { depth: 10 })).not.toContain(password)
    }
  })

  it('a malformed DSN is refused without echoing it', async () => {
    const error = await failure(() => PgvectorBackend.create({ dsn: 'postgres://a:s3cr3t@[bad' }))
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(inspect(error, { depth: 10 })).not.toContain('s3cr3t')
    expect(() => new PgvectorBackend({ dsn: 'mysql://x' })).toThrow(InvalidArgumentError)
  })

  it('refuses conflicting or out-of-range options in the constructor', () => {
    const bad: Parameters<typeof PgvectorBackend.create>[0][] = [
      { dsn: 'postgres://x/db', pglite: true },
      { metric: 'dot' as never },
      { dim: 0 },
      { dim: 16_001 },
      { dim: 3000, vectorType: 'vector' },
      { index: 'hnsw' },
      { index: 'btree' as never },
      { dim: 3, m: 1 },
      { efSearch: 0 },
      { efSearch: 1001 },
      { iterativeScan: 'sometimes' as never },
      { maintenanceWorkMem: "1GB'; DROP TABLE x; --" },
      { maintenanceWorkers: -1 },
      { maintenanceWorkers: 1.5 },
      { maintenanceWorkers: 65 },
      { table: 42 as never },
    ]
    for (const config of bad)
      expect(() => new PgvectorBackend(config)).toThrow(InvalidArgumentError)
  })
})
