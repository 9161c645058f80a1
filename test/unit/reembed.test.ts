import { describe, expect, it } from 'vitest'
import {
  BackendQueryError,
  DimensionMismatchError,
  type Embedder,
  EmbeddingModelMismatchError,
  HashingEmbedder,
  InMemoryVectorBackend,
  InvalidPayloadError,
  isRetryableError,
  type ReembedProgress,
  reembed,
  VectorStore,
} from '../../src/index.js'

const TEXTS = ['apples and pears', 'the quick brown fox', 'vector stores', 'rate limits', 'hello']

async function sourceStore(count: number): Promise<InMemoryVectorBackend> {
  const old = new HashingEmbedder(8)
  const backend = new InMemoryVectorBackend({ model: old.model })
  const store = new VectorStore(backend)
  for (let i = 0; i < count; i++) {
    const content = `${TEXTS[i % TEXTS.length]} item${i}`
    const [vector] = await old.embed([content])
    await store.upsert({
      id: `e${String(i).padStart(3, '0')}`,
      content,
      vector: vector!,
      embeddingModel: old.model,
      metadata: { i },
    })
  }
  return backend
}

/** The new model, counting its calls; `failAt` makes call n throw `error`. */
function countingEmbedder(
  dimensions: number,
  options: { failAt?: Set<number>; error?: () => unknown } = {},
): Embedder & { calls: number } {
  const inner = new HashingEmbedder(dimensions)
  return {
    model: inner.model,
    dimensions,
    calls: 0,
    async embed(texts) {
      this.calls++
      if (options.failAt?.has(this.calls)) throw options.error?.()
      return inner.embed(texts)
    },
  }
}

describe('reembed()', () => {
  it('re-embeds every entry with the new model, payloads kept and their model updated', async () => {
    const source = await sourceStore(23)
    const embedder = countingEmbedder(16)
    const target = new InMemoryVectorBackend({ model: embedder.model })
    const progress: ReembedProgress[] = []
    const report = await reembed(source, target, {
      embedder,
      batchSize: 5,
      onProgress: (p) => progress.push(p),
    })
    expect(report).toEqual({ done: 23, total: 23, written: 23, skipped: 0, present: 0, retries: 0 })
    expect(embedder.calls).toBe(5)
    expect(progress.map((p) => p.done)).toEqual([5, 10, 15, 20, 23])
    expect(target.dim).toBe(16)
    const [entry] = await target.getByIds(['|e007'])
    const [expected] = await new HashingEmbedder(16).embed([`${TEXTS[2]} item7`])
    expect(Array.from(entry!.vector)).toEqual(expected!.map(Math.fround))
    const stored = (await source.listWhere({}, 1, { after: '|e006' }))[0]!.payload
    expect(entry!.payload).toEqual({ ...stored, embedding_model: embedder.model })
    const [hit] = await new VectorStore(target).search({
      vector: expected!,
      topK: 1,
      embeddingModel: embedder.model,
    })
    expect(hit?.entry.id).toBe('e007')
  })

  it('resumes after a failure: a second run skips what the first one wrote', async () => {
    const source = await sourceStore(20)
    const target = new InMemoryVectorBackend()
    const failing = countingEmbedder(16, {
      failAt: new Set([3]),
      error: () => new Error('quota exhausted'),
    })
    const failure = reembed(source, target, { embedder: failing, batchSize: 4 })
    await expect(failure).rejects.toBeInstanceOf(BackendQueryError)
    await expect(failure).rejects.toThrow(/embed failed: embedder 'hashing-v1-16': quota exhausted/)
    expect(failing.calls).toBe(3) // not retried: not a rate limit
    expect(await target.count({})).toBe(8)
    const embedder = countingEmbedder(16)
    const report = await reembed(source, target, { embedder, batchSize: 4 })
    expect(report).toMatchObject({ done: 20, written: 12, skipped: 8, present: 8 })
    expect(embedder.calls).toBe(3)
    expect(await target.count({})).toBe(20)
  })

  it('retries rate-limited calls with backoff', async () => {
    const source = await sourceStore(6)
    const target = new InMemoryVectorBackend()
    const rateLimit = () => Object.assign(new Error('429 Too Many Requests'), { status: 429 })
    const embedder = countingEmbedder(16, { failAt: new Set([1, 2, 4]), error: rateLimit })
    const report = await reembed(source, target, {
      embedder,
      batchSize: 3,
      retry: { initialDelayMs: 1, maxDelayMs: 5 },
    })
    expect(report).toMatchObject({ written: 6, retries: 3 })
    expect(embedder.calls).toBe(5)
    expect(isRetryableError({ retryable: true })).toBe(true)
    expect(isRetryableError({ statusCode: 429 })).toBe(true)
    expect(isRetryableError(Object.assign(new Error('bad request'), { status: 400 }))).toBe(false)

    const exhausted = countingEmbedder(16, { failAt: new Set([1, 2]), error: rateLimit })
    await expect(
      reembed(source, new InMemoryVectorBackend(), {
        embedder: exhausted,
        retry: { attempts: 2, initialDelayMs: 1 },
      }),
    ).rejects.toThrow(/429 Too Many Requests/)
  })

  it('refuses a target of another dimension or model, and entries without text', async () => {
    const source = await sourceStore(2)
    const embedder = new HashingEmbedder(16)
    const eight = new InMemoryVectorBackend({ dim: 8 })
    await expect(reembed(source, eight, { embedder })).rejects.toBeInstanceOf(
      DimensionMismatchError,
    )
    const other = new InMemoryVectorBackend({ model: 'another-model' })
    await expect(reembed(source, other, { embedder })).rejects.toBeInstanceOf(
      EmbeddingModelMismatchError,
    )
    const bare = new InMemoryVectorBackend()
    await bare.upsert('x', [1, 0], { title: 'no content' })
    await expect(reembed(bare, new InMemoryVectorBackend(), { embedder })).rejects.toBeInstanceOf(
      InvalidPayloadError,
    )
    const titled = new InMemoryVectorBackend()
    await reembed(bare, titled, { embedder, text: (entry) => String(entry.payload['title']) })
    expect(await titled.count({})).toBe(1)
  })
})
