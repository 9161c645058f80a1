import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InMemoryVectorBackend,
  VectorStore,
} from '../../src/index.js'
import { makeTempDir } from '../setup/temp-dir.js'

const temp = makeTempDir('vecstore-model-')
afterAll(() => temp.cleanup())

describe('the embedding model recorded with a snapshot', () => {
  it('is refused when another one opens it, adopted when none is given', async () => {
    const path = join(temp.dir, 'a.json')
    const first = new InMemoryVectorBackend({ snapshotPath: path, model: 'model-a' })
    await first.upsert('x', [1, 0, 0], {})
    await first.close()
    let error: unknown
    try {
      new InMemoryVectorBackend({ snapshotPath: path, model: 'model-b' })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(EmbeddingModelMismatchError)
    expect(error).toMatchObject({
      code: 'EMBEDDING_MODEL_MISMATCH',
      where: `snapshot ${path}`,
      stored: 'model-a',
      requested: 'model-b',
    })
    expect((error as Error).message).toBe(
      `snapshot ${path} holds vectors of model 'model-a' but 'model-b' was requested; another model needs a new index, re-embedded into it (vecstore reembed)`,
    )
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(reopened.model).toBe('model-a')
    expect((await reopened.stats()).model).toBe('model-a')
    await reopened.close()
  })

  it('is recorded on first open in a snapshot written without one', async () => {
    const path = join(temp.dir, 'b.json')
    const unrecorded = new InMemoryVectorBackend({ snapshotPath: path })
    await unrecorded.upsert('x', [1, 0], { n: 1 })
    await unrecorded.close()
    const recording = new InMemoryVectorBackend({ snapshotPath: path, model: 'model-a' })
    await recording.close()
    expect(() => new InMemoryVectorBackend({ snapshotPath: path, model: 'model-b' })).toThrow(
      EmbeddingModelMismatchError,
    )
    const reopened = new InMemoryVectorBackend({ snapshotPath: path })
    expect(reopened.model).toBe('model-a')
    expect(await reopened.listWhere({}, 10)).toEqual([{ id: 'x', payload: { n: 1 } }])
    await reopened.close()
  })

  it('names the snapshot in dimension errors, stored dimension first', async () => {
    const path = join(temp.dir, 'c.json')
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    await backend.upsert('x', [1, 0, 0], {})
    await expect(backend.upsert('y', [1, 0], {})).rejects.toThrow(
      `snapshot ${path} holds vectors of 3 dimensions, got 2`,
    )
    await backend.close()
    expect(() => new InMemoryVectorBackend({ snapshotPath: path, dim: 4 })).toThrow(
      new DimensionMismatchError(3, 4, `snapshot ${path}`),
    )
  })
})

describe('VectorStore and the backend model', () => {
  it('refuses entries and queries of another model', async () => {
    const store = new VectorStore(new InMemoryVectorBackend({ model: 'model-a' }))
    await store.upsert({ id: 'a', content: 'a', vector: [1, 0], embeddingModel: 'model-a' })
    await expect(
      store.upsert({ id: 'b', content: 'b', vector: [0, 1], embeddingModel: 'model-b' }),
    ).rejects.toMatchObject({
      code: 'EMBEDDING_MODEL_MISMATCH',
      stored: 'model-a',
      requested: 'model-b',
    })
    await expect(
      store.search({ vector: [1, 0], embeddingModel: 'model-b' }),
    ).rejects.toBeInstanceOf(EmbeddingModelMismatchError)
    expect(await store.count()).toBe(1)
    const [hit] = await store.search({ vector: [1, 0], embeddingModel: 'model-a' })
    expect(hit?.entry.embeddingModel).toBe('model-a')
  })
})
