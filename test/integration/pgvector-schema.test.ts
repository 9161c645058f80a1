import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api'
import { drizzle } from 'drizzle-orm/postgres-js'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import {
  migrate,
  migrationsSchema,
  migrationsTable,
  PgvectorBackend,
  vectorTable,
  type TableLayoutOptions,
} from '../../src/pgvector/index.js'
import { SchemaMismatchError } from '../../src/index.js'
import { type TestEngine, testEngines } from '../setup/postgres-engines.js'

const { engines, skipped } = await testEngines('pgv_schema')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

const LAYOUTS: [string, TableLayoutOptions][] = [
  ['defaults_3d', { dimensions: 3 }],
  ['untyped', {}],
  ['halfvec_3000', { dimensions: 3000 }],
  ['ivf_ip', { dimensions: 8, metric: 'ip', index: 'ivfflat', lists: 7 }],
  [
    'tuned_l2',
    {
      dimensions: 4,
      metric: 'l2',
      m: 8,
      efConstruction: 32,
      timestamps: true,
      payloadIndex: false,
    },
  ],
]

/** Everything about a table that a migration defines, with the schema name taken out. */
async function describeTable(engine: TestEngine, schema: string, table: string) {
  const name = `"${schema}"."${table}"`
  const columns = await engine.sql(
    `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
            pg_get_expr(d.adbin, d.adrelid) AS "default"
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [name],
  )
  const indexes = await engine.sql(
    `SELECT indexname, replace(indexdef, $2, 'S') AS def FROM pg_indexes
      WHERE schemaname = $1 AND tablename = $3 ORDER BY indexname`,
    [schema, `${schema}.`, table],
  )
  const constraints = await engine.sql(
    `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE conrelid = to_regclass($1) ORDER BY conname`,
    [name],
  )
  return { columns, indexes, constraints }
}

for (const engine of engines) {
  describe(`vectorTable() and initialize() on ${engine.name}`, () => {
    it('initialize() creates exactly the table drizzle-kit generates from vectorTable()', async () => {
      const base = engine.schema ?? 'pgv'
      const [kit, runtime] = [`${base}_kit`, `${base}_rt`]
      // What a migration 0000 does: drizzle-kit's own output never creates the extension.
      await engine.sql(`CREATE EXTENSION IF NOT EXISTS vector`)
      await engine.sql(`CREATE SCHEMA "${kit}"`)
      await engine.sql(`CREATE SCHEMA "${runtime}"`)
      try {
        for (const [table, options] of LAYOUTS) {
          const declared = vectorTable(table, { ...options, schema: kit })
          const statements = await generateMigration(
            generateDrizzleJson({}),
            generateDrizzleJson({ declared }),
          )
          for (const statement of statements) await engine.sql(statement)
          const { dimensions, ...rest } = options
          const backend = await PgvectorBackend.create({
            db: engine.db,
            schema: runtime,
            table,
            dim: dimensions,
            ...rest,
          })
          await backend.close()
          expect(await describeTable(engine, runtime, table), table).toEqual(
            await describeTable(engine, kit, table),
          )
          // And the backend accepts the migrated table without running any DDL.
          const verified = await PgvectorBackend.create({
            db: engine.db,
            table: declared,
            manageSchema: false,
          })
          await verified.upsert(
            'a',
            Array.from({ length: dimensions ?? 5 }, (_, i) => i + 1),
            {
              ok: true,
            },
          )
          expect(await verified.count({ ok: true })).toBe(1)
          await verified.close()
        }
      } finally {
        await engine.sql(`DROP SCHEMA "${kit}" CASCADE`)
        await engine.sql(`DROP SCHEMA "${runtime}" CASCADE`)
      }
    })

    it('a table object carries its layout: metric from the opclass, timestamps maintained', async () => {
      const table = vectorTable<{ title: string }, Record<never, never>, true>('stamped', {
        dimensions: 2,
        metric: 'ip',
        timestamps: true,
        ...(engine.schema === undefined ? {} : { schema: engine.schema }),
      })
      const backend = await PgvectorBackend.create({ db: engine.db, table })
      expect(backend.metric).toBe('ip')
      expect(backend.dim).toBe(2)
      await backend.upsert('a', [1, 2], { title: 'first' })
      const before = await engine.sql(
        `SELECT created_at, updated_at FROM ${name(engine, 'stamped')}`,
      )
      await new Promise((resolve) => setTimeout(resolve, 20))
      await backend.upsert('a', [2, 1], { title: 'second' })
      const after = await engine.sql(
        `SELECT created_at, updated_at FROM ${name(engine, 'stamped')}`,
      )
      expect(after[0]?.['created_at']).toEqual(before[0]?.['created_at'])
      expect(new Date(after[0]?.['updated_at'] as string).getTime()).toBeGreaterThan(
        new Date(before[0]?.['updated_at'] as string).getTime(),
      )
      expect(() => new PgvectorBackend({ db: engine.db, table, metric: 'l2' })).toThrow(
        /built for 'ip'/,
      )
      await backend.close()
    })

    it('an untyped table takes its dimension from the first write, also after a restart', async () => {
      const options = { db: engine.db, schema: engine.schema, table: 'untyped_dims' }
      const first = await PgvectorBackend.create(options)
      expect(first.dim).toBeUndefined()
      await first.upsert('a', [1, 2, 3, 4, 5], {})
      expect(first.dim).toBe(5)
      await first.close()
      const second = await PgvectorBackend.create(options)
      expect(second.dim).toBe(5)
      expect((await second.search([1, 2, 3, 4, 5], 1, {}))[0]?.id).toBe('a')
      await second.close()
    })

    it('a halfvec table refuses values half precision cannot hold', async () => {
      const backend = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: 'half',
        dim: 4,
        vectorType: 'halfvec',
      })
      await backend.upsert('ok', [65504, -65504, 0.5, 1], {})
      await expect(backend.upsert('big', [65505, 0, 0, 1], {})).rejects.toThrow(/halfvec/)
      expect(await backend.count({})).toBe(1)
      await backend.close()
    })
  })
}

function name(engine: TestEngine, table: string): string {
  return engine.schema === undefined ? `"${table}"` : `"${engine.schema}"."${table}"`
}

// Only when native Postgres is there: a skipped describe still runs its body to collect tests.
const native = engines.find((engine) => engine.url !== undefined)
if (native) describeMigrations(native, native.url as string)

function describeMigrations(server: TestEngine, serverUrl: string): void {
  describe('migrations on a fresh native database', () => {
    const database = `vecstore_migrate_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    const url = serverUrl.replace(/\/[^/?]*(\?|$)/, `/${database}$1`)
    afterAll(async () => {
      await server.sql(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)
    })

    it('manageSchema: false on a database without pgvector says so and creates nothing', async () => {
      await server.sql(`CREATE DATABASE "${database}"`)
      const error = await PgvectorBackend.create({ dsn: url, manageSchema: false }).catch((e) => e)
      expect(error).toBeInstanceOf(SchemaMismatchError)
      expect(error.message).toMatch(/pgvector extension is not installed/)
      const client = postgres(url, { max: 1 })
      expect(await client`SELECT extname FROM pg_extension WHERE extname = 'vector'`).toHaveLength(
        0,
      )
      await client.end()
    })

    it('migrate() applies the package migrations once, concurrently safe, in its own table', async () => {
      await Promise.all([migrate(url), migrate(url), migrate(url)])
      await migrate(url)
      const client = postgres(url, { max: 1, onnotice: () => {} })
      const applied = await client.unsafe(
        `SELECT hash FROM "${migrationsSchema}"."${migrationsTable}" ORDER BY id`,
      )
      expect(applied).toHaveLength(3)
      expect(await client`SELECT to_regclass('drizzle.__drizzle_migrations') AS t`).toEqual([
        { t: null },
      ])
      await client.end()
      // The default table is ready for a least-privilege backend.
      const backend = await PgvectorBackend.create({ dsn: url, manageSchema: false })
      await backend.upsert('a', [1, 0, 0], { x: 1 })
      expect((await backend.search([1, 0, 0], 1, { x: 1 }))[0]?.id).toBe('a')
      await backend.close()
    })

    it('a role without DDL rights runs the backend on a migrated table', async () => {
      const role = `vecstore_app_${process.pid}`
      const admin = postgres(url, { max: 1, onnotice: () => {} })
      await admin.unsafe(`DROP ROLE IF EXISTS ${role}`)
      await admin.unsafe(`CREATE ROLE ${role} LOGIN`)
      await admin.unsafe(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`)
      await admin.unsafe(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON vecstore_vectors TO ${role}; GRANT USAGE ON SCHEMA public TO ${role}`,
      )
      const roleUrl = url.replace(/\/\/[^@/]*@/, `//${role}@`)
      try {
        for (const manageSchema of [false, true]) {
          const backend = await PgvectorBackend.create({ dsn: roleUrl, manageSchema })
          await backend.upsert(`by-${manageSchema}`, [0, 1, 0], {})
          expect(await backend.count({})).toBeGreaterThan(0)
          await backend.close()
        }
        // Through the app's own Drizzle database as well.
        const client = postgres(roleUrl, { max: 1 })
        const viaDb = await PgvectorBackend.create({ db: drizzle({ client }), manageSchema: false })
        expect(await viaDb.count({})).toBe(3)
        await viaDb.close()
        await client.end()
      } finally {
        await admin.unsafe(`DROP OWNED BY ${role}; DROP ROLE ${role}`)
        await admin.end()
      }
    })
  })
}
