import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { postgresForTests } from '../../setup/postgres.js'
import { appSchema, type Run, TestApp } from './test-app.js'

// The README's path for an app already on Drizzle: `vecstore init-migrations`, then its own
// drizzle-kit generate and migrate, as a deploy pipeline runs them, on a database without the
// extension; and push, which must find nothing to change the second time.
const server = await postgresForTests()
const apps: TestApp[] = []
afterAll(async () => {
  for (const app of apps) await app.remove()
  if ('stop' in server) await server.stop()
})

const CHUNKS = `export const chunks = vectorTable('chunks', { dimensions: 8, model: 'hashing-v1-8' })`

function expectOk(run: Run): string {
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
  return run.stdout
}

async function app(name: string, tables = CHUNKS): Promise<TestApp> {
  if (!('url' in server)) throw new Error('no Postgres')
  const created = await TestApp.create(server.url, name)
  apps.push(created)
  created.write('db/schema.ts', appSchema(tables))
  return created
}

// Every migration drizzle-kit generated for the app, as one text.
const migrationSql = (app: TestApp) =>
  readdirSync(join(app.dir, 'drizzle'))
    .filter((file) => file.endsWith('.sql'))
    .map((file) => readFileSync(join(app.dir, 'drizzle', file), 'utf8'))
    .join('\n')

const appliedCount = async (app: TestApp) =>
  (await app.sql('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations'))[0]?.['n']

if ('skip' in server) {
  describe.skip(`drizzle-kit deploys (skipped: ${server.skip})`, () =>
    it('needs Postgres', () => {}))
} else {
  describe('drizzle-kit migrations with vectorTable()', () => {
    it('a fresh app: init-migrations, generate, migrate succeed on the first try', async () => {
      const fresh = await app('fresh')
      expect(expectOk(fresh.vecstore('init-migrations'))).toContain(
        'wrote drizzle/0000_enable_pgvector.sql',
      )
      expectOk(fresh.drizzleKit('generate'))
      expectOk(fresh.drizzleKit('migrate'))
      expect(await fresh.sql(`SELECT extname FROM pg_extension WHERE extname = 'vector'`)).toEqual([
        { extname: 'vector' },
      ])
      expect(await fresh.sql(`SELECT to_regclass('chunks')::text AS t`)).toEqual([{ t: 'chunks' }])
      expect(expectOk(fresh.drizzleKit('generate'))).toContain('No schema changes')
      expect(expectOk(fresh.drizzleKit('check'))).toContain("Everything's fine")
      expect(expectOk(fresh.vecstore('init-migrations'))).toContain('nothing to do')
    })

    it('an app with migrations: init-migrations puts the extension first, for new and old databases', async () => {
      const existing = await app('existing')
      expectOk(existing.drizzleKit('generate'))
      // A database migrated before, the extension created by hand: it must not notice the change.
      await existing.sql('CREATE EXTENSION vector')
      expectOk(existing.drizzleKit('migrate'))
      const fresh = await app('existing_fresh')
      fresh.write('drizzle.config.ts', existingConfig(existing))
      const failed = fresh.drizzleKit('migrate')
      expect(failed.status).toBe(1)

      expect(expectOk(existing.vecstore('init-migrations'))).toContain(
        '1 existing migration moved up one number',
      )
      expectOk(fresh.drizzleKit('migrate'))
      expect(await appliedCount(fresh)).toBe(2)
      expectOk(existing.drizzleKit('migrate'))
      expect(await appliedCount(existing)).toBe(1)
      expect(expectOk(existing.drizzleKit('generate'))).toContain('No schema changes')
      expect(expectOk(existing.drizzleKit('check'))).toContain("Everything's fine")
    })

    it('push twice and generate twice: nothing to change the second time', async () => {
      const pushed = await app(
        'push',
        `${CHUNKS}
export const pages = vectorTable('pages', { dimensions: 4, metric: 'l2', index: 'ivfflat', lists: 10, m: 32 })
export const tuned = vectorTable('tuned', { dimensions: 4, metric: 'ip', m: 24, efConstruction: 100 })
export const texts = vectorTable('texts', { dimensions: 4, fullText: { source: 'body', language: 'english' } })
export const binary = vectorTable('binary', { dimensions: 16, metric: 'l2', quantization: 'binary' })`,
      )
      await pushed.sql('CREATE EXTENSION vector')
      expect(expectOk(pushed.drizzleKit('push', '--force'))).toContain('Changes applied')
      const again = expectOk(pushed.drizzleKit('push', '--force', '--verbose'))
      expect(again).toContain('No changes detected')
      expect(again).not.toContain('DROP INDEX')
      expectOk(pushed.drizzleKit('generate'))
      expect(expectOk(pushed.drizzleKit('generate'))).toContain('No schema changes')
      // The full-text column and its GIN index, as generated and as pushed.
      expect(migrationSql(pushed)).toContain(
        `"fulltext" "tsvector" GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE((payload ->> 'body'::text), ''::text))) STORED`,
      )
      expect(migrationSql(pushed)).toContain(
        `"texts_fulltext_idx" ON "texts" USING gin ("fulltext")`,
      )
      const [column] = await pushed.sql(
        `SELECT pg_get_expr(d.adbin, d.adrelid) AS expr FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'texts'::regclass AND a.attname = 'fulltext'`,
      )
      expect(column?.['expr']).toContain("to_tsvector('english'::regconfig")
      const doctor = pushed.vecstore('doctor', pushed.url, '--schema', 'db/schema.ts')
      expect(doctor.stdout).toMatch(
        /^ok: table "binary", table "chunks", table "pages", table "texts", table "tuned"; pgvector/m,
      )
    })
  })
}

// A second app on the first one's migrations folder and schema, with its own database.
function existingConfig(existing: TestApp): string {
  return `import { defineConfig } from 'drizzle-kit'
export default defineConfig({
  dialect: 'postgresql',
  schema: '${existing.dir}/db/schema.ts',
  out: '${existing.dir}/drizzle',
  dbCredentials: { url: process.env.DATABASE_URL! },
})
`
}
