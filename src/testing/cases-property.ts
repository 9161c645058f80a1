import assert from 'node:assert/strict'
import type { Arbitrary } from 'fast-check'
import type { VectorBackend } from '../core/backend.js'
import { type Filter, matchesFilter, parseFilter } from '../core/filter.js'
import type { Payload } from '../core/json.js'
import { DISTANCE_METRICS, type DistanceMetric, referenceScore } from '../core/metric.js'
import { compareIds } from '../core/validate.js'
import { assertScoresClose, ids } from './assertions.js'
import type { ConformanceSettings } from './conformance.js'
import { type FastCheck, loadFastCheck } from './fast-check.js'
import { type BackendFactory, type TestHarness, withBackend, writeAll } from './harness.js'

const DIM = 4
type Model = Map<string, { vector: number[]; payload: Payload }>
type Op =
  | { kind: 'upsert'; id: string; vector: number[]; payload: Payload }
  | { kind: 'upsertMany'; records: { id: string; vector: number[]; payload: Payload }[] }
  | { kind: 'delete'; id: string }
  | { kind: 'deleteWhere'; filter: Filter }
  | { kind: 'search'; vector: number[]; topK: number; filter: Filter }
  | { kind: 'listWhere'; filter: Filter; limit: number; after: string | undefined }
  | { kind: 'count'; filter: Filter }

// Built once fast-check is loaded (an optional peer).
function arbitraries(fc: FastCheck) {
  const idArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'B', 'é', '😀', 'a1')
  const vectorArb = fc
    .array(fc.integer({ min: -3, max: 3 }), { minLength: DIM, maxLength: DIM })
    .filter((v) => v.some((x) => x !== 0))
  const payloadArb: Arbitrary<Payload> = fc.record(
    {
      g: fc.constantFrom('x', 'y', 'z'),
      n: fc.integer({ min: 0, max: 5 }),
      t: fc.constantFrom(true, false, null, 1, '1'),
    },
    { requiredKeys: [], noNullPrototype: true },
  )
  const leafFilterArb: Arbitrary<Filter> = fc.oneof(
    fc.record({ g: fc.constantFrom('x', 'y', 'z') }, { noNullPrototype: true }),
    fc.record({ t: fc.constantFrom(true, false, null, 1, '1') }, { noNullPrototype: true }),
    fc.integer({ min: 0, max: 5 }).map((k) => ({ n: { $gt: k } })),
    fc.integer({ min: 0, max: 5 }).map((k) => ({ n: { $lte: k } })),
    fc
      .array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 })
      .map((values) => ({ n: { $in: values } })),
    fc.constantFrom('x', 'y').map((g) => ({ g: { $ne: g } })),
    fc.constantFrom('x', 'y').map((g) => ({ g: { $nin: [g] } })),
    fc.boolean().map((exists) => ({ t: { $exists: exists } })),
  )
  const filterArb: Arbitrary<Filter> = fc.oneof(
    { weight: 3, arbitrary: leafFilterArb },
    {
      weight: 1,
      arbitrary: fc.array(leafFilterArb, { minLength: 1, maxLength: 3 }).map(($or) => ({ $or })),
    },
    {
      weight: 1,
      arbitrary: fc.array(leafFilterArb, { minLength: 1, maxLength: 3 }).map(($and) => ({ $and })),
    },
  )
  const readFilterArb = fc.oneof(
    { weight: 1, arbitrary: fc.constant({}) },
    { weight: 3, arbitrary: filterArb },
  )
  const recordArb = fc.record({ id: idArb, vector: vectorArb, payload: payloadArb })

  const opArb: Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: recordArb.map((r) => ({ kind: 'upsert' as const, ...r })) },
    {
      weight: 2,
      arbitrary: fc
        .array(recordArb, { maxLength: 5 })
        .map((records) => ({ kind: 'upsertMany' as const, records })),
    },
    { weight: 2, arbitrary: idArb.map((id) => ({ kind: 'delete' as const, id })) },
    { weight: 1, arbitrary: filterArb.map((filter) => ({ kind: 'deleteWhere' as const, filter })) },
    {
      weight: 4,
      arbitrary: fc
        .record({ vector: vectorArb, topK: fc.integer({ min: 1, max: 8 }), filter: readFilterArb })
        .map((r) => ({ kind: 'search' as const, ...r })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({
          filter: readFilterArb,
          limit: fc.integer({ min: 1, max: 6 }),
          after: fc.option(idArb, { nil: undefined }),
        })
        .map((r) => ({ kind: 'listWhere' as const, ...r })),
    },
    { weight: 2, arbitrary: readFilterArb.map((filter) => ({ kind: 'count' as const, filter })) },
  )
  return { opArb }
}

/** Random operation sequences; a plain Map with the reference evaluator is the oracle. */
export function propertyCases(
  factory: BackendFactory,
  { describe, it }: TestHarness,
  settings: ConformanceSettings,
): void {
  describe('random operation sequences agree with the reference model', () => {
    for (const metric of DISTANCE_METRICS) {
      it(
        `${metric}`,
        async () => {
          const fc = await loadFastCheck()
          const { opArb } = arbitraries(fc)
          await fc.assert(
            fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) =>
              withBackend(factory, { metric, dim: DIM }, async (backend) => {
                const model: Model = new Map()
                for (const op of ops) await step(backend, model, op, metric, settings)
              }),
            ),
            { numRuns: settings.propertyRuns },
          )
        },
        settings.timeoutMs * 4,
      )
    }
  })
}

async function step(
  backend: VectorBackend,
  model: Model,
  op: Op,
  metric: DistanceMetric,
  { scoreTolerance: tolerance, capabilities }: ConformanceSettings,
): Promise<void> {
  switch (op.kind) {
    case 'upsert':
      await backend.upsert(op.id, op.vector, op.payload)
      model.set(op.id, { vector: op.vector, payload: op.payload })
      return
    case 'upsertMany':
      await writeAll(backend, op.records, capabilities)
      for (const r of op.records) model.set(r.id, { vector: r.vector, payload: r.payload })
      return
    case 'delete':
      await backend.delete(op.id)
      model.delete(op.id)
      return
    case 'deleteWhere':
      await backend.deleteWhere(op.filter)
      for (const id of modelMatches(model, op.filter)) model.delete(id)
      return
    case 'count':
      assert.equal(await backend.count(op.filter), modelMatches(model, op.filter).length, 'count')
      return
    case 'listWhere': {
      const expected = modelMatches(model, op.filter)
        .filter((id) => op.after === undefined || compareIds(id, op.after) > 0)
        .slice(0, op.limit)
        .map((id) => ({ id, payload: model.get(id)?.payload }))
      assert.deepEqual(
        await backend.listWhere(
          op.filter,
          op.limit,
          op.after === undefined ? {} : { after: op.after },
        ),
        expected,
        'listWhere',
      )
      return
    }
    case 'search':
      return checkSearch(backend, model, op, metric, tolerance)
  }
}

async function checkSearch(
  backend: VectorBackend,
  model: Model,
  op: Extract<Op, { kind: 'search' }>,
  metric: DistanceMetric,
  tolerance: number,
): Promise<void> {
  const hits = await backend.search(op.vector, op.topK, op.filter)
  const scored = modelMatches(model, op.filter)
    .map((id) => ({ id, score: referenceScore(metric, op.vector, model.get(id)?.vector ?? []) }))
    .sort((a, b) => b.score - a.score || compareIds(a.id, b.id))
  const expected = scored.slice(0, op.topK)
  assert.equal(hits.length, expected.length, 'search: number of hits')
  assert.equal(new Set(ids(hits)).size, hits.length, 'search: duplicate ids')
  const cutoff = expected[expected.length - 1]?.score ?? 0
  hits.forEach((hit, i) => {
    // Exact ties may order differently after float32 rounding; the scores, position by position, may not.
    assertScoresClose(hit.score, expected[i]?.score ?? NaN, tolerance, `search rank ${i}`)
    const own = scored.find((s) => s.id === hit.id)
    assert.ok(own, `search: ${hit.id} does not match the filter`)
    assertScoresClose(hit.score, own.score, tolerance, `search score of ${hit.id}`)
    assert.ok(
      own.score >= cutoff - tolerance * Math.max(1, Math.abs(cutoff)),
      `search: ${hit.id} is not in the top ${op.topK}`,
    )
    assert.deepEqual(hit.payload, model.get(hit.id)?.payload, 'search payload')
  })
}

function modelMatches(model: Model, filter: Filter): string[] {
  const node = parseFilter(filter)
  return [...model.keys()]
    .filter((id) => matchesFilter(node, model.get(id)?.payload ?? {}))
    .sort(compareIds)
}
