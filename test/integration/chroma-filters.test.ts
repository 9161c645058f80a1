import assert from 'node:assert/strict'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import {
  type Filter,
  type JsonValue,
  matchesFilter,
  type Payload,
  UnsupportedFilterError,
} from '../../src/index.js'
import { parseFilter } from '../../src/core/filter.js'
import { compareIds } from '../../src/core/validate.js'
import { collectionNames, expectNoLocalServers } from '../setup/chroma.js'

// The where compiler against the reference evaluator on a real server, with
// the values Chroma 1.0 compares unusually: fractional operands against
// integers, integers beyond 2^53 and 2^63, booleans against 0/1, strings of
// digits, null, arrays and objects, missing keys, and keys that change type.
const names = collectionNames('flt')
let backend: ChromaBackend
let serverPid: number

beforeAll(async () => {
  backend = await ChromaBackend.create(names.next(), { metric: 'l2', dim: 2 })
  serverPid = backend.localServer?.pid as number
})

afterAll(async () => {
  await backend.close()
  await expectNoLocalServers([serverPid])
})

const NUMBERS = [
  0,
  -0,
  1,
  2,
  3,
  -1,
  -2,
  1.5,
  2.5,
  -1.5,
  2.9999,
  0.1,
  1e-300,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 62,
  -(2 ** 63),
  2 ** 63,
  2 ** 64,
  1e20,
  1e21,
  -1e19,
  1e300,
  -1e300,
]
const SCALARS: readonly JsonValue[] = [
  ...NUMBERS,
  true,
  false,
  null,
  '1',
  '',
  'a',
  'b',
  '1.5',
  'true',
]
const VALUES: readonly JsonValue[] = [...SCALARS, [1], [], { x: 1 }, {}]
const KEYS = ['a', 'b', 'c'] as const
const ids = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']

const valueArb = fc.constantFrom(...VALUES)
const payloadArb: fc.Arbitrary<Payload> = fc.record(
  { a: valueArb, b: valueArb, c: valueArb },
  { requiredKeys: [], noNullPrototype: true },
)
const scalarArb = fc.constantFrom(...SCALARS.filter((v) => v === null || typeof v !== 'object'))
const numberArb = fc.constantFrom(...NUMBERS)
const keyArb = fc.constantFrom(...KEYS)
const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(keyArb, scalarArb).map(([k, v]) => ({ [k]: v }) as Filter),
  fc.tuple(keyArb, scalarArb).map(([k, v]) => ({ [k]: { $ne: v } }) as Filter),
  fc
    .tuple(keyArb, fc.constantFrom('$gt', '$gte', '$lt', '$lte'), numberArb)
    .map(([k, op, v]) => ({ [k]: { [op]: v } }) as Filter),
  fc
    .tuple(keyArb, fc.array(scalarArb, { maxLength: 4 }))
    .map(([k, v]) => ({ [k]: { $in: v } }) as Filter),
  fc
    .tuple(keyArb, fc.array(scalarArb, { maxLength: 4 }))
    .map(([k, v]) => ({ [k]: { $nin: v } }) as Filter),
  fc.tuple(keyArb, fc.boolean()).map(([k, v]) => ({ [k]: { $exists: v } }) as Filter),
  fc.tuple(keyArb, fc.constant('a\u0000')).map(([k, v]) => ({ [k]: { $ne: v } }) as Filter),
)
const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
    fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
  ),
})).filter

// Operands JSON prints as integers from 2^63 to 2^64 reach Chroma as u64, which it refuses in a
// where: those filters must throw.
function unsupported(filter: unknown): boolean {
  const isU64 = (v: number) =>
    Number.isInteger(v) &&
    !JSON.stringify(v).includes('e') &&
    BigInt(JSON.stringify(v)) >= 2n ** 63n &&
    BigInt(JSON.stringify(v)) < 2n ** 64n
  return JSON.stringify(filter, (_, v: unknown) =>
    typeof v === 'number' && isU64(v) ? '@u64' : v,
  ).includes('"@u64"')
}

describe('ChromaBackend filters agree with the reference evaluator', () => {
  it('on random payloads, rewrites and filters', async () => {
    const model = new Map<string, Payload>()
    let checked = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...ids), payloadArb), { minLength: 1, maxLength: 6 }),
        fc.array(filterArb, { minLength: 1, maxLength: 8 }),
        async (writes, filters) => {
          // Rewrites of the same ids: stale keys and type changes must not leak into filters.
          await backend.upsertMany(writes.map(([id, payload]) => ({ id, vector: [1, 2], payload })))
          // JSON has no -0: stored payloads read back 0 (the filters treat them alike anyway).
          for (const [id, payload] of writes) model.set(id, JSON.parse(JSON.stringify(payload)))
          for (const filter of filters) {
            if (unsupported(filter)) {
              await expect(backend.count(filter)).rejects.toBeInstanceOf(UnsupportedFilterError)
              continue
            }
            const node = parseFilter(filter)
            const expected = [...model.entries()]
              .filter(([, payload]) => matchesFilter(node, payload))
              .map(([id]) => id)
              .sort(compareIds)
            const listed = await backend.listWhere(filter, 100)
            assert.deepEqual(
              listed,
              expected.map((id) => ({ id, payload: model.get(id) })),
              JSON.stringify(filter),
            )
            const hits = await backend.search([1, 2], 100, filter)
            assert.deepEqual(hits.map((hit) => hit.id).sort(compareIds), expected)
            checked++
          }
        },
      ),
      { numRuns: Number(process.env['FC_RUNS'] ?? 60) },
    )
    // Payloads read back exactly, whatever was written before.
    for (const entry of await backend.listWhere({}, 100)) {
      assert.deepEqual(entry.payload, model.get(entry.id))
    }
    expect(checked).toBeGreaterThan(100)
  }, 300_000)

  it('deleteWhere removes exactly what the reference selects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(payloadArb, { minLength: 1, maxLength: 8 }),
        filterArb.filter((f) => !unsupported(f) && Object.keys(f).length > 0),
        async (payloads, filter) => {
          await backend.clearAll()
          const written = payloads.map((payload, i) => ({ id: `d${i}`, vector: [1, 2], payload }))
          await backend.upsertMany(written)
          await backend.deleteWhere(filter)
          const node = parseFilter(filter)
          const expected = written
            .filter(({ payload }) => !matchesFilter(node, payload))
            .map(({ id }) => id)
            .sort(compareIds)
          const left = (await backend.listWhere({}, 100)).map((entry) => entry.id)
          assert.deepEqual(left, expected, JSON.stringify(filter))
        },
      ),
      { numRuns: Number(process.env['FC_RUNS'] ?? 40) },
    )
  }, 300_000)
})
