import { describe, expect, it } from 'vitest'
import type { ChromaCollectionLike } from '../../src/chroma/index.js'
import { nearest, scoreFromDistance } from '../../src/chroma/chroma-reads.js'
import { toMetadata } from '../../src/chroma/payload-mapping.js'

// Pure ranking logic over a scripted collection; the conformance suite runs it on real servers.
function scriptedCollection(rows: { id: string; distance: number }[]) {
  const requested: number[] = []
  const collection = {
    query: async ({ nResults }: { nResults: number }) => {
      requested.push(nResults)
      const page = rows.slice(0, nResults)
      return {
        ids: [page.map((row) => row.id)],
        distances: [page.map((row) => row.distance)],
        metadatas: [page.map((row) => toMetadata({ id: row.id }))],
      }
    },
  } as unknown as ChromaCollectionLike
  return { collection, requested }
}

describe('nearest', () => {
  it('widens the fetch until a tie at the k-th place is settled, then breaks ties by id', async () => {
    // The engine returns the tied entries in an arbitrary (here: reverse) order.
    const tied = ['j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b'].map((id) => ({ id, distance: 0.5 }))
    const { collection, requested } = scriptedCollection([{ id: 'z', distance: 0.1 }, ...tied])
    const hits = await nearest(collection, [1, 0], 3, undefined, 'cosine')
    expect(hits.map((hit) => hit.id)).toEqual(['z', 'b', 'c'])
    expect(hits.map((hit) => hit.score)).toEqual([0.9, 0.5, 0.5])
    expect(requested).toEqual([4, 8, 16])
  })

  it('asks for one row more than topK when there is no tie', async () => {
    const rows = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, distance: i }))
    const { collection, requested } = scriptedCollection(rows)
    const hits = await nearest(collection, [1, 0], 2, undefined, 'l2')
    expect(hits.map((hit) => [hit.id, hit.score, hit.payload])).toEqual([
      ['a', 1, { id: 'a' }],
      ['b', 0.5, { id: 'b' }],
    ])
    expect(requested).toEqual([3])
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
