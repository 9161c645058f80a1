import assert from 'node:assert/strict'
import { type Filter, matchesFilter, parseFilter } from '../core/filter.js'
import { compareIds } from '../core/validate.js'
import { ids } from './assertions.js'
import type { ConformanceSettings } from './conformance.js'
import { FILTER_PAYLOADS } from './fixtures.js'
import { type BackendFactory, type TestHarness, withBackend } from './harness.js'

/** Filters with the entries of {@link FILTER_PAYLOADS} each must select, worked out by hand. */
export const FILTER_TABLE: readonly [string, Filter, string[]][] = [
  ['flat equality', { kind: 'a' }, ['e1', 'e3']],
  ['flat AND of keys', { kind: 'a', n: 1 }, ['e1']],
  ['"1" is not 1', { s: 1 }, []],
  ['1 is not "1"', { n: '1' }, []],
  ['true is not 1', { flag: 1 }, ['e4']],
  ['1 is not true', { flag: true }, ['e1']],
  ['1 equals 1.0', { n: 1.0 }, ['e1']],
  ['null equals only null', { tag: null }, ['e1']],
  ['$eq', { kind: { $eq: 'b' } }, ['e2']],
  ['$ne skips missing keys', { n: { $ne: 1 } }, ['e2', 'e3', 'e4']],
  ['$ne against null', { tag: { $ne: null } }, []],
  ['$in', { n: { $in: [1, 2, '3'] } }, ['e1', 'e2', 'e4']],
  ['$in empty matches nothing', { kind: { $in: [] } }, []],
  ['$nin skips missing keys', { kind: { $nin: ['a'] } }, ['e2', 'e4']],
  ['$nin empty matches every present key', { kind: { $nin: [] } }, ['e1', 'e2', 'e3', 'e4']],
  ['$gt matches numbers only', { n: { $gt: 1 } }, ['e2', 'e3']],
  ['$gte and $lt together', { n: { $gte: 2, $lt: 3.5 } }, ['e2']],
  ['$lte', { n: { $lte: 2 } }, ['e1', 'e2']],
  ['$exists true', { tag: { $exists: true } }, ['e1']],
  ['$exists false', { flag: { $exists: false } }, ['e3', 'e5']],
  ['$exists on a nested object', { nested: { $exists: true } }, ['e3']],
  ['an array is never equal to a scalar', { arr: 1 }, []],
  ['an array differs from a scalar', { arr: { $ne: 1 } }, ['e3']],
  ['$or', { $or: [{ kind: 'b' }, { n: { $gt: 3 } }] }, ['e2', 'e3']],
  ['$and', { $and: [{ kind: 'a' }, { n: { $lt: 2 } }] }, ['e1']],
  [
    'nested $and/$or',
    { $or: [{ $and: [{ kind: 'a' }, { flag: { $exists: false } }] }, { kind: 'c' }] },
    ['e3', 'e4'],
  ],
  ['$or beside a key', { kind: 'a', $or: [{ n: 1 }, { n: 2 }] }, ['e1']],
  ['$in keeps types apart: 1 is not true', { flag: { $in: [1] } }, ['e4']],
  ['$in null matches only a present null', { tag: { $in: [null] } }, ['e1']],
  ['$nin keeps types apart', { flag: { $nin: [true] } }, ['e2', 'e4']],
  ['$ne keeps types apart', { flag: { $ne: true } }, ['e2', 'e4']],
  ['range operators skip booleans', { flag: { $gt: 0 } }, ['e4']],
  ['range operators skip numeric strings', { n: { $gte: 3 } }, ['e3']],
  ['a dotted key is a literal top-level key', { 'nested.x': 1 }, []],
]

export function filterCases(
  factory: BackendFactory,
  { describe, it }: TestHarness,
  settings: ConformanceSettings,
): void {
  describe('filters', () => {
    it(
      'every filter selects exactly the reference entries in search, listWhere and count',
      () =>
        withBackend(factory, { metric: 'l2' }, async (backend) => {
          const entries = Object.entries(FILTER_PAYLOADS)
          for (const [i, [id, payload]] of entries.entries())
            await backend.upsert(id, [i, 1, 0], payload)
          for (const [name, filter, expected] of FILTER_TABLE) {
            const reference = entries
              .filter(([, p]) => matchesFilter(parseFilter(filter), p))
              .map(([id]) => id)
            assert.deepEqual(reference, expected, `reference evaluator: ${name}`)
            const found = ids(await backend.search([0, 1, 0], 100, filter)).sort(compareIds)
            assert.deepEqual(found, expected, `search: ${name}`)
            assert.deepEqual(
              ids(await backend.listWhere(filter, 100)),
              expected,
              `listWhere: ${name}`,
            )
            assert.equal(await backend.count(filter), expected.length, `count: ${name}`)
          }
        }),
      settings.timeoutMs,
    )

    it(
      'deleteWhere deletes exactly what the filter selects',
      () =>
        withBackend(factory, { metric: 'l2' }, async (backend) => {
          const entries = Object.entries(FILTER_PAYLOADS)
          for (const [i, [id, payload]] of entries.entries())
            await backend.upsert(id, [i, 1, 0], payload)
          await backend.deleteWhere({ n: { $ne: 1 } })
          assert.deepEqual(ids(await backend.listWhere({}, 100)), ['e1', 'e5'])
        }),
      settings.timeoutMs,
    )
  })
}
