import { describe, expect, it } from 'vitest'
import type { ChromaCollectionLike } from '../../src/chroma/index.js'
import { nearest, scoreFromDistance } from '../../src/chroma/chroma-reads.js'
import { toMetadata } from '../../src/chroma/payload-mapping.js'
import { referenceScore } from '../../src/core/metric.js'

// Pure ranking logic over a scripted collection; the conformance suite runs it on real servers.
interface ScriptedRow {
  readonly id: string
  readonly distance: number
  readonly vector: number[]
}

function scriptedCollection(rows: ScriptedRow[], options: { indexFinds?: number } = {}) {
  const requested: number[] = []
  const gets: string[] = []
  const found = rows.slice(0, options.indexFinds ?? rows.length)
  const byId = new Map(rows.map((row) => [row.id, row]))
  const collection = {
    query: async ({ nResults }: { nResults: number }) => {
      requested.push(nResults)
      const page = found.slice(0, nResults)
      return {
        ids: [page.map((row) => row.id)],
        distances: [page.map((row) => row.distance)],
        metadatas: [page.map((row) => toMetadata({ id: row.id }))],
      }
    },
    count: async () => rows.length,
    get: async (args: { ids?: string[]; limit?: number; offset?: number }) => {
      const page = args.ids
        ? args.ids.flatMap((id) => byId.get(id) ?? [])
        : rows.slice(args.offset ?? 0, (args.offset ?? 0) + (args.limit ?? rows.length))
      gets.push(args.ids ? `ids ${args.ids.join(',')}` : `page ${args.offset}`)
      return {
        ids: page.map((row) => row.id),
        embeddings: page.map((row) => row.vector),
        metadatas: page.map((row) => toMetadata({ id: row.id })),
      }
    },
  } as unknown as ChromaCollectionLike
  return { collection, requested, gets }
}

const cosine = (vector: number[]) =>
  referenceScore('cosine', Float32Array.from([1, 0]), Float32Array.from(vector))

describe('nearest', () => {
  it('widens the fetch until a tie at the k-th place is settled, then breaks ties by id', async () => {
    // The engine returns the tied entries in an arbitrary (here: reverse) order.
    const tied = ['j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b'].map((id) => ({
      id,
      distance: 0.5,
      vector: [1, 1],
    }))
    const { collection, requested, gets } = scriptedCollection([
      { id: 'z', distance: 0.1, vector: [1, 0] },
      ...tied,
    ])
    const hits = await nearest(collection, [1, 0], 3, undefined, 'cosine')
    expect(hits.map((hit) => hit.id)).toEqual(['z', 'b', 'c'])
    expect(hits.map((hit) => hit.score)).toEqual([0.9, cosine([1, 1]), cosine([1, 1])])
    expect(requested).toEqual([4, 8, 16])
    // The tied run is re-scored from its stored vectors, in one read.
    expect(gets).toEqual(['ids b,c,d,e,f,g,h,i,j'])
  })

  it('re-scores distances a float32 rounding apart: equal similarities tie exactly, by id', async () => {
    const { collection } = scriptedCollection([
      { id: 'b', distance: 0.2, vector: [2, 1] },
      { id: 'a', distance: 0.2 + 1e-7, vector: [4, 2] },
      { id: 'c', distance: 0.5, vector: [1, 3] },
    ])
    const hits = await nearest(collection, [1, 0], 3, undefined, 'cosine')
    expect(hits.map((hit) => [hit.id, hit.score])).toEqual([
      ['a', cosine([2, 1])],
      ['b', cosine([2, 1])],
      ['c', 0.5],
    ])
  })

  it('asks for one row more than topK when there is no tie', async () => {
    const rows = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, distance: i, vector: [1, i] }))
    const { collection, requested, gets } = scriptedCollection(rows)
    const hits = await nearest(collection, [1, 0], 2, undefined, 'l2')
    expect(hits.map((hit) => [hit.id, hit.score, hit.payload])).toEqual([
      ['a', 1, { id: 'a' }],
      ['b', 0.5, { id: 'b' }],
    ])
    expect(requested).toEqual([3])
    expect(gets).toEqual([])
  })

  it('completes a short answer with an exact pass over the entries', async () => {
    const rows = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, distance: i, vector: [1, i] }))
    // The index finds one entry although four exist.
    const { collection, gets } = scriptedCollection(rows, { indexFinds: 1 })
    const hits = await nearest(collection, [1, 0], 3, undefined, 'cosine')
    expect(hits.map((hit) => hit.id)).toEqual(['a', 'b', 'c'])
    expect(hits.map((hit) => hit.score)).toEqual([1, cosine([1, 1]), cosine([1, 2])])
    expect(gets).toEqual(['page 0'])
  })

  it('trusts a short answer that holds every entry', async () => {
    const rows = ['a', 'b'].map((id, i) => ({ id, distance: i, vector: [1, i] }))
    const { collection, gets } = scriptedCollection(rows)
    expect((await nearest(collection, [1, 0], 5, undefined, 'l2')).map((hit) => hit.id)).toEqual([
      'a',
      'b',
    ])
    expect(gets).toEqual([])
  })
})

describe('scoreFromDistance', () => {
  it('converts Chroma distances to the spec scores', () => {
    expect(scoreFromDistance('cosine', 0.25)).toBe(0.75)
    expect(scoreFromDistance('cosine', 2.0000001)).toBe(-1)
    expect(scoreFromDistance('l2', 9)).toBe(0.25)
    expect(scoreFromDistance('l2', -1e-9)).toBe(1)
    expect(scoreFromDistance('ip', -2)).toBe(3)
  })
})
