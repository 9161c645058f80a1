import { spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import {
  HashingEmbedder,
  InMemoryVectorBackend,
  InvalidArgumentError,
  UnsupportedFeatureError,
  type VectorRecord,
  VectorStore,
} from '../../../src/index.js'
import { PgvectorBackend } from '../../../src/pgvector/index.js'
import { testEngines } from '../../setup/postgres-engines.js'
import { makeTempDir } from '../../setup/temp-dir.js'
import { seededRandom } from '../../setup/seeded-random.js'

// The same entries in memory and in Postgres: the fused rankings must be the same, ids and scores.
const { engines } = await testEngines('hybrid')
const temp = makeTempDir('vecstore-hybrid-')
afterAll(async () => {
  for (const engine of engines) await engine.close()
  temp.cleanup()
})

// Plain lowercase words, on which Postgres's 'simple' configuration and the memory tokens agree.
const WORDS =
  'apple banana cherry delta echo falcon garden harbor island jungle kettle lemon mango nectar ocean pepper quartz river salmon tiger umbra violet walnut xenon yellow zebra libfoo2 gtk3 x11'.split(
    ' ',
  )
const DIM = 8
const next = seededRandom(18)
const pick = () => WORDS[Math.floor(next() * WORDS.length)] as string
const records: VectorRecord[] = Array.from({ length: 240 }, (_, i) => ({
  id: `d${String(i).padStart(3, '0')}`,
  vector: Array.from({ length: DIM }, () => next() - 0.5),
  payload: {
    text: Array.from({ length: 3 + Math.floor(next() * 12) }, pick).join(' '),
    group: i % 3,
  },
}))
const queries = Array.from({ length: 24 }, (_, i) => {
  const words = Array.from({ length: 1 + (i % 3) }, pick)
  // Two words in a row in some entry, quoted: a phrase that matches.
  const phrase = String(records[(i * 37) % records.length]?.payload['text'])
    .split(' ')
    .slice(1, 3)
    .join(' ')
  const text =
    i % 6 === 3
      ? `"${phrase}"`
      : i % 6 === 4
        ? `${words[0]} or ${pick()}`
        : i % 6 === 5
          ? `${words.join(' ')} -${pick()}`
          : words.join(' ')
  return {
    vector: Array.from({ length: DIM }, () => next() - 0.5),
    text,
    filter: i % 4 === 3 ? { group: 1 } : {},
  }
})

describe('hybrid search in memory', () => {
  it('ranks an exact identifier first from the text side, and survives a reopen', async () => {
    const path = `${temp.dir}/hybrid.json`
    const memory = new InMemoryVectorBackend({ snapshotPath: path, fullText: { source: 'text' } })
    await memory.upsertMany(records)
    const before = await memory.hybridSearch(queries[0] as never, 10, {})
    await memory.upsert('unique', [1, 0, 0, 0, 0, 0, 0, 0], { text: 'zyxel9000 router', group: 0 })
    const probe = { vector: [0, 1, 0, 0, 0, 0, 0, 0], text: 'zyxel9000' }
    const hits = await memory.hybridSearch(probe, 3, {}, { weights: { text: 2 } })
    expect(hits[0]).toMatchObject({ id: 'unique', score: 2 / 61 })
    await memory.delete('unique')
    await memory.close()
    const reopened = new InMemoryVectorBackend({ snapshotPath: path, fullText: { source: 'text' } })
    expect(await reopened.hybridSearch(queries[0] as never, 10, {})).toEqual(before)
    // The deleted entry left the text index too: only the vector ranking is left.
    const vectorOnly = await reopened.search(probe.vector, 3, {})
    const after = await reopened.hybridSearch(probe, 3, {}, { weights: { text: 2 } })
    expect(after.map((hit) => hit.id)).toEqual(vectorOnly.map((hit) => hit.id))
    expect(after.map((hit) => hit.score)).toEqual([1 / 61, 1 / 62, 1 / 63])
    await reopened.close()
  })

  it('refuses bad input with a typed error, and a backend without full text', async () => {
    const memory = new InMemoryVectorBackend({ fullText: { source: 'text' } })
    await memory.upsertMany(records.slice(0, 10))
    const vector = records[0]?.vector as number[]
    for (const [text, options] of [
      ['', {}],
      ['a'.repeat(10_001), {}],
      ['apple', { weights: { vector: -1 } }],
      ['apple', { weights: { vector: 0, text: 0 } }],
      ['apple', { k: Number.NaN }],
      ['apple', { candidates: 5 }],
      ['apple', { minScore: Number.POSITIVE_INFINITY }],
      ['apple', { textMatch: 'some' }],
    ] as const) {
      await expect(memory.hybridSearch({ vector, text }, 10, {}, options as never)).rejects.toThrow(
        InvalidArgumentError,
      )
    }
    expect(await memory.count({})).toBe(10)
    const plain = new InMemoryVectorBackend()
    await plain.upsertMany(records.slice(0, 3))
    await expect(plain.hybridSearch({ vector, text: 'apple' }, 3, {})).rejects.toThrow(
      UnsupportedFeatureError,
    )
    expect(() => new InMemoryVectorBackend({ fullText: { source: '' } })).toThrow(
      InvalidArgumentError,
    )
  })
})

for (const engine of engines) {
  describe(`hybrid search on ${engine.name}`, () => {
    let pg: PgvectorBackend
    const memory = new InMemoryVectorBackend({ fullText: { source: 'text' } })

    it('gives the same fused ranking as the in-memory backend', async () => {
      pg = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: 'hybrid_docs',
        dim: DIM,
        fullText: { source: 'text' },
      })
      await pg.upsertMany(records)
      await memory.upsertMany(records)
      let textHits = 0
      for (const query of queries) {
        const options = { weights: { vector: 1, text: 1 } }
        const expected = await memory.hybridSearch(query, 10, query.filter, options)
        const got = await pg.hybridSearch(query, 10, query.filter, options)
        expect(
          got.map((hit) => hit.id),
          query.text,
        ).toEqual(expected.map((hit) => hit.id))
        expect(got.map((hit) => hit.score)).toEqual(expected.map((hit) => hit.score))
        expect(got.map((hit) => hit.payload)).toEqual(expected.map((hit) => hit.payload))
        // Text alone: the BM25 rankings agree too.
        const text = { weights: { vector: 0 }, candidates: 40 }
        const textOnly = await pg.hybridSearch(query, 10, query.filter, text)
        expect(textOnly.map((hit) => hit.id)).toEqual(
          (await memory.hybridSearch(query, 10, query.filter, text)).map((hit) => hit.id),
        )
        textHits += textOnly.filter((hit) => hit.score > 0).length
        // Any of the words: BM25's idf then differs between terms; still the same ranking.
        const any = { textMatch: 'any' as const }
        const anyHits = await pg.hybridSearch(query, 10, query.filter, any)
        expect(anyHits).toEqual(await memory.hybridSearch(query, 10, query.filter, any))
      }
      // The comparison covered real text matches, not empty text sides.
      expect(textHits).toBeGreaterThan(50)
    })

    it('uses the HNSW index on the vector side and the GIN index on the text side', async () => {
      // Enough rows, and words rare enough, that the planner prefers both indexes to a scan
      // (PGlite's inserts are slow: a smaller table there).
      const native = engine.name !== 'PGlite'
      const rows = native ? 20_000 : 3000
      const draw = seededRandom(7)
      const word = () => `w${Math.floor(draw() * rows)}`
      const large = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: 'hybrid_large',
        dim: 16,
        fullText: { source: 'text' },
        deferIndexRows: 1000,
      })
      await large.upsertMany(
        Array.from({ length: rows }, (_, i) => ({
          id: `l${i}`,
          vector: Array.from({ length: 16 }, () => draw() - 0.5),
          payload: { text: Array.from({ length: 40 }, word).join(' ') },
        })),
      )
      const query = { vector: Array.from({ length: 16 }, () => draw() - 0.5), text: word() }
      const plan = await large.explainHybrid(query, 10, {})
      expect(plan.usesVectorIndex, plan.text).toBe(true)
      // PGlite's planner still prefers scanning 3000 rows of text: the GIN index is checked natively.
      if (native) expect(plan.usesFullTextIndex, plan.text).toBe(true)
      await large.close()
    })

    it('honours filters on both sides, and minScore on the fused score', async () => {
      const query = queries[1] as (typeof queries)[number]
      const hits = await pg.hybridSearch(query, 20, { group: 2 })
      expect(hits.length).toBeGreaterThan(0)
      expect(hits.every((hit) => (hit.payload as { group: number }).group === 2)).toBe(true)
      const top = hits[0]?.score as number
      const kept = await pg.hybridSearch(query, 20, { group: 2 }, { minScore: top })
      expect(kept.every((hit) => hit.score >= top)).toBe(true)
      expect(kept.length).toBeLessThan(hits.length)
    })

    it('refuses bad input and tables without full text with typed errors', async () => {
      const vector = records[0]?.vector as number[]
      await expect(pg.hybridSearch({ vector, text: '   ' }, 5, {})).rejects.toThrow(
        InvalidArgumentError,
      )
      await expect(pg.hybridSearch({ vector: [1, 2], text: 'apple' }, 5, {})).rejects.toThrow()
      expect(await pg.count({})).toBe(records.length)
      const plain = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: 'hybrid_plain',
        dim: DIM,
      })
      await expect(plain.hybridSearch({ vector, text: 'apple' }, 5, {})).rejects.toThrow(
        UnsupportedFeatureError,
      )
      await plain.close()
      await pg.close()
      await memory.close()
    })
  })
}

describe('the in-memory full text after a crash', () => {
  it('finds exactly the acknowledged texts after SIGKILL and reopen', async () => {
    const path = `${temp.dir}/crash.json`
    const writer = new URL('./crash-writer.mjs', import.meta.url).pathname
    const child = spawn(process.execPath, [writer, path], { stdio: ['pipe', 'pipe', 'inherit'] })
    const acked: string[] = []
    await new Promise<void>((resolve) => {
      let buffer = ''
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString()
        const lines = buffer.split('\n')
        buffer = lines.pop() ?? ''
        for (const line of lines) if (line !== 'ready') acked.push(line)
        if (acked.length >= 60 && child.exitCode === null) child.kill('SIGKILL')
      })
      child.on('exit', () => resolve())
    })
    const reopened = new InMemoryVectorBackend({ snapshotPath: path, fullText: { source: 'text' } })
    const textOnly = { weights: { vector: 0 } }
    for (const id of acked) {
      const seq = Number(id.slice(1))
      const token = seq % 3 === 2 ? `token${seq}x` : `token${seq}`
      const [hit] = await reopened.hybridSearch(
        { vector: [1, 1, 1, 1], text: token },
        1,
        {},
        textOnly,
      )
      expect(hit?.id, token).toBe(id)
      if (seq % 3 === 2) {
        const stale = await reopened.hybridSearch(
          { vector: [1, 1, 1, 1], text: `token${seq}` },
          1,
          {},
          textOnly,
        )
        expect(stale[0]?.score ?? 0).toBe(0)
      }
    }
    await reopened.close()
  }, 60_000)
})

describe('hybrid search through VectorStore', () => {
  it('retrieve(text, { hybrid: true }) and search({ vector, text }) fuse both rankings', async () => {
    const backend = new InMemoryVectorBackend({ fullText: { source: 'content' } })
    const store = new VectorStore(backend, { embedder: new HashingEmbedder(64) })
    await store.index([
      { id: 'gtk', content: 'graphical toolkit library for desktop applications and widgets' },
      { id: 'foo', content: 'the libfoo2 runtime: shared objects for programs' },
      { id: 'xml', content: 'parsing library for documents in a markup language' },
    ])
    const hybrid = await store.retrieve('libfoo2 or library', { hybrid: { weights: { text: 2 } } })
    expect(hybrid[0]?.entry.documentId).toBe('foo')
    const plain = await store.retrieve('libfoo2 or library', { hybrid: false })
    expect(plain.map((r) => r.score)).not.toEqual(hybrid.map((r) => r.score))
    const [vector] = await new HashingEmbedder(64).embed(['libfoo2 or library'])
    const searched = await store.search({
      vector: vector as number[],
      text: 'libfoo2 or library',
      hybrid: { weights: { text: 2 } },
    })
    expect(searched).toEqual(hybrid)
    await expect(store.retrieve('x', { hybrid: { k: -1 } })).rejects.toThrow(InvalidArgumentError)
    await store.close()
  })
})
