import assert from 'node:assert/strict'
import type { SearchHit, VectorBackend } from '../core/backend.js'
import { DimensionMismatchError, NotInitializedError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { DISTANCE_METRICS, type DistanceMetric } from '../core/metric.js'
import { assertScoresClose, ids, rejectsWith } from './assertions.js'
import type { ConformanceSettings } from './conformance.js'
import {
  EXPECTED_SCORES,
  ORDERED_IDS,
  ROUND_TRIP_PAYLOAD,
  SCORED_QUERY,
  SCORED_VECTORS,
} from './fixtures.js'
import {
  type BackendFactory,
  type Capability,
  capability,
  recordMethods,
  type TestHarness,
  withBackend,
} from './harness.js'

// The hand-computed order and scores of the scored fixtures.
function assertExpectedHits(
  hits: readonly SearchHit[],
  metric: DistanceMetric,
  tolerance: number,
): void {
  const expected = EXPECTED_SCORES[metric]
  assert.deepEqual(
    ids(hits),
    expected.map(([id]) => id),
  )
  hits.forEach((hit, i) =>
    assertScoresClose(hit.score, (expected[i] as [string, number])[1], tolerance, hit.id),
  )
}

async function loadScored(backend: VectorBackend): Promise<void> {
  for (const [id, vector] of Object.entries(SCORED_VECTORS))
    await backend.upsert(id, vector, { id })
}

export function semanticCases(
  factory: BackendFactory,
  { describe, it }: TestHarness,
  settings: ConformanceSettings,
): void {
  const test = (name: string, body: () => Promise<void>) => it(name, body, settings.timeoutMs)
  const has = (name: Capability) => settings.capabilities.has(name)
  const cosine = { metric: 'cosine' } as const

  describe('scores and order', () => {
    for (const metric of DISTANCE_METRICS) {
      test(`${metric}: hand-computed scores, best first, ties by id`, () =>
        withBackend(factory, { metric }, async (backend) => {
          await loadScored(backend)
          const hits = await backend.search(SCORED_QUERY, 10, {})
          assertExpectedHits(hits, metric, settings.scoreTolerance)
          assert.deepEqual(hits[0]?.payload, { id: EXPECTED_SCORES[metric][0]?.[0] })
        }))
    }

    for (const metric of DISTANCE_METRICS) {
      test(`${metric}: equal scores break by id ascending`, () =>
        withBackend(factory, { metric }, async (backend) => {
          for (const id of ['m', 'b', 'z', 'a']) await backend.upsert(id, [1, 2, 3], {})
          await backend.upsert('far', [-3, 5, -1], {})
          assert.deepEqual(ids(await backend.search([1, 2, 3], 3, {})), ['a', 'b', 'm'])
        }))
    }

    test('topK bounds the hits; a larger topK returns every entry', () =>
      withBackend(factory, cosine, async (backend) => {
        await loadScored(backend)
        assert.equal((await backend.search(SCORED_QUERY, 2, {})).length, 2)
        assert.equal((await backend.search(SCORED_QUERY, 50, {})).length, 4)
      }))

    for (const metric of DISTANCE_METRICS) {
      test(`${metric}: exact: true scores every matching entry, as the reference does`, () =>
        withBackend(factory, { metric }, async (backend) => {
          await loadScored(backend)
          const hits = await backend.search(SCORED_QUERY, 10, {}, { exact: true })
          assertExpectedHits(hits, metric, settings.scoreTolerance)
          const filtered = await backend.search(SCORED_QUERY, 10, { id: 'c' }, { exact: true })
          assert.deepEqual(ids(filtered), ['c'])
        }))
    }

    test('minScore keeps only the hits scoring at least that', () =>
      withBackend(factory, cosine, async (backend) => {
        await loadScored(backend)
        const all = await backend.search(SCORED_QUERY, 10, {})
        const threshold = (all[1] as { score: number }).score
        const kept = await backend.search(SCORED_QUERY, 10, {}, { minScore: threshold })
        assert.deepEqual(ids(kept), ids(all.slice(0, 2)))
        assert.deepEqual(await backend.search(SCORED_QUERY, 10, {}, { minScore: 2 }), [])
      }))

    test('an empty index returns no hits', () =>
      withBackend(factory, cosine, async (backend) => {
        assert.deepEqual(await backend.search([1, 0, 0], 5, {}), [])
        assert.equal(await backend.count({}), 0)
        assert.deepEqual(await backend.listWhere({}, 5), [])
      }))

    test('a filtered search returns topK matching hits when there are that many', () =>
      withBackend(factory, cosine, async (backend) => {
        for (let i = 0; i < 40; i++) await backend.upsert(`e${i}`, [1, i, 1], { even: i % 2 === 0 })
        const hits = await backend.search([1, 0, 1], 5, { even: false })
        assert.deepEqual(ids(hits), ['e1', 'e3', 'e5', 'e7', 'e9'])
      }))
  })

  describe('writes', () => {
    test('upsert replaces the whole entry: vector and payload, old keys gone', () =>
      withBackend(factory, cosine, async (backend) => {
        await backend.upsert('x', [1, 0, 0], { a: 1, b: 2 })
        await backend.upsert('y', [0, 1, 0], { a: 1 })
        await backend.upsert('x', [0, 1, 0], { c: 3 })
        assert.equal(await backend.count({}), 2)
        assert.deepEqual(await backend.listWhere({}, 10), [
          { id: 'x', payload: { c: 3 } },
          { id: 'y', payload: { a: 1 } },
        ])
        assert.equal(await backend.count({ a: 1 }), 1)
        const [best] = await backend.search([0, 1, 0], 1, {})
        assertScoresClose(best?.score ?? NaN, 1, settings.scoreTolerance, 'replaced vector')
      }))

    test('payloads round-trip exactly, and returned payloads are copies', () =>
      withBackend(factory, cosine, async (backend) => {
        await backend.upsert('p', [1, 2, 3], ROUND_TRIP_PAYLOAD)
        const [hit] = await backend.search([1, 2, 3], 1, {})
        assert.deepEqual(hit?.payload, ROUND_TRIP_PAYLOAD)
        ;(hit?.payload as Payload)['text'] = 'changed'
        ;(hit?.payload as { nested: { deeper: { deepest: string[] } } }).nested.deeper.deepest.push(
          'changed',
        )
        const [listed] = await backend.listWhere({}, 1)
        assert.deepEqual(listed?.payload, ROUND_TRIP_PAYLOAD)
        ;(listed?.payload as { list: unknown[] }).list.pop()
        assert.deepEqual((await backend.search([1, 2, 3], 1, {}))[0]?.payload, ROUND_TRIP_PAYLOAD)
      }))

    if (has('upsertMany'))
      test('upsertMany writes and replaces many entries', () =>
        withBackend(factory, cosine, async (backend) => {
          const upsertMany = capability(backend, 'upsertMany')
          await backend.upsert('r0', [1, 1, 1], { old: true })
          const records = Array.from({ length: 25 }, (_, i) => ({
            id: `r${i}`,
            vector: [1, i + 1, 2],
            payload: { i },
          }))
          await upsertMany(records)
          assert.equal(await backend.count({}), 25)
          assert.equal(await backend.count({ old: true }), 0)
          assert.deepEqual((await backend.listWhere({ i: 0 }, 5))[0], {
            id: 'r0',
            payload: { i: 0 },
          })
          await upsertMany([])
          assert.equal(await backend.count({}), 25)
        }))

    test('delete removes one entry; deleting a missing id is a no-op', () =>
      withBackend(factory, cosine, async (backend) => {
        await loadScored(backend)
        await backend.delete('a')
        await backend.delete('missing')
        assert.equal(await backend.count({}), 3)
        assert.ok(!ids(await backend.search(SCORED_QUERY, 10, {})).includes('a'))
        assert.deepEqual(ids(await backend.listWhere({}, 10)), ['b', 'c', 'd'])
      }))

    test('deleteWhere removes exactly the matching entries', () =>
      withBackend(factory, cosine, async (backend) => {
        for (let i = 0; i < 10; i++) await backend.upsert(`e${i}`, [1, i, 0], { mod: i % 3 })
        await backend.deleteWhere({ mod: 1 })
        assert.equal(await backend.count({}), 7)
        assert.equal(await backend.count({ mod: 1 }), 0)
        await backend.deleteWhere({ mod: { $in: [0, 2] } })
        assert.equal(await backend.count({}), 0)
      }))

    if (has('clearAll'))
      test('clearAll deletes everything, explicitly', () =>
        withBackend(factory, cosine, async (backend) => {
          await loadScored(backend)
          await capability(backend, 'clearAll')()
          assert.equal(await backend.count({}), 0)
          await backend.upsert('again', [1, 0, 0], {})
          assert.equal(await backend.count({}), 1)
        }))
  })

  describe('reading entries back', () => {
    if (has('getByIds'))
      test('getByIds returns float32 vectors and payloads in the order asked, missing ids skipped', () =>
        withBackend(factory, { metric: 'l2' }, async (backend) => {
          const getByIds = capability(backend, 'getByIds')
          // Values that need every float32 digit: 1/3, a subnormal-free tiny value, a large one.
          const precise = [1 / 3, -2.5e-8, 123456.789]
          await backend.upsert('p', precise, ROUND_TRIP_PAYLOAD)
          await backend.upsert('q', [0, 1, 0], { q: true })
          const found = await getByIds(['q', 'missing', 'p'])
          assert.deepEqual(
            found.map((record) => record.id),
            ['q', 'p'],
          )
          assert.deepEqual(
            Array.from(found[1]?.vector ?? []),
            Array.from(Float32Array.from(precise)),
          )
          assert.deepEqual(found[1]?.payload, ROUND_TRIP_PAYLOAD)
          assert.deepEqual(found[0]?.payload, { q: true })
          assert.deepEqual(await getByIds([]), [])
        }))
  })

  describe('dimension', () => {
    test('the first write fixes the dimension', () =>
      withBackend(factory, cosine, async (backend) => {
        await backend.upsert('a', [1, 0, 0], {})
        await rejectsWith(
          () => backend.upsert('b', [1, 0, 0, 0], {}),
          DimensionMismatchError,
          'write',
        )
        await rejectsWith(() => backend.search([1, 0], 1, {}), DimensionMismatchError, 'query')
        assert.equal(await backend.count({}), 1)
      }))

    test('a dimension given at creation is enforced from the first write', () =>
      withBackend(factory, { metric: 'cosine', dim: 4 }, async (backend) => {
        await rejectsWith(() => backend.upsert('a', [1, 0, 0], {}), DimensionMismatchError, 'write')
        await backend.upsert('a', [1, 0, 0, 0], {})
        assert.equal(await backend.count({}), 1)
      }))
  })

  describe('listing', () => {
    test('listWhere returns id order (code points) and pages with after', () =>
      withBackend(factory, cosine, async (backend) => {
        for (const id of [...ORDERED_IDS].reverse()) await backend.upsert(id, [1, 1, 1], { id })
        assert.deepEqual(ids(await backend.listWhere({}, 100)), ORDERED_IDS)
        const paged: string[] = []
        let after: string | undefined
        for (;;) {
          const page = await backend.listWhere({}, 2, after === undefined ? {} : { after })
          if (page.length === 0) break
          paged.push(...ids(page))
          after = page[page.length - 1]?.id
        }
        assert.deepEqual(paged, ORDERED_IDS)
        assert.deepEqual(ids(await backend.listWhere({ id: { $in: ['a', '😀'] } }, 10)), [
          'a',
          '😀',
        ])
      }))

    test('count and listWhere honour filters', () =>
      withBackend(factory, cosine, async (backend) => {
        for (let i = 0; i < 12; i++)
          await backend.upsert(`k${String(i).padStart(2, '0')}`, [1, i, 0], { big: i >= 8 })
        assert.equal(await backend.count({ big: true }), 4)
        assert.deepEqual(ids(await backend.listWhere({ big: true }, 3)), ['k08', 'k09', 'k10'])
        assert.deepEqual(ids(await backend.listWhere({ big: true }, 3, { after: 'k09' })), [
          'k10',
          'k11',
        ])
      }))
  })

  describe('declared capabilities', () => {
    for (const name of settings.capabilities)
      test(`${name} is a method of the backend`, () =>
        withBackend(factory, cosine, async (backend) => {
          if (name === 'records') recordMethods(backend)
          else assert.equal(typeof capability(backend, name), 'function')
        }))
  })

  describe('lifecycle', () => {
    if (has('close'))
      test('every call after close fails with NotInitializedError', async () => {
        const backend = await factory(cosine)
        await backend.upsert('a', [1, 0, 0], {})
        await capability(backend, 'close')()
        const calls: [string, () => Promise<unknown>][] = [
          ['upsert', () => backend.upsert('b', [1, 0, 0], {})],
          ['search', () => backend.search([1, 0, 0], 1, {})],
          ['delete', () => backend.delete('a')],
          ['deleteWhere', () => backend.deleteWhere({ x: 1 })],
          ['listWhere', () => backend.listWhere({}, 1)],
          ['count', () => backend.count({})],
        ]
        if (has('upsertMany'))
          calls.push([
            'upsertMany',
            () => capability(backend, 'upsertMany')([{ id: 'b', vector: [1, 0, 0], payload: {} }]),
          ])
        if (has('clearAll')) calls.push(['clearAll', () => capability(backend, 'clearAll')()])
        if (has('getByIds')) calls.push(['getByIds', () => capability(backend, 'getByIds')(['a'])])
        for (const [name, call] of calls) await rejectsWith(call, NotInitializedError, name)
      })
  })
}
