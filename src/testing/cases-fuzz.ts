import assert from 'node:assert/strict'
import type { Arbitrary } from 'fast-check'
import { type Filter, type FilterScalar, matchesFilter, parseFilter } from '../core/filter.js'
import type { JsonValue, Payload } from '../core/json.js'
import { compareIds } from '../core/validate.js'
import type { ConformanceSettings } from './conformance.js'
import { type FastCheck, loadFastCheck } from './fast-check.js'
import { type BackendFactory, type TestHarness, withBackend, writeAll } from './harness.js'

// Few keys, so filters hit payloads often; they include every separator a key may hold.
const KEYS = ['a', 'b', 'x.y', 'k-1', 'é', 'n_2', 'u:v', 'p/q', 'm@w']
// Built once fast-check is loaded (an optional peer).
function arbitraries(fc: FastCheck) {
  const keyArb = fc.constantFrom(...KEYS)
  const stringArb = fc.oneof(
    fc.constantFrom(
      '',
      'x',
      'X',
      "'",
      '"',
      "' OR '1'='1",
      '$1',
      '--',
      ';',
      '%',
      '\\',
      'é',
      '😀',
      '1',
      'true',
      'null',
    ),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
  )
  const numberArb = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom(0.5, -2.25, 1e15, 2 ** 53 - 1, -1e-7, 123456.789),
  )
  const scalarArb: Arbitrary<FilterScalar> = fc.oneof(
    { weight: 3, arbitrary: stringArb },
    { weight: 3, arbitrary: numberArb },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
  )
  const valueArb: Arbitrary<JsonValue> = fc.oneof(
    { weight: 6, arbitrary: scalarArb },
    { weight: 1, arbitrary: fc.array(scalarArb, { maxLength: 3 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(fc.constantFrom('a', 'z', '$k', ''), scalarArb, {
        maxKeys: 2,
        noNullPrototype: true,
      }),
    },
  )
  const payloadArb: Arbitrary<Payload> = fc.dictionary(keyArb, valueArb, {
    maxKeys: 5,
    noNullPrototype: true,
  })
  const leafArb: Arbitrary<Filter> = fc.oneof(
    fc.tuple(keyArb, scalarArb).map(([k, v]) => ({ [k]: v })),
    fc.tuple(keyArb, scalarArb).map(([k, v]) => ({ [k]: { $eq: v } })),
    fc.tuple(keyArb, scalarArb).map(([k, v]) => ({ [k]: { $ne: v } })),
    fc.tuple(keyArb, fc.array(scalarArb, { maxLength: 4 })).map(([k, v]) => ({ [k]: { $in: v } })),
    fc.tuple(keyArb, fc.array(scalarArb, { maxLength: 4 })).map(([k, v]) => ({ [k]: { $nin: v } })),
    fc
      .tuple(keyArb, fc.constantFrom('$gt', '$gte', '$lt', '$lte'), numberArb)
      .map(([k, op, v]) => ({ [k]: { [op]: v } })),
    fc.tuple(keyArb, fc.boolean()).map(([k, v]) => ({ [k]: { $exists: v } })),
  )
  const filterArb: Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
    filter: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafArb,
      fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
      fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
    ),
  })).filter
  const datasetArb = fc.record({
    payloads: fc.array(payloadArb, { minLength: 1, maxLength: 12 }),
    filters: fc.array(filterArb, { minLength: 1, maxLength: 8 }),
  })
  return { datasetArb }
}

/**
 * Fuzzing: random JSON payloads round-trip exactly, and random filters (every
 * operator, nested `$and`/`$or`, keys with separators, values carrying SQL
 * and Unicode) select exactly what the reference evaluator `matchesFilter` does,
 * through count, listWhere, search and deleteWhere.
 */
export function fuzzCases(
  factory: BackendFactory,
  { describe, it }: TestHarness,
  settings: ConformanceSettings,
): void {
  describe('fuzzed payloads and filters agree with the reference evaluator', () => {
    it(
      'random payloads and filters',
      async () => {
        const fc = await loadFastCheck()
        const { datasetArb } = arbitraries(fc)
        await fc.assert(
          fc.asyncProperty(datasetArb, ({ payloads, filters }) =>
            withBackend(factory, { metric: 'l2', dim: 2 }, async (backend) => {
              const entries = payloads.map((payload, i) => ({
                id: `e${String(i).padStart(2, '0')}`,
                vector: [i, 1],
                payload,
              }))
              await writeAll(backend, entries, settings.capabilities)
              const listed = await backend.listWhere({}, 100)
              assert.deepEqual(
                listed,
                entries.map(({ id, payload }) => ({ id, payload })),
                'payloads round-trip',
              )
              for (const filter of filters) {
                const node = parseFilter(filter)
                const expected = entries
                  .filter((e) => matchesFilter(node, e.payload))
                  .map((e) => e.id)
                  .sort(compareIds)
                const what = JSON.stringify(filter)
                assert.equal(await backend.count(filter), expected.length, `count ${what}`)
                assert.deepEqual(
                  (await backend.listWhere(filter, 100)).map((e) => e.id),
                  expected,
                  `listWhere ${what}`,
                )
                const hits = await backend.search([0, 1], 100, filter)
                assert.deepEqual(
                  hits.map((h) => h.id),
                  expected,
                  `search ${what}`,
                )
              }
              // The last filter also deletes, when it is not empty: the rest must stay.
              const last = filters[filters.length - 1] as Filter
              const lastNode = parseFilter(last)
              await backend.deleteWhere(last)
              assert.deepEqual(
                (await backend.listWhere({}, 100)).map((e) => e.id),
                entries.filter((e) => !matchesFilter(lastNode, e.payload)).map((e) => e.id),
                `deleteWhere ${JSON.stringify(last)}`,
              )
            }),
          ),
          { numRuns: Math.max(3, Math.ceil(settings.propertyRuns / 5)) },
        )
      },
      settings.timeoutMs * 4,
    )
  })
}
