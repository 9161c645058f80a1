import assert from 'node:assert/strict'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ChromaBackend,
  type LocalChromaServer,
  startLocalChromaServer,
} from '../../src/chroma/index.js'
import { DISTANCE_METRICS } from '../../src/core/metric.js'
import { type Filter, InMemoryVectorBackend, type SearchHit } from '../../src/index.js'
import { collectionNames, expectNoLocalServers } from '../setup/chroma.js'

// Beyond the conformance fixtures: batches above the server's max batch size,
// paging, and exact agreement with InMemoryVectorBackend on a few hundred vectors.
const names = collectionNames('scale')
let server: LocalChromaServer

beforeAll(async () => {
  server = await startLocalChromaServer()
})

afterAll(async () => {
  await server.stop()
  await expectNoLocalServers([server.pid])
})

const at = () => ({ host: server.host, port: server.port })

describe('ChromaBackend at scale', () => {
  it('batches upsertMany under the max batch size and pages listWhere, count and clearAll', async () => {
    const backend = await ChromaBackend.create(names.next(), {
      ...at(),
      metric: 'l2',
      pageSize: 1000,
    })
    const n = 12_000 // more than two batches of the server's 5461
    const records = Array.from({ length: n }, (_, i) => ({
      id: `k${String(i).padStart(5, '0')}`,
      vector: [i % 100, Math.floor(i / 100)],
      payload: { g: i % 3, i },
    }))
    await backend.upsertMany(records)
    expect(await backend.count({})).toBe(n)
    expect(await backend.count({ g: 1 })).toBe(n / 3)
    expect((await backend.listWhere({ g: 1 }, 3, { after: 'k11990' })).map((e) => e.id)).toEqual([
      'k11992',
      'k11995',
      'k11998',
    ])
    // Rewriting every entry replaces payloads (the reads before the writes are batched too).
    await backend.upsertMany(records.map((r) => ({ ...r, payload: { i: r.payload.i } })))
    expect(await backend.count({ g: { $exists: true } })).toBe(0)
    await backend.deleteWhere({ i: { $lt: 6000 } })
    expect(await backend.count({})).toBe(6000)
    await backend.clearAll()
    expect(await backend.count({})).toBe(0)
    await backend.close()
  }, 300_000)

  for (const metric of DISTANCE_METRICS) {
    it(`returns InMemoryVectorBackend's hits, order and scores (${metric})`, async () => {
      const chroma = await ChromaBackend.create(names.next(), {
        ...at(),
        metric,
        // Searching with a candidate list larger than the collection makes HNSW exhaustive here.
        hnsw: { efSearch: 1000 },
      })
      const memory = new InMemoryVectorBackend({ metric })
      const records = randomRecords(400, 16)
      await chroma.upsertMany(records)
      await memory.upsertMany(records)
      const filters: Filter[] = [
        {},
        { g: 'x' },
        { n: { $gte: 5 } },
        { $or: [{ g: 'y' }, { n: 0 }] },
      ]
      for (const [q, query] of randomRecords(20, 16).entries()) {
        for (const topK of [1, 10, 57]) {
          const filter = filters[q % filters.length] as Filter
          const all = await memory.search(query.vector, 400, filter)
          const actual = await chroma.search(query.vector, topK, filter)
          assertSameRanking(actual, all, topK, `${metric} top ${topK} ${JSON.stringify(filter)}`)
        }
      }
      await chroma.close()
    }, 300_000)
  }
})

const TOLERANCE = 1e-5
const close = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(b))

/**
 * Same scores position by position and the same ids in the same order, exact
 * ties by id. Where the reference scores differ only by rounding (the memory
 * backend and Chroma round differently; cosine normalizes in float32), the
 * hit there must tie with the expected one. `all` holds every matching
 * entry's reference score, best first.
 */
function assertSameRanking(
  actual: SearchHit[],
  all: SearchHit[],
  topK: number,
  what: string,
): void {
  const expected = all.slice(0, topK)
  const scoreOf = new Map(all.map((hit) => [hit.id, hit.score]))
  assert.equal(actual.length, expected.length, `${what}: number of hits`)
  expected.forEach((want, i) => {
    const hit = actual[i] as SearchHit
    assert.ok(close(hit.score, want.score), `${what}: score at ${i}`)
    assert.deepEqual(hit.payload, all.find((e) => e.id === hit.id)?.payload, `${what}: payload`)
    const neighbours = [all[i - 1], all[i + 1]].filter((n): n is SearchHit => n !== undefined)
    const nearTie = neighbours.some((n) => close(n.score, want.score) && n.score !== want.score)
    if (nearTie) assert.ok(close(scoreOf.get(hit.id) as number, want.score), `${what}: ${hit.id}`)
    else assert.equal(hit.id, want.id, `${what}: id at ${i}`)
  })
}

// Small integers: many exact ties between distinct vectors, and exact duplicates.
function randomRecords(count: number, dim: number) {
  let seed = count * 7919 + dim
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed / 2 ** 31
  }
  return Array.from({ length: count }, (_, i) => {
    const vector = Array.from({ length: dim }, () => Math.floor(next() * 5) - 2)
    if (!vector.some((x) => x !== 0)) vector[0] = 1
    return {
      id: `v${i}`,
      vector: i % 10 === 9 ? Array.from({ length: dim }, (_, j) => (j === 0 ? 1 : 0)) : vector,
      payload: { g: ['x', 'y', 'z'][i % 3] as string, n: i % 11 },
    }
  })
}
