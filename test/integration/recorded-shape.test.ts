import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InMemoryVectorBackend,
  MetricMismatchError,
  SchemaMismatchError,
} from '../../src/index.js'
import { PgvectorBackend, vectorTable } from '../../src/pgvector/index.js'
import { type TestEngine, testEngines } from '../setup/postgres-engines.js'
import { makeTempDir } from '../setup/temp-dir.js'

// The metric and dimension an index was made with stay with it, whether or not it has a vector
// index, and a table made without a dimension can take one later.
const { engines, skipped } = await testEngines('pgv_recorded')
const temp = makeTempDir('vecstore-recorded-')
afterAll(async () => {
  for (const engine of engines) await engine.close()
  temp.cleanup()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

for (const engine of engines) {
  let tables = 0
  const open = (table: string, options: Record<string, unknown> = {}) =>
    PgvectorBackend.create({ db: engine.db, schema: engine.schema, table, ...options })

  describe(`pgvector tables on ${engine.name}`, () => {
    for (const layout of [{ index: 'none', dim: 3 }, {}] as const) {
      it(`record their metric without a vector index (${JSON.stringify(layout)})`, async () => {
        const table = `metric_${tables++}`
        const first = await open(table, { metric: 'l2', ...layout })
        await first.upsert('a', [1, 2, 2], {})
        await first.close()
        await expect(open(table, { metric: 'ip' })).rejects.toBeInstanceOf(MetricMismatchError)
        const reopened = await open(table)
        expect(reopened.metric).toBe('l2')
        expect((await reopened.search([1, 2, 2], 1, {}))[0]?.score).toBeCloseTo(1, 6)
        await reopened.close()
      })
    }

    it('type an untyped column with the dimension its rows have, then index it', async () => {
      const table = `untyped_${tables++}`
      const untyped = await open(table)
      await untyped.upsert('a', [1, 0, 0], { k: 1 })
      await untyped.upsert('b', [0, 1, 0], { k: 2 })
      await untyped.close()
      await expect(open(table, { dim: 4 })).rejects.toBeInstanceOf(DimensionMismatchError)
      await expect(open(table, { dim: 3, manageSchema: false })).rejects.toThrow(
        /ALTER TABLE .* ALTER COLUMN "embedding" TYPE vector\(3\)/,
      )
      const typed = await open(table, { dim: 3 })
      expect(typed.dim).toBe(3)
      expect((await typed.stats()).kind).toBe('hnsw')
      expect((await typed.search([1, 0, 0], 2, {})).map((hit) => hit.id)).toEqual(['a', 'b'])
      await typed.close()
    })

    it('record their embedding model and dimension, and refuse another model', async () => {
      const table = `model_${tables++}`
      const where = `table ${qualifiedName(engine, table)}`
      const first = await open(table, { dim: 3, model: 'model-a' })
      expect(first.model).toBe('model-a')
      await first.upsert('a', [1, 2, 2], {})
      await expect(first.upsert('b', [1, 2], {})).rejects.toThrow(
        `${where} holds vectors of 3 dimensions, got 2`,
      )
      await first.close()
      const [record] = await engine.sql(`SELECT col_description(to_regclass($1), 2) AS "comment"`, [
        qualifiedName(engine, table),
      ])
      expect(record?.['comment']).toBe(
        'vecstore {"metric":"cosine","dimensions":3,"model":"model-a"}',
      )
      await expect(open(table, { model: 'model-b' })).rejects.toMatchObject({
        code: 'EMBEDDING_MODEL_MISMATCH',
        where,
        stored: 'model-a',
        requested: 'model-b',
      })
      await expect(open(table, { dim: 4 })).rejects.toThrow(
        `${where} holds vectors of 3 dimensions, got 4: another dimension or model needs a new table`,
      )
      const declared = vectorTable(table, {
        dimensions: 3,
        model: 'model-b',
        ...(engine.schema !== undefined && { schema: engine.schema }),
      })
      await expect(
        PgvectorBackend.create({ db: engine.db, table: declared, manageSchema: false }),
      ).rejects.toBeInstanceOf(EmbeddingModelMismatchError)
      const reopened = await open(table)
      expect(reopened.model).toBe('model-a')
      expect((await reopened.stats()).model).toBe('model-a')
      await reopened.close()
    })

    it('refuse to type a column whose rows have several dimensions', async () => {
      const table = `mixed_${tables++}`
      await open(table)
      await engine.sql(
        `INSERT INTO ${qualifiedName(engine, table)} VALUES ('a', '[1,2]', '{}'), ('b', '[1,2,3]', '{}')`,
      )
      await expect(open(table, { dim: 3 })).rejects.toBeInstanceOf(SchemaMismatchError)
    })
  })
}

function qualifiedName(engine: TestEngine, table: string): string {
  return engine.schema === undefined ? `"${table}"` : `"${engine.schema}"."${table}"`
}

describe('original-layout snapshots', () => {
  it('record their metric on first open, before any compaction', async () => {
    const path = join(temp.dir, 'original.json')
    writeFileSync(path, JSON.stringify({ vectors: { a: [1, 2] }, payloads: { a: { t: 1 } } }))
    const first = new InMemoryVectorBackend({ snapshotPath: path, metric: 'l2' })
    await first.close()
    expect(() => new InMemoryVectorBackend({ snapshotPath: path, metric: 'ip' })).toThrow(
      MetricMismatchError,
    )
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(reopened.metric).toBe('l2')
    expect(await reopened.listWhere({}, 10)).toEqual([{ id: 'a', payload: { t: 1 } }])
    await reopened.close()
  })
})

describe('the vecstore command and the default table', () => {
  const bin = new URL('../../bin/vecstore.js', import.meta.url).pathname
  const vecstore = (...args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args], { cwd: temp.dir })

  it('migrate then copy, and copy then migrate, both work', async () => {
    const source = join(temp.dir, 'source.json')
    const backend = new InMemoryVectorBackend({ snapshotPath: source, metric: 'l2' })
    await backend.upsert('a', [1, 2, 3], { n: 1 })
    await backend.close()
    for (const order of [
      ['migrate', 'copy'],
      ['copy', 'migrate'],
    ]) {
      const target = `pglite:${join(temp.dir, order.join('-'))}`
      for (const step of order) {
        if (step === 'migrate') await vecstore('migrate', target)
        else await vecstore('copy', '--from', source, '--to', target)
      }
      const { stdout } = await vecstore('stats', target, '--json')
      expect(JSON.parse(stdout)).toMatchObject({
        count: 1,
        dimensions: 3,
        metric: 'l2',
        index: 'hnsw',
      })
    }
  }, 120_000)
})
