import assert from 'node:assert/strict'
import { expect } from 'vitest'
import type { VectorBackend } from '../../../src/core/backend.js'
import type { Payload } from '../../../src/core/json.js'
import { listAll } from './fault-load.js'

// 1,000 operations started at once per backend. Each write op owns its ids, so the final state
// is the same in any order: the sequential model below. Reads must succeed and stay in bounds.
const OPS = 1000
/** The dimension of the vectors {@link runLoad} writes. */
export const DIM = 8
const vec = (i: number) => Array.from({ length: DIM }, (_, d) => ((i * 7 + d * 3) % 11) - 5 || 1)

/** Starts the 1,000 operations at once, then checks the final state against the model. */
export async function runLoad(backend: VectorBackend): Promise<{ ops: number; entries: number }> {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    // Seed what the deletes will delete, plus a stable set the reads look at.
    const seed = []
    for (let i = 0; i < OPS; i++) {
      if (i % 6 === 2) seed.push({ id: `d${i}`, vector: vec(i), payload: { kind: 'victim' } })
      if (i % 6 === 3)
        for (const j of [0, 1])
          seed.push({ id: `g${i}-${j}`, vector: vec(i + j), payload: { group: `g${i}` } })
    }
    for (let i = 0; i < 20; i++)
      seed.push({ id: `s${i}`, vector: vec(i), payload: { kind: 'seed' } })
    await (backend.upsertMany as NonNullable<VectorBackend['upsertMany']>).call(backend, seed)

    const expected = new Map<string, Payload>()
    for (let i = 0; i < 20; i++) expected.set(`s${i}`, { kind: 'seed' })
    const op = async (i: number) => {
      switch (i % 6) {
        case 0:
          return backend.upsert(`u${i}`, vec(i), { i })
        case 1:
          return backend.upsertMany?.(
            [0, 1, 2].map((j) => ({ id: `m${i}-${j}`, vector: vec(i + j), payload: { i, j } })),
          )
        case 2:
          return backend.delete(`d${i}`)
        case 3:
          return backend.deleteWhere({ group: `g${i}` })
        case 4: {
          const hits = await backend.search(vec(i), 5, { kind: 'seed' })
          assert.equal(hits.length, 5)
          return
        }
        default:
          assert.equal(await backend.count({ kind: 'seed' }), 20)
      }
    }
    for (let i = 0; i < OPS; i++) {
      if (i % 6 === 0) expected.set(`u${i}`, { i })
      if (i % 6 === 1) for (const j of [0, 1, 2]) expected.set(`m${i}-${j}`, { i, j })
    }
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('load did not finish within 100 s')), 100_000)
    })
    const results = await Promise.race([
      Promise.allSettled(Array.from({ length: OPS }, (_, i) => op(i))),
      deadline,
    ]).finally(() => clearTimeout(timer))
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [[i, String(r.reason)]] : [],
    )
    expect(failed).toEqual([])
    const stored = await listAll(backend)
    expect([...stored.keys()].sort()).toEqual([...expected.keys()].sort())
    for (const [id, payload] of expected) expect(stored.get(id), id).toEqual(payload)
    expect(await backend.count({})).toBe(expected.size)
    return { ops: OPS, entries: stored.size }
  } finally {
    await new Promise((resolve) => setImmediate(resolve))
    process.off('unhandledRejection', onUnhandled)
    expect(unhandled).toEqual([])
  }
}
