import { eq } from 'drizzle-orm'
import { integer, text } from 'drizzle-orm/pg-core'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type Filter,
  InMemoryVectorBackend,
  type Payload,
  type SearchHit,
  type StoredEntry,
  VectorStore,
} from '../../src/index.js'
import { ChromaBackend } from '../../src/chroma/index.js'
import { type AnyPgDatabase, PgvectorBackend, vectorTable } from '../../src/pgvector/index.js'

// Compile-time checks (`npm run typecheck` compiles this file under strict mode): the functions
// below are never called. Each `@ts-expect-error` is a mistake the types must catch.

export interface Chunk {
  title: string
  lang: 'en' | 'fr'
  year?: number
  tags: string[]
}
const chunks = vectorTable<Chunk>('chunks', { dimensions: 3 })

describe('payload types', () => {
  it('flow from vectorTable<T>() to PgvectorBackend, its hits, rows and filters', () => {
    const check = async (db: AnyPgDatabase) => {
      const backend = await PgvectorBackend.create({ db, table: chunks })
      expectTypeOf(backend).toEqualTypeOf<PgvectorBackend<Chunk>>()
      const hits = await backend.search([1, 0, 0], 5, { lang: 'en', year: { $gte: 2020 } })
      expectTypeOf(hits).toEqualTypeOf<SearchHit<Chunk>[]>()
      expectTypeOf(
        (await backend.listWhere({ $or: [{ lang: 'fr' }] }, 5))[0]!.payload,
      ).toEqualTypeOf<Chunk>()
      expectTypeOf((await backend.getByIds(['a']))[0]!.payload).toEqualTypeOf<Chunk>()
      await backend.upsert('a', [1, 0, 0], { title: 't', lang: 'en', tags: [] })
      // @ts-expect-error a typo'd filter key
      await backend.search([1, 0, 0], 5, { lnag: 'en' })
      // @ts-expect-error a value the key cannot hold
      await backend.count({ lang: 'de' })
      // @ts-expect-error a range operator on a string key
      await backend.count({ title: { $gt: 1 } })
      // @ts-expect-error a payload missing required fields
      await backend.upsert('b', [1, 0, 0], { title: 't' })
      const rows = await db.select().from(chunks)
      expectTypeOf(rows[0]!.payload).toEqualTypeOf<Chunk>()
    }
    expectTypeOf(check).toBeFunction()
  })

  it('default to Payload for an untyped vectorTable(), even written inline', () => {
    const check = async (db: AnyPgDatabase) => {
      const backend = await PgvectorBackend.create({
        db,
        table: vectorTable('untyped', { dimensions: 3, model: 'm' }),
      })
      expectTypeOf(backend).toEqualTypeOf<PgvectorBackend<Payload>>()
      return new VectorStore(backend)
    }
    expectTypeOf(check).toBeFunction()
  })

  it('carry app columns: typed columns, payload keys stored in them, the rest in payload', () => {
    const columns = { lang: text('lang').notNull(), year: integer('year') }
    const withColumns = vectorTable<Chunk, typeof columns>(
      'with_columns',
      { dimensions: 3 },
      columns,
    )
    const check = async (db: AnyPgDatabase) => {
      const backend = await PgvectorBackend.create({ db, table: withColumns })
      expectTypeOf(backend).toEqualTypeOf<PgvectorBackend<Chunk>>()
      const rows = await db
        .select({ lang: withColumns.lang, payload: withColumns.payload })
        .from(withColumns)
      expectTypeOf(rows[0]!.lang).toEqualTypeOf<string>()
      expectTypeOf(rows[0]!.payload).toEqualTypeOf<Omit<Chunk, 'lang' | 'year'>>()
      await backend.search(
        [1, 0, 0],
        1,
        { year: { $gt: 2000 } },
        { where: eq(withColumns.lang, 'en') },
      )
    }
    expectTypeOf(check).toBeFunction()
  })

  it('are the same on the memory and Chroma backends', () => {
    const check = async () => {
      const memory = new InMemoryVectorBackend<Chunk>()
      expectTypeOf((await memory.search([1], 1, { lang: 'fr' }))[0]!.payload).toEqualTypeOf<Chunk>()
      // @ts-expect-error a typo'd filter key
      await memory.deleteWhere({ lnag: 'fr' })
      const chroma = await ChromaBackend.create<Chunk>('chunks')
      expectTypeOf(
        (await chroma.listWhere({ tags: { $exists: true } }, 1))[0]!.payload,
      ).toEqualTypeOf<Chunk>()
      // @ts-expect-error a typo'd filter key
      await chroma.count({ lnag: 'fr' })
    }
    expectTypeOf(check).toBeFunction()
  })

  it('default to any JSON payload, and take a runtime-built filter by a cast', () => {
    const check = async (key: string) => {
      const untyped = new InMemoryVectorBackend()
      expectTypeOf(
        (await untyped.search([1], 1, { [key]: 1 }))[0]!.payload,
      ).toEqualTypeOf<Payload>()
      const typed = new InMemoryVectorBackend<Chunk>()
      const dynamic: Filter = { [key]: { $in: ['en'] } }
      await typed.count(dynamic as Filter<Chunk>)
    }
    expectTypeOf(check).toBeFunction()
  })

  it('type VectorStore metadata', () => {
    interface Meta {
      source: 'wiki' | 'docs'
      page: number
    }
    const check = async () => {
      const store = new VectorStore<Meta>(new InMemoryVectorBackend())
      await store.upsert({
        id: 'a',
        content: 'x',
        vector: [1],
        metadata: { source: 'wiki', page: 1 },
      })
      const [result] = await store.search({ vector: [1], metadataFilters: { page: { $lt: 3 } } })
      expectTypeOf(result!.entry).toEqualTypeOf<StoredEntry<Meta>>()
      // @ts-expect-error a typo'd metadata key
      await store.count({ metadataFilters: { sorce: 'wiki' } })
    }
    expectTypeOf(check).toBeFunction()
  })
})
