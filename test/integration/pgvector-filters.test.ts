import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import {
  compareIds,
  type Filter,
  type JsonValue,
  matchesFilter,
  type Payload,
} from '../../src/index.js'
import { parseFilter } from '../../src/core/filter.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { testEngines } from '../setup/postgres-engines.js'

const { engines, skipped } = await testEngines('pgv_filters')
afterAll(async () => {
  for (const engine of engines) await engine.close()
})
if (skipped)
  describe.skip(`native Postgres (skipped: ${skipped})`, () => it('needs Postgres', () => {}))

// Values chosen to be confused with each other: '1' / 1 / 1.5 / true, null / missing, arrays / scalars.
const KEYS = ['k', 'n', 'a.b', 'x-y', 'deep']
const SCALARS = [0, 1, -1, 1.5, 2, 1e21, -2.5e-8, '1', '', 'a', 'A', 'é', true, false, null]
const scalar = fc.constantFrom(...SCALARS)
const value: fc.Arbitrary<JsonValue> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('x', 'k'), scalar, { maxKeys: 2 }) },
)
const payload: fc.Arbitrary<Payload> = fc.dictionary(fc.constantFrom(...KEYS), value, {
  maxKeys: 4,
  noNullPrototype: true,
})
const key = fc.constantFrom(...KEYS)
const numberOperand = fc.constantFrom(-1, 0, 1, 1.5, 2, 1e21, -2.5e-8)
const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(key, scalar).map(([k, v]) => ({ [k]: v })),
  fc.tuple(key, fc.constantFrom('$eq', '$ne'), scalar).map(([k, op, v]) => ({ [k]: { [op]: v } })),
  fc
    .tuple(key, fc.constantFrom('$gt', '$gte', '$lt', '$lte'), numberOperand)
    .map(([k, op, v]) => ({ [k]: { [op]: v } })),
  fc
    .tuple(key, fc.constantFrom('$in', '$nin'), fc.array(scalar, { maxLength: 4 }))
    .map(([k, op, v]) => ({ [k]: { [op]: v } })),
  fc.tuple(key, fc.boolean()).map(([k, exists]) => ({ [k]: { $exists: exists } })),
)
const filter: fc.Arbitrary<Filter> = fc.letrec<{ node: Filter }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: leaf },
    {
      weight: 1,
      arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
    },
    {
      weight: 1,
      arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(leaf, leaf).map(([a, b]) => ({ ...a, ...b })),
    },
  ),
})).node

for (const engine of engines) {
  describe(`filters compile to SQL with the reference semantics on ${engine.name}`, () => {
    it('every random filter selects exactly what matchesFilter selects', async () => {
      const payloads = fc.sample(payload, { numRuns: 120, seed: 42 })
      const backend = await PgvectorBackend.create({
        db: engine.db,
        schema: engine.schema,
        table: 'filter_oracle',
        dim: 2,
        metric: 'l2',
      })
      await backend.upsertMany(
        payloads.map((p, i) => ({
          id: `p${String(i).padStart(3, '0')}`,
          vector: [i, 1],
          payload: p,
        })),
      )
      const stored = payloads.map((p, i) => [`p${String(i).padStart(3, '0')}`, p] as const)
      await fc.assert(
        fc.asyncProperty(filter, async (f) => {
          const node = parseFilter(f)
          const expected = stored.filter(([, p]) => matchesFilter(node, p)).map(([id]) => id)
          const listed = (await backend.listWhere(f, 1000)).map((entry) => entry.id)
          expect(listed, JSON.stringify(f)).toEqual(expected)
          expect(await backend.count(f)).toBe(expected.length)
          const found = (await backend.search([0, 1], 1000, f)).map((hit) => hit.id)
          expect(found.sort(compareIds)).toEqual(expected)
        }),
        { numRuns: 300, seed: 7 },
      )
      await backend.close()
    })
  })
}
