import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { generateDrizzleJson, generateMigration } from 'drizzle-kit/api'
import { eq, sql } from 'drizzle-orm'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { integer, pgSchema, pgTable, text, timestamp, index } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, describe, expect, it } from 'vitest'
import { parseFilter } from '../../src/core/filter.js'
import {
  compareIds,
  type Filter,
  InvalidPayloadError,
  matchesFilter,
  SchemaMismatchError,
} from '../../src/index.js'
import {
  type AnyPgDatabase,
  nearest,
  PgvectorBackend,
  vectorTable,
} from '../../src/pgvector/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'

// An app on Drizzle with its own `users` table and a vector table carrying app columns (a foreign
// key, a language, a year, a timestamp the backend does not know), on every driver.
interface Chunk {
  userId: string
  title: string
  lang?: string
  year?: number
}

function appSchema(schema: string | undefined) {
  const table = (schema === undefined ? pgTable : pgSchema(schema).table) as typeof pgTable
  const users = table('users', {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
  })
  const columns = {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lang: text('lang'),
    year: integer('year'),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  }
  const chunks = vectorTable<Chunk, typeof columns>(
    'chunks',
    { dimensions: 3, metric: 'cosine', ...(schema !== undefined && { schema }) },
    columns,
    (t) => [index('chunks_user_idx').on(t.userId), index('chunks_year_idx').on(t.year)],
  )
  return { users, chunks }
}

interface Driver {
  readonly name: string
  readonly db: AnyPgDatabase
  readonly schema: string | undefined
  sql(text: string): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

const drivers: Driver[] = []
const server = await postgresForTests()
{
  const client = await PGlite.create({ extensions: { vector } })
  drivers.push({
    name: 'PGlite',
    db: drizzlePglite({ client }),
    schema: undefined,
    sql: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    close: () => client.close(),
  })
}
if (!('skip' in server)) {
  for (const kind of ['postgres.js', 'node-postgres'] as const) {
    const isolated = await isolatedSchema(server.url, `drizzle_${kind.replace(/\W/g, '')}`)
    const client =
      kind === 'postgres.js' ? postgres(server.url, { max: 3, onnotice: () => {} }) : undefined
    const pool =
      kind === 'node-postgres' ? new pg.Pool({ connectionString: server.url, max: 3 }) : undefined
    drivers.push({
      name: `${kind} on native Postgres`,
      db: client ? drizzlePostgres({ client }) : drizzleNodePg({ client: pool as pg.Pool }),
      schema: isolated.schema,
      sql: async (text) =>
        client
          ? [...((await client.unsafe(text)) as unknown as Record<string, unknown>[])]
          : (await (pool as pg.Pool).query(text)).rows,
      close: async () => {
        await client?.end()
        await pool?.end()
        await isolated.drop()
      },
    })
  }
}
afterAll(async () => {
  for (const driver of drivers) await driver.close()
})

const ENTRIES: { id: string; vector: number[]; payload: Chunk }[] = [
  { id: 'a', vector: [1, 0, 0], payload: { userId: 'u1', title: 'Alpha', lang: 'en', year: 2021 } },
  { id: 'b', vector: [0.9, 0.1, 0], payload: { userId: 'u1', title: 'Beta', lang: 'fr' } },
  { id: 'c', vector: [0, 1, 0], payload: { userId: 'u2', title: 'Gamma', year: 1999 } },
  {
    id: 'd',
    vector: [0.5, 0.5, 0.1],
    payload: { userId: 'u2', title: 'Delta', lang: 'en', year: 2024 },
  },
]

for (const driver of drivers) {
  describe(`an app's Drizzle schema with app columns, on ${driver.name}`, async () => {
    const { users, chunks } = appSchema(driver.schema)
    await driver.sql('CREATE EXTENSION IF NOT EXISTS vector')
    // What the app's drizzle-kit migrations create.
    const statements = await generateMigration(
      generateDrizzleJson({}),
      generateDrizzleJson({ users, chunks }),
    )
    for (const statement of statements) await driver.sql(statement)
    await driver.db.insert(users).values([
      { id: 'u1', name: 'Ada' },
      { id: 'u2', name: 'Grace' },
    ])
    const table = driver.schema === undefined ? '"chunks"' : `"${driver.schema}"."chunks"`
    const logged: string[] = []
    const backend = await PgvectorBackend.create({
      db: driver.db,
      table: chunks,
      manageSchema: false,
      logger: { logQuery: (query) => logged.push(query) },
    })
    afterAll(() => backend.close())

    it('stores payload keys named like columns in them, and reads them back merged', async () => {
      await backend.upsertMany(ENTRIES)
      const rows = await driver.sql(
        `SELECT id, user_id, lang, year, payload FROM ${table} ORDER BY id`,
      )
      expect(rows[0]).toMatchObject({
        id: 'a',
        user_id: 'u1',
        lang: 'en',
        year: 2021,
        payload: { title: 'Alpha' },
      })
      expect(rows[2]).toMatchObject({
        id: 'c',
        lang: null,
        year: 1999,
        payload: { title: 'Gamma' },
      })
      expect(await backend.listWhere({}, 10)).toEqual(
        ENTRIES.map(({ id, payload }) => ({ id, payload })),
      )
      expect((await backend.getByIds(['d']))[0]?.payload).toEqual(ENTRIES[3]?.payload)
      const [hit] = await backend.search([1, 0, 0], 1, {})
      expect(hit?.payload).toEqual(ENTRIES[0]?.payload)
    })

    it('filters on app columns exactly as the reference evaluator does', async () => {
      const filters: Filter<Chunk>[] = [
        { lang: 'en' },
        { year: { $gte: 2020 } },
        { year: { $lt: 2000 }, userId: 'u2' },
        { lang: { $exists: false } },
        { lang: { $ne: 'en' } },
        { year: { $in: [1999, 2024] } },
        { lang: { $nin: ['fr'] } },
        { $or: [{ userId: 'u1', lang: 'fr' }, { year: 1999 }] },
        { title: 'Delta', lang: 'en' },
        { year: '2021' as never },
        { userId: { $gt: 1 } } as never,
      ]
      for (const filter of filters) {
        const node = parseFilter(filter as Filter)
        const expected = ENTRIES.filter((e) => matchesFilter(node, e.payload as never)).map(
          (e) => e.id,
        )
        const what = JSON.stringify(filter)
        expect(
          (await backend.listWhere(filter, 10)).map((e) => e.id),
          what,
        ).toEqual(expected.sort(compareIds))
        expect(await backend.count(filter), what).toBe(expected.length)
        expect((await backend.search([1, 0, 0], 10, filter)).length, what).toBe(expected.length)
      }
    })

    it('loads large batches (COPY) into the columns too', async () => {
      const many = Array.from({ length: 600 }, (_, i) => ({
        id: `bulk${String(i).padStart(3, '0')}`,
        vector: [1, i + 1, 0],
        payload: { userId: i % 2 ? 'u1' : 'u2', title: `t${i}`, year: 2000 + (i % 25) },
      }))
      await backend.upsertMany(many)
      expect(await backend.count({ year: 2024, userId: 'u1' })).toBe(12)
      const [row] = await driver.sql(
        `SELECT user_id, year, payload FROM ${table} WHERE id = 'bulk007'`,
      )
      expect(row).toEqual({ user_id: 'u1', year: 2007, payload: { title: 't7' } })
      expect((await backend.getByIds(['bulk007']))[0]?.payload).toEqual(many[7]?.payload)
      // Every bulk row has a year from 2000 and no language; of the four entries, none.
      await backend.deleteWhere({ year: { $gte: 2000 }, lang: { $exists: false } })
      expect((await backend.listWhere({}, 10)).map((entry) => entry.id)).toEqual([
        'a',
        'b',
        'c',
        'd',
      ])
    })

    it('refuses a value its column cannot hold, and writes nothing', async () => {
      await expect(
        backend.upsert('e', [1, 1, 1], { userId: 'u1', title: 'Bad', year: 'x' as never }),
      ).rejects.toBeInstanceOf(InvalidPayloadError)
      await expect(
        backend.upsertMany([
          { id: 'f', vector: [1, 1, 1], payload: { userId: 'u1', title: 'ok' } },
          { id: 'g', vector: [1, 1, 1], payload: { userId: 'u1', title: 'x', year: 1.5 } },
        ]),
      ).rejects.toBeInstanceOf(InvalidPayloadError)
      expect(await backend.count({})).toBe(4)
    })

    it('leaves columns it does not know alone, and follows the foreign key', async () => {
      const [before] = await driver.sql(`SELECT added_at FROM ${table} WHERE id = 'a'`)
      await backend.upsert('a', [1, 0, 0], {
        userId: 'u1',
        title: 'Alpha 2',
        lang: 'en',
        year: 2021,
      })
      const [after] = await driver.sql(`SELECT added_at, payload FROM ${table} WHERE id = 'a'`)
      expect(after?.['added_at']).toEqual(before?.['added_at'])
      expect(after?.['payload']).toEqual({ title: 'Alpha 2' })
      await driver.db.insert(users).values({ id: 'u3', name: 'Temp' })
      await backend.upsert('t', [0, 0, 1], { userId: 'u3', title: 'Temp' })
      await driver.db.delete(users).where(eq(users.id, 'u3'))
      expect(await backend.count({ userId: 'u3' })).toBe(0)
    })

    it("commits and rolls back with the app's own transaction", async () => {
      await driver.db.transaction(async (tx) => {
        await tx.insert(users).values({ id: 'u4', name: 'Committed' })
        await backend.withTransaction(tx).upsert('x', [0, 1, 1], { userId: 'u4', title: 'Kept' })
      })
      const failed = await driver.db
        .transaction(async (tx) => {
          await tx.insert(users).values({ id: 'u5', name: 'Rolled back' })
          await backend
            .withTransaction(tx)
            .upsertMany([{ id: 'y', vector: [1, 1, 0], payload: { userId: 'u5', title: 'Gone' } }])
          throw new Error('roll back')
        })
        .catch((error: Error) => error.message)
      expect(failed).toBe('roll back')
      expect((await backend.getByIds(['x', 'y'])).map((r) => r.id)).toEqual(['x'])
      expect(await driver.db.select().from(users).where(eq(users.id, 'u5'))).toEqual([])
    })

    it("leaves the app's transaction as it found it: a search's settings end with the search", async () => {
      const setting = sql`SELECT current_setting('hnsw.ef_search') AS "value"`
      const value = (result: unknown) =>
        (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows)[0]
      await driver.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL hnsw.ef_search = 77`)
        const hits = await backend
          .withTransaction(tx)
          .search([1, 0, 0], 2, { lang: 'en' }, { efSearch: 300 })
        expect(hits).toHaveLength(2)
        expect(value(await tx.execute(setting))).toEqual({ value: '77' })
      })
    })

    it('searches with a relational predicate and a minimum score', async () => {
      const inTeam = sql`${chunks.userId} IN (SELECT ${users.id} FROM ${users} WHERE ${users.name} = 'Ada')`
      const hits = await backend.search([1, 0, 0], 10, {}, { where: inTeam, minScore: 0.9 })
      expect(hits.map((hit) => hit.id)).toEqual(['a', 'b'])
      const byUser = await backend.search(
        [0, 1, 0],
        10,
        { lang: 'en' },
        { where: eq(chunks.userId, 'u2') },
      )
      expect(byUser.map((hit) => hit.id)).toEqual(['d'])
    })

    it("gives the app's own joins the index-friendly ordering and the spec's score", async () => {
      const { distance, score } = nearest(chunks, [1, 0, 0])
      const query = driver.db
        .select({ id: chunks.id, name: users.name, score })
        .from(chunks)
        .innerJoin(users, eq(chunks.userId, users.id))
        .orderBy(distance)
        .limit(3)
      const rows = await query
      const hits = await backend.search([1, 0, 0], 3, {})
      expect(rows.map((row) => row.id)).toEqual(hits.map((hit) => hit.id))
      rows.forEach((row, i) => expect(row.score).toBeCloseTo(hits[i]?.score as number, 6))
      expect(rows[0]?.name).toBe('Ada')
      const { sql: text, params } = query.toSQL()
      const plan = await driver.db.transaction(async (tx) => {
        await tx.execute(sql`SET LOCAL enable_seqscan = off`)
        return tx.execute(sql.raw(`EXPLAIN ${inline(text, params)}`))
      })
      expect(JSON.stringify(plan)).toContain('chunks_embedding_idx')
    })

    // node-postgres statements go through Drizzle's execute, and so through Drizzle's own logger.
    if (!driver.name.startsWith('node-postgres'))
      it("reports the statements it runs on the driver to the app's logger", () => {
        expect(logged.some((query) => query.startsWith('INSERT INTO'))).toBe(true)
        expect(logged.some((query) => /ORDER BY "distance"/.test(query))).toBe(true)
      })

    it('is never created by the backend: it comes from the migrations', async () => {
      const { chunks: missing } = appSchema(driver.schema)
      const other = vectorTable<Chunk>(
        'not_migrated',
        { dimensions: 3, ...(driver.schema && { schema: driver.schema }) },
        {
          userId: text('user_id'),
        },
      )
      void missing
      await expect(PgvectorBackend.create({ db: driver.db, table: other })).rejects.toBeInstanceOf(
        SchemaMismatchError,
      )
    })
  })
}

// EXPLAIN takes no bound parameters: the query's own (a vector literal) are inlined as literals.
function inline(text: string, params: unknown[]): string {
  return text.replace(
    /\$(\d+)/g,
    (_, n: string) => `'${String(params[Number(n) - 1]).replaceAll("'", "''")}'`,
  )
}
