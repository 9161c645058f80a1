import { afterAll, describe, expect, it } from 'vitest'
import { SchemaMismatchError } from '../../src/index.js'
import { PgvectorBackend, resolveView, switchView } from '../../src/pgvector/index.js'
import { type TestEngine, testEngines } from '../setup/postgres-engines.js'

// The switch step of a re-embedding: a view readers read, pointed at another vector table in one
// transaction, and what a reader learns from it (the table, its model and dimension).
const { engines, skipped } = await testEngines('pgv_live_view')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

for (const engine of engines) {
  const schema = engine.schema ?? 'public'
  const inSchema = engine.schema === undefined ? {} : { schema: engine.schema }
  const table = async (name: string, dim: number, model: string) => {
    const backend = await PgvectorBackend.create({
      db: engine.db,
      table: name,
      dim,
      model,
      ...inSchema,
    })
    await backend.upsert('a', new Array(dim).fill(1), { content: name })
    await backend.close()
  }

  describe(`switchView and resolveView on ${engine.name}`, () => {
    it('create the view, then switch it to another table; readers learn table and model', async () => {
      await table('docs_v1', 3, 'model-a')
      await table('docs_v2', 5, 'model-b')
      const first = await switchView(engine.db, {
        view: 'docs_live',
        table: 'docs_v1',
        ...inSchema,
      })
      expect(first.previous).toBeUndefined()
      expect(await resolveView(engine.db, 'docs_live', inSchema)).toEqual({
        schema,
        table: 'docs_v1',
        model: 'model-a',
        dimensions: 3,
        metric: 'cosine',
      })
      const second = await switchView(engine.db, {
        view: 'docs_live',
        table: 'docs_v2',
        ...inSchema,
      })
      expect(second.previous?.table).toBe('docs_v1')
      expect(await resolveView(engine.db, 'docs_live', inSchema)).toMatchObject({
        table: 'docs_v2',
        model: 'model-b',
        dimensions: 5,
      })
      const rows = await engine.sql(`SELECT payload FROM ${qualified(engine, 'docs_live')}`)
      expect(rows).toEqual([{ payload: { content: 'docs_v2' } }])
    })

    it('refuse a name that is not a view, a table that is not a vector table, a missing view', async () => {
      await engine.sql(`CREATE TABLE ${qualified(engine, 'plain')} (id text)`)
      await expect(
        switchView(engine.db, { view: 'plain', table: 'docs_v1', ...inSchema }),
      ).rejects.toThrow(/is not a view: switchView only replaces a view/)
      await expect(
        switchView(engine.db, { view: 'docs_live', table: 'plain', ...inSchema }),
      ).rejects.toThrow(/is not a vector table/)
      await expect(resolveView(engine.db, 'nowhere', inSchema)).rejects.toBeInstanceOf(
        SchemaMismatchError,
      )
      expect((await resolveView(engine.db, 'docs_live', inSchema)).table).toBe('docs_v2')
    })

    if (engine.url !== undefined) {
      it('resolve to a whole table while switches commit, never to nothing', async () => {
        await switchView(engine.db, { view: 'docs_live', table: 'docs_v1', ...inSchema })
        let stop = false
        const failures: unknown[] = []
        let reads = 0
        const readers = [0, 1, 2].map(async () => {
          while (!stop) {
            try {
              const { table, model } = await resolveView(engine.db, 'docs_live', inSchema)
              if (model !== (table === 'docs_v1' ? 'model-a' : 'model-b')) failures.push(table)
              reads++
            } catch (error) {
              failures.push(error)
            }
          }
        })
        for (let i = 0; i < 200; i++) {
          const table = i % 2 === 0 ? 'docs_v2' : 'docs_v1'
          await switchView(engine.db, { view: 'docs_live', table, ...inSchema })
        }
        stop = true
        await Promise.all(readers)
        expect(failures).toEqual([])
        expect(reads).toBeGreaterThan(200)
      })

      it('carry the grants of the view over to the new one', async () => {
        const role = `vecstore_reader_${process.pid}`
        await engine.sql(`CREATE ROLE ${role}`)
        try {
          await engine.sql(`GRANT SELECT ON ${qualified(engine, 'docs_live')} TO ${role}`)
          await switchView(engine.db, { view: 'docs_live', table: 'docs_v1', ...inSchema })
          const [row] = await engine.sql(
            `SELECT has_table_privilege('${role}', '${qualified(engine, 'docs_live')}', 'SELECT') AS ok`,
          )
          expect(row?.['ok']).toBe(true)
        } finally {
          await engine.sql(`DROP VIEW ${qualified(engine, 'docs_live')}`)
          await engine.sql(`DROP ROLE ${role}`)
        }
      })
    }
  })
}

function qualified(engine: TestEngine, name: string): string {
  return engine.schema === undefined ? `"${name}"` : `"${engine.schema}"."${name}"`
}
