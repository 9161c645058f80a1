import { afterAll, describe, expect, it } from 'vitest'
import {
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InvalidArgumentError,
  RecursiveTextSplitter,
  type SourceDocument,
  StoreScope,
  VectorStore,
} from '../../../src/index.js'
import { testEngines } from '../../setup/postgres-engines.js'
import {
  backendsFor,
  CountingEmbedder,
  document,
  type OpenBackend,
  paragraph,
  SPLIT,
} from './helpers.js'

// PGlite always; native Postgres when there is one (else testEngines says why, loudly).
const { engines } = await testEngines('retrieval')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})

async function withStore(
  open: OpenBackend,
  body: (store: VectorStore, embedder: CountingEmbedder) => Promise<void>,
  embedder = new CountingEmbedder(),
): Promise<void> {
  const backend = await open(embedder.dimensions)
  const splitter = new RecursiveTextSplitter(SPLIT)
  const store = new VectorStore(backend, { embedder, splitter, embedding: { batchSize: 4 } })
  try {
    await body(store, embedder)
  } finally {
    await store.close()
  }
}

const corpus = () => [
  document('a.md', 3, 1, { lang: 'en', tags: ['x'], nested: { level: { deep: 1 } } }),
  document('b.md', 2, 2, { lang: 'fr' }),
  // More chunks than the embedder's batch and the document batch: it spans batches.
  document('big.md', 11, 3, { lang: 'en' }),
  document('c.md', 1, 4, { lang: 'en' }),
]

describe.each(backendsFor(engines, 'retrieval'))('the retrieval runtime on %s', (_, open) => {
  it('embeds each chunk once; an unchanged re-run embeds nothing and writes nothing', () =>
    withStore(open, async (store, embedder) => {
      const first = await store.index(corpus(), { batchSize: 2 })
      expect(first).toEqual({
        numAdded: 17,
        numUpdated: 0,
        numSkipped: 0,
        numDeleted: 0,
        numEmbedded: 17,
      })
      expect(embedder.texts).toBe(17)
      embedder.reset()
      for (const batchSize of [1, 3, 100]) {
        const again = await store.index(corpus(), { batchSize })
        expect(again).toEqual({
          numAdded: 0,
          numUpdated: 0,
          numSkipped: 17,
          numDeleted: 0,
          numEmbedded: 0,
        })
      }
      expect(embedder.calls).toBe(0)
      expect(await store.count()).toBe(17)
    }))

  it('a changed paragraph is the only chunk embedded; a nested metadata change rewrites without embedding', () =>
    withStore(open, async (store, embedder) => {
      await store.index(corpus())
      embedder.reset()
      const changed = corpus()
      const big = changed[2] as SourceDocument
      changed[2] = { ...big, content: big.content.replace('Part 3005:', 'Part 3005 (edited):') }
      const result = await store.index(changed, { batchSize: 1 })
      expect(result).toMatchObject({ numAdded: 1, numDeleted: 1, numSkipped: 16, numEmbedded: 1 })
      expect(embedder.texts).toBe(1)
      embedder.reset()
      const nested = corpus()
      nested[0] = {
        ...(nested[0] as object),
        metadata: { lang: 'en', tags: ['x'], nested: { level: { deep: 2 } } },
      } as never
      nested[2] = changed[2] as never
      const meta = await store.index(nested)
      expect(meta).toMatchObject({ numUpdated: 3, numAdded: 0, numSkipped: 14, numEmbedded: 0 })
      expect(embedder.calls).toBe(0)
      const hits = await store.retrieve('Part 1000', { topK: 20, metadataFilters: { lang: 'en' } })
      const a = hits.filter((hit) => hit.entry.documentId === 'a.md')
      expect(a).toHaveLength(3)
      for (const hit of a) expect(hit.entry.metadata['nested']).toEqual({ level: { deep: 2 } })
    }))

  it('incremental never deletes other sources; scoped_full and full delete what is gone and nothing else', () =>
    withStore(open, async (store) => {
      const other = new StoreScope({ tenant: 'other' })
      await store.index(corpus())
      await store.index(corpus(), { scope: other })
      const subset = corpus().slice(0, 2)
      expect(await store.index(subset)).toMatchObject({ numDeleted: 0, numSkipped: 5 })
      expect(await store.count()).toBe(34)
      const scoped = await store.index(subset, { cleanup: 'scoped_full' })
      expect(scoped.numDeleted).toBe(12)
      expect(await store.count({ scope: other })).toBe(17)
      expect(await sources(store, StoreScope.GLOBAL)).toEqual(['a.md', 'b.md'])
      const full = await store.index(corpus().slice(1, 2), { cleanup: 'full' })
      expect(full).toMatchObject({ numDeleted: 3 + 17, numSkipped: 2 })
      expect(await sources(store, StoreScope.GLOBAL)).toEqual(['b.md'])
      expect(await store.count({ scope: other })).toBe(0)
    }))

  it("'none' keeps a changed source's old chunks until a run with cleanup removes them", () =>
    withStore(open, async (store) => {
      const v1 = [document('s', 2, 7)]
      const v2 = [document('s', 2, 8)]
      await store.index(v1)
      expect(await store.index(v2, { cleanup: 'none' })).toMatchObject({
        numAdded: 2,
        numDeleted: 0,
      })
      expect(await store.count()).toBe(4)
      expect(await store.index(v2)).toMatchObject({ numDeleted: 2, numSkipped: 2, numEmbedded: 0 })
      expect(await store.count()).toBe(2)
    }))

  it('retrieve returns chunks with their source, position and score, within the scope', () =>
    withStore(open, async (store) => {
      const tenant = new StoreScope({ tenant: 't1' })
      await store.index(corpus(), { scope: tenant })
      await store.index([document('elsewhere', 2, 9)])
      const hits = await store.retrieve(paragraph(2001), { topK: 3, scope: tenant })
      expect(hits).toHaveLength(3)
      expect(hits[0]?.entry).toMatchObject({ documentId: 'b.md', chunkIndex: 1 })
      expect(hits[0]?.entry.content.startsWith('Part 2001:')).toBe(true)
      expect(hits.map((hit) => hit.rank)).toEqual([1, 2, 3])
      for (const hit of hits) expect(hit.entry.scope.labels).toEqual({ tenant: 't1' })
      expect(hits[0]?.score).toBeGreaterThanOrEqual(hits[1]?.score as number)
      const fr = await store.retrieve('Part 1000', {
        topK: 10,
        scope: tenant,
        metadataFilters: { lang: 'fr' },
      })
      expect(new Set(fr.map((hit) => hit.entry.documentId))).toEqual(new Set(['b.md']))
    }))

  it('refuses another embedding model or dimension, naming both; deleteSources removes a source whole', () =>
    withStore(open, async (store) => {
      await store.index(corpus())
      const other = new VectorStore(store.backend, {
        embedder: new CountingEmbedder(64, 'other-model'),
      })
      const error = await other.retrieve('x').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(EmbeddingModelMismatchError)
      expect((error as Error).message).toContain('other-model')
      expect((error as Error).message).toContain('hashing-v1-64')
      await expect(other.index(corpus())).rejects.toBeInstanceOf(EmbeddingModelMismatchError)
      const wide = new VectorStore(store.backend, {
        embedder: new CountingEmbedder(32, 'hashing-v1-64'),
      })
      await expect(wide.index(corpus())).rejects.toBeInstanceOf(DimensionMismatchError)
      expect(await store.deleteSources(['big.md', 'missing'])).toBe(11)
      expect(await sources(store, StoreScope.GLOBAL)).toEqual(['a.md', 'b.md', 'c.md'])
      expect(await store.index(corpus())).toMatchObject({
        numAdded: 11,
        numSkipped: 6,
        numEmbedded: 11,
      })
    }))

  it('bad documents are refused before anything is written', () =>
    withStore(open, async (store) => {
      const bad = [corpus()[0], { id: '', content: 'x' }]
      await expect(store.index(bad as never)).rejects.toThrow()
      await expect(store.index([corpus()[0], corpus()[0]] as never)).rejects.toBeInstanceOf(
        InvalidArgumentError,
      )
      await expect(
        store.index([{ id: 'm', content: 'x', metadata: { content: 'reserved' } }]),
      ).rejects.toThrow(/reserved/)
      expect(await store.count()).toBe(0)
    }))
})

async function sources(store: VectorStore, scope: StoreScope): Promise<string[]> {
  const page = await store.find({ scope, limit: 1000 })
  // The global scope confines nothing: keep the entries that belong to it alone.
  const own = page.entries.filter((entry) => entry.scope.idPrefix() === scope.idPrefix())
  return [...new Set(own.map((entry) => String(entry.documentId)))].sort()
}
