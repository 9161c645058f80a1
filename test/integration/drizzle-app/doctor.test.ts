import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresForTests } from '../../setup/postgres.js'
import { appSchema, type Run, TestApp } from './test-app.js'

// `vecstore doctor` in a deploy pipeline: one line per drift with its fix and exit code 1, "ok"
// and exit code 0 on a healthy database. Each drift is seeded by hand, then repaired with the
// very fix doctor printed.
const server = await postgresForTests()
let app: TestApp
let healthy: string

const doctor = (...extra: string[]): Run =>
  app.vecstore('doctor', app.url, '--schema', 'db/schema.ts', ...extra)

/** The error lines of a doctor run that failed. */
function errors(run: Run): string[] {
  expect(run.status, run.stderr).toBe(1)
  return run.stdout.split('\n').filter((line) => line.startsWith('error: '))
}

/** The statement after "Fix: " in a doctor line. */
const fixOf = (line: string) => line.slice(line.indexOf('Fix: ') + 'Fix: '.length)

if ('skip' in server) {
  describe.skip(`vecstore doctor (skipped: ${server.skip})`, () => it('needs Postgres', () => {}))
} else {
  beforeAll(async () => {
    app = await TestApp.create(server.url, 'doctor')
    app.write(
      'db/schema.ts',
      appSchema(
        `export const chunks = vectorTable('chunks', { dimensions: 8, model: 'hashing-v1-8' })`,
      ),
    )
    app.vecstore('init-migrations')
    app.drizzleKit('generate')
  })
  afterAll(async () => {
    await app?.remove()
    await server.stop()
  })

  describe('vecstore doctor', () => {
    it('reports a database without the extension in one line', () => {
      const [line, ...more] = errors(doctor())
      expect(more).toEqual([])
      expect(line).toBe(
        'error: database: the pgvector extension is not installed, and drizzle-kit never creates it (its migrations fail with: type "vector" does not exist). Fix: CREATE EXTENSION IF NOT EXISTS vector; as your first migration: npx vecstore init-migrations',
      )
    })

    it('says ok once migrated and the model recorded as it suggests', () => {
      expect(app.drizzleKit('migrate').status).toBe(0)
      const first = doctor()
      expect(first.status).toBe(0)
      const [warning] = first.stdout.split('\n').filter((line) => line.startsWith('warning: '))
      expect(warning).toContain('records no embedding model')
      // The fix, as a custom migration: every database gets the record from the pipeline.
      app.drizzleKit('generate', '--custom', '--name=record_model')
      app.write('drizzle/0002_record_model.sql', `${fixOf(warning!).replace(/^.*?: /, '')}\n`)
      expect(app.drizzleKit('migrate').status).toBe(0)
      const ok = doctor()
      expect(ok.status).toBe(0)
      expect(ok.stdout).toMatch(/^ok: table "chunks"; pgvector \d+\.\d+\.\d+\n$/)
      healthy = ok.stdout
    })

    // [drift, how it is seeded, the line doctor prints, how it is repaired: its own fix, or SQL]
    const drifts: [string, string, RegExp, 'fix' | string][] = [
      [
        'a missing vector index',
        'DROP INDEX chunks_embedding_idx',
        /has no hnsw index on embedding: every search scans all rows\. Fix: CREATE INDEX/,
        'fix',
      ],
      [
        'a wrong operator class',
        `DROP INDEX chunks_embedding_idx; CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)`,
        /index "chunks_embedding_idx" uses vector_l2_ops \(metric l2\), the schema declares vector_cosine_ops \(metric cosine\)\. Fix: DROP INDEX/,
        'fix',
      ],
      [
        'wrong index options',
        `DROP INDEX chunks_embedding_idx; CREATE INDEX chunks_embedding_idx ON chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 32)`,
        /index "chunks_embedding_idx" has m=32, the schema declares m=16\. Fix: DROP INDEX/,
        'fix',
      ],
      [
        'another embedding model',
        `COMMENT ON COLUMN chunks.embedding IS 'vecstore {"metric":"cosine","dimensions":8,"model":"text-embedding-3-small"}'`,
        /holds vectors of embedding model 'text-embedding-3-small', the schema declares 'hashing-v1-8'\. Fix: declare a new table beside it/,
        `COMMENT ON COLUMN chunks.embedding IS 'vecstore {"metric":"cosine","dimensions":8,"model":"hashing-v1-8"}'`,
      ],
    ]
    for (const [name, seed, expected, repair] of drifts) {
      it(`reports ${name} in one line`, async () => {
        await app.sql(seed)
        const [line, ...more] = errors(doctor())
        expect(more).toEqual([])
        expect(line).toMatch(expected)
        await app.sql(repair === 'fix' ? fixOf(line!) : repair)
        expect(doctor().stdout).toBe(healthy)
      })
    }

    it('reports a missing table and a wrong dimension in one line each', async () => {
      await app.sql('ALTER TABLE chunks RENAME TO chunks_elsewhere')
      const [missing, ...more] = errors(doctor())
      expect(more).toEqual([])
      expect(missing).toMatch(/^error: table "chunks": does not exist\. Fix: apply your migrations/)
      await app.sql('ALTER TABLE chunks_elsewhere RENAME TO chunks')
      app.write(
        'db/schema-16.ts',
        appSchema(
          `export const chunks = vectorTable('chunks', { dimensions: 16, model: 'hashing-v1-8' })`,
        ),
      )
      const run = app.vecstore('doctor', app.url, '--schema', 'db/schema-16.ts')
      const [dimension, ...others] = errors(run)
      expect(others).toEqual([])
      expect(dimension).toMatch(
        /^error: table "chunks": embedding is vector\(8\) but the schema declares vector\(16\)\. Fix: declare a new table beside it in your schema, fill it with vecstore reembed/,
      )
      expect(doctor().stdout).toBe(healthy)
    })
  })
}
