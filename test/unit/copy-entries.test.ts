import { describe, expect, it } from 'vitest'
import {
  copyEntries,
  DimensionMismatchError,
  InMemoryVectorBackend,
  InvalidArgumentError,
  MetricMismatchError,
  type TransferProgress,
} from '../../src/index.js'

function records(count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `e${String(i).padStart(3, '0')}`,
    vector: [i, 1, -i / 2],
    payload: { i, tag: i % 2 === 0 ? 'even' : 'odd' },
  }))
}

async function source(count: number): Promise<InMemoryVectorBackend> {
  const backend = new InMemoryVectorBackend({ metric: 'l2' })
  await backend.upsertMany(records(count))
  return backend
}

describe('copyEntries()', () => {
  it('copies every id, vector and payload in pages, reporting each write', async () => {
    const from = await source(23)
    const to = new InMemoryVectorBackend({ metric: 'l2' })
    const progress: TransferProgress[] = []
    const report = await copyEntries(from, to, {
      batchSize: 5,
      onProgress: (p) => progress.push(p),
    })
    expect(report).toEqual({ done: 23, total: 23, written: 23, skipped: 0, present: 0 })
    expect(progress.map((p) => p.done)).toEqual([5, 10, 15, 20, 23])
    const ids = records(23).map((record) => record.id)
    expect(await to.getByIds(ids)).toEqual(await from.getByIds(ids))
  })

  it('skips ids the target holds (a rerun resumes), or rewrites them with overwrite', async () => {
    const from = await source(12)
    const to = new InMemoryVectorBackend({ metric: 'l2' })
    await to.upsertMany(
      records(12)
        .filter((_, i) => i % 3 === 0)
        .map((r) => ({ ...r, payload: {} })),
    )
    expect(await copyEntries(from, to, { batchSize: 4 })).toMatchObject({
      done: 12,
      written: 8,
      skipped: 4,
      present: 4,
    })
    expect((await to.getByIds(['e000']))[0]?.payload).toEqual({})
    expect(await copyEntries(from, to, { batchSize: 4, overwrite: true })).toMatchObject({
      written: 12,
      skipped: 0,
      present: 12,
    })
    expect((await to.getByIds(['e000']))[0]?.payload).toEqual({ i: 0, tag: 'even' })
  })

  it('refuses a target of another metric or dimension, or the source itself, writing nothing', async () => {
    const from = await source(3)
    const cosine = new InMemoryVectorBackend({ metric: 'cosine' })
    await expect(copyEntries(from, cosine)).rejects.toBeInstanceOf(MetricMismatchError)
    const wide = new InMemoryVectorBackend({ metric: 'l2' })
    await wide.upsert('x', [1, 2, 3, 4], {})
    const wrongDim = copyEntries(from, wide)
    await expect(wrongDim).rejects.toBeInstanceOf(DimensionMismatchError)
    await expect(wrongDim).rejects.toThrow(/4 dimensions, got 3: the source's are 3/)
    expect(await cosine.count({})).toBe(0)
    expect(await wide.count({})).toBe(1)
    await expect(copyEntries(from, from)).rejects.toBeInstanceOf(InvalidArgumentError)
    const to = new InMemoryVectorBackend({ metric: 'l2' })
    await expect(copyEntries(from, to, { batchSize: 0 })).rejects.toThrow(/batchSize/)
    expect(await to.count({})).toBe(0)
  })
})
