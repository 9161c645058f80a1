import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest'
import { PgvectorBackend } from '../../../src/pgvector/index.js'
import { postgresForTests } from '../../setup/postgres.js'
import { makeTempDir } from '../../setup/temp-dir.js'
import { authors, type DocPayload, docChunks } from './schema.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const config = 'test/integration/drizzle-app/drizzle.config.ts'
const server = await postgresForTests()

// Only with a server: a skipped describe still runs its body to collect tests.
if ('url' in server) describeApp(server.url, server.stop)

function describeApp(base: string, stopServer: () => Promise<void>): void {
  describe('an app on Drizzle + Postgres adopts vectorTable()', () => {
    const database = `vecstore_app_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    const url = base.replace(/\/[^/?]*(\?|$)/, `/${database}$1`)
    const out = makeTempDir('vecstore-app-migrations-')
    const pool = new pg.Pool({ connectionString: url, max: 3 })
    const db = drizzle({ client: pool })
    afterAll(async () => {
      await pool.end()
      const admin = new pg.Client({ connectionString: base })
      await admin.connect()
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
      await admin.end()
      out.cleanup()
      await stopServer()
    })

    const drizzleKit = (...args: string[]) =>
      execFileSync(
        process.execPath,
        ['node_modules/drizzle-kit/bin.cjs', ...args, `--config=${config}`],
        {
          cwd: root,
          encoding: 'utf8',
          // drizzle-kit joins `out` to './': give it a relative path.
          env: { ...process.env, DATABASE_URL: url, DRIZZLE_APP_OUT: relative(root, out.dir) },
        },
      )

    it("the app's drizzle-kit generates its migrations, extension first", async () => {
      const admin = new pg.Client({ connectionString: base })
      await admin.connect()
      await admin.query(`CREATE DATABASE "${database}"`)
      await admin.end()
      drizzleKit('generate', '--custom', '--name=enable_pgvector')
      const [custom] = readdirSync(out.dir).filter((file) => file.endsWith('.sql'))
      writeFileSync(join(out.dir, custom as string), 'CREATE EXTENSION IF NOT EXISTS vector;\n')
      drizzleKit('generate', '--name=schema')
      const files = readdirSync(out.dir)
        .filter((file) => file.endsWith('.sql'))
        .sort()
      expect(files).toEqual(['0000_enable_pgvector.sql', '0001_schema.sql'])
      const generated = readFileSync(join(out.dir, '0001_schema.sql'), 'utf8')
      expect(generated).toContain('"embedding" vector(3) NOT NULL')
      expect(generated).toContain(
        'CREATE INDEX "doc_chunks_embedding_idx" ON "doc_chunks" USING hnsw ("embedding" vector_cosine_ops) WITH (m=16,ef_construction=64);',
      )
      expect(generated).toContain(
        'CREATE INDEX "doc_chunks_payload_idx" ON "doc_chunks" USING gin ("payload" jsonb_path_ops);',
      )
      expect(drizzleKit('generate')).toContain('No schema changes')
    })

    it("drizzle-kit migrate applies them to a fresh database, in the app's own migrations table", async () => {
      drizzleKit('migrate')
      const { rows } = await pool.query(
        'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
      )
      expect(rows).toEqual([{ n: 2 }])
      const { rows: vecstore } = await pool.query(
        `SELECT to_regclass('vecstore.__vecstore_migrations') AS t`,
      )
      expect(vecstore).toEqual([{ t: null }])
    })

    it('writes through PgvectorBackend and reads the payload back with typed Drizzle queries', async () => {
      const backend = await PgvectorBackend.create({ db, table: docChunks, manageSchema: false })
      expect(backend.metric).toBe('cosine')
      await backend.upsertMany([
        { id: 'doc-1#0', vector: [1, 0, 0], payload: { title: 'Intro', lang: 'en', page: 1 } },
        { id: 'doc-1#1', vector: [0.9, 0.1, 0], payload: { title: 'Intro', lang: 'en', page: 2 } },
        { id: 'doc-2#0', vector: [0, 1, 0], payload: { title: 'Résumé', lang: 'fr', page: 1 } },
      ])
      await db.insert(authors).values({ id: 'ada', name: 'Ada', books: 2 })

      const rows = await db.select().from(docChunks).where(eq(docChunks.id, 'doc-2#0'))
      expectTypeOf(rows[0]!.payload).toEqualTypeOf<DocPayload>()
      expectTypeOf<(typeof docChunks.$inferSelect)['payload']>().toEqualTypeOf<DocPayload>()
      expectTypeOf<typeof docChunks.$inferInsert>().toHaveProperty('embedding')
      expect(rows[0]?.payload).toEqual({ title: 'Résumé', lang: 'fr', page: 1 })
      expect(rows[0]?.embedding).toEqual([0, 1, 0])

      const english = await db
        .select({ id: docChunks.id, page: sql<number>`(${docChunks.payload}->>'page')::int` })
        .from(docChunks)
        .where(sql`${docChunks.payload} @> ${JSON.stringify({ lang: 'en' })}::jsonb`)
        .orderBy(docChunks.id)
      expect(english).toEqual([
        { id: 'doc-1#0', page: 1 },
        { id: 'doc-1#1', page: 2 },
      ])

      // A row the app writes with Drizzle is found by the backend, and the reverse.
      await db.insert(docChunks).values({
        id: 'doc-3#0',
        embedding: [0, 0, 1],
        payload: { title: 'Appendix', lang: 'en', page: 9 },
      })
      const [hit] = await backend.search([0, 0, 1], 1, { lang: 'en' })
      expect(hit).toMatchObject({ id: 'doc-3#0', payload: { title: 'Appendix', page: 9 } })
      expect(hit?.score).toBeCloseTo(1, 6)
      expect((await backend.explain([0, 0, 1], 1, {})).vectorIndex).toBe('doc_chunks_embedding_idx')
      await backend.close()
      // The app's pool is still the app's.
      expect((await pool.query('SELECT count(*)::int AS n FROM authors')).rows).toEqual([{ n: 1 }])
    })
  })
}

if ('skip' in server) {
  describe.skip(`an app on Drizzle + Postgres (skipped: ${server.skip})`, () => {
    it('needs Postgres', () => {})
  })
}
