import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api'
import { index, integer, real } from 'drizzle-orm/pg-core'
import { afterAll, describe, expect, it } from 'vitest'
import { referenceScore } from '../../src/core/metric.js'
import { compareIds } from '../../src/index.js'
import { PgvectorBackend, vectorTable } from '../../src/pgvector/index.js'
import { nativeEngine } from '../setup/postgres-engines.js'

// When a filtered search skips the vector index: a filter the planner expects to match at most
// max(5000, 5·√(topK·rows)) rows through an index of its own. A native table of 24,000 rows whose
// app column `cat` holds 4 runs of 6,000 rows (so the planner reads them through its btree).
const ROWS = 24_000
const DIM = 4
const PER_CATEGORY = 6_000

const engine = await nativeEngine('pgv_exact_path')
afterAll(async () => {
  if (!('skip' in engine)) await engine.close()
})

interface Item {
  cat: number
  distance: number
  note: string
}

// Float32 values, as stored: the expected scores are then exactly the backend's.
function vectorOf(i: number): number[] {
  return Array.from({ length: DIM }, (_, d) => Math.fround(Math.sin(i * (d + 1) * 0.37 + d)))
}

if ('skip' in engine) {
  describe.skip(`native Postgres (skipped: ${engine.skip})`, () => it('needs Postgres', () => {}))
} else {
  describe(`the exact path for filters the planner finds through an index (${engine.name})`, () => {
    // `distance` is an app column too: the exact pass's own distance must not clash with it.
    const columns = { cat: integer('cat'), distance: real('distance') }
    const itemsTable = (covering: boolean) =>
      vectorTable<Item, typeof columns>(
        'items',
        {
          dimensions: DIM,
          metric: 'l2',
          ...(engine.schema !== undefined && { schema: engine.schema }),
        },
        columns,
        (t) => [
          covering
            ? // Holds every column the exact pass scans, so it reads no table page. `vector_ops`
              // is pgvector's btree operator class (drizzle-kit asks for one on a vector column).
              index('items_cat_cover').on(t.cat, t.embedding.op('vector_ops'), t.id)
            : index('items_cat_idx').on(t.cat),
        ],
      )
    const items = itemsTable(false)
    const records = Array.from({ length: ROWS }, (_, i) => ({
      id: `r${String(i).padStart(5, '0')}`,
      vector: vectorOf(i),
      payload: { cat: Math.floor(i / PER_CATEGORY), distance: i / 2, note: `n${i % 7}` },
    }))
    const query = vectorOf(123_457)
    let backend: PgvectorBackend<Item>

    it('loads the table drizzle-kit generates', async () => {
      const statements = await generateMigration(
        generateDrizzleJson({}),
        generateDrizzleJson({ items }),
      )
      for (const statement of statements) await engine.sql(statement)
      backend = await PgvectorBackend.create({ db: engine.db, table: items, manageSchema: false })
      await backend.upsertMany(records)
      await engine.sql(`ANALYZE ${engine.schema === undefined ? '' : `"${engine.schema}".`}"items"`)
    })

    it('top 10 of 6,000 matching rows scans HNSW; top 100 of them is exact through the btree', async () => {
      // 6,000 > max(5000, 5·√(10·24,000) = 2,449): the index path, an iterative scan (whether
      // the planner then serves it from HNSW is its own choice).
      const iterative = ['hnsw.iterative_scan', 'strict_order']
      const few = await backend.explain(query, 10, { cat: 2 })
      expect(few.settings, few.text).toContainEqual(iterative)
      // 6,000 <= 5·√(100·24,000) = 7,746: the exact path, through the column's btree.
      const many = await backend.explain(query, 100, { cat: 2 })
      expect(many.settings).toEqual([])
      expect(many.usesVectorIndex, many.text).toBe(false)
      expect(many.text).toContain('items_cat_idx')
      // A fixed exactFilterRows is the limit, whatever the table's size.
      const fixed = await backend.explain(query, 100, { cat: 2 }, { exactFilterRows: 5000 })
      expect(fixed.settings, fixed.text).toContainEqual(iterative)
    })

    // The exact top 100 of category 2, with their payloads and reference scores.
    const expectExactTop = async () => {
      const hits = await backend.search(query, 100, { cat: 2 })
      const expected = records
        .filter((record) => record.payload.cat === 2)
        .map((record) => ({ record, score: referenceScore('l2', query, record.vector) }))
        .sort((a, b) => b.score - a.score || compareIds(a.record.id, b.record.id))
        .slice(0, 100)
      expect(hits.map((hit) => hit.id)).toEqual(expected.map(({ record }) => record.id))
      expect(hits.map((hit) => hit.payload)).toEqual(expected.map(({ record }) => record.payload))
      expect(hits.map((hit) => hit.score)).toEqual(expected.map(({ score }) => score))
    }

    it('the exact path returns the exact top k, app columns merged into the payloads', async () => {
      await expectExactTop()
    })

    it('a btree on (cat, embedding, id) answers the exact pass from the index alone', async () => {
      const statements = await generateMigration(
        generateDrizzleJson({ items }),
        generateDrizzleJson({ items: itemsTable(true) }),
      )
      expect(statements.join('\n')).toContain('items_cat_cover')
      for (const statement of statements) await engine.sql(statement)
      // Index-only scans skip the table for pages VACUUM marked all-visible.
      await engine.sql(
        `VACUUM ANALYZE ${engine.schema === undefined ? '' : `"${engine.schema}".`}"items"`,
      )
      const plan = await backend.explain(query, 100, { cat: 2 })
      expect(plan.usesVectorIndex, plan.text).toBe(false)
      expect(plan.text, plan.text).toMatch(/Index Only Scan using items_cat_cover/)
      await expectExactTop()
    })
  })
}
