import { APICallError, embedMany } from 'ai'
import { MockEmbeddingModelV3 } from 'ai/test'
import { describe, expect, it } from 'vitest'
import {
  AiSdkEmbedder,
  BackendQueryError,
  HashingEmbedder,
  InMemoryVectorBackend,
  VectorStore,
} from '../../src/index.js'

const hashing = new HashingEmbedder(32)

// The AI SDK's own test model, answering with real (hashing) embeddings.
function sdkModel(
  options: { maxEmbeddingsPerCall?: number; failures?: number; status?: number } = {},
) {
  let failures = options.failures ?? 0
  let inFlight = 0
  const stats = { calls: 0, maxInFlight: 0, sizes: [] as number[] }
  const model = new MockEmbeddingModelV3({
    modelId: 'hashing-32',
    maxEmbeddingsPerCall: options.maxEmbeddingsPerCall ?? 100,
    doEmbed: async ({ values }) => {
      stats.calls++
      stats.sizes.push(values.length)
      inFlight++
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight)
      try {
        await new Promise((resolve) => setTimeout(resolve, 2))
        if (failures > 0) {
          failures--
          const status = options.status ?? 429
          throw new APICallError({
            message: status === 429 ? 'Rate limit reached for requests' : 'Bad request',
            url: 'http://localhost/embeddings',
            requestBodyValues: {},
            statusCode: status,
            responseHeaders: { 'retry-after': '0' },
            isRetryable: status === 429,
          })
        }
        return { embeddings: await hashing.embed(values), warnings: [] }
      } finally {
        inFlight--
      }
    },
  })
  return { model, stats }
}

const WORDS = 'apple river stone cloud lamp forest engine garden silver window'.split(' ')
const texts = WORDS.map((word, i) => `a note about the ${word} and the ${WORDS[(i + 3) % 10]}`)

describe('AiSdkEmbedder', () => {
  it('gives the vectors embedMany gives, split at the model per-call limit', async () => {
    const { model, stats } = sdkModel({ maxEmbeddingsPerCall: 4 })
    const embedder = new AiSdkEmbedder(model, { dimensions: 32 })
    expect(embedder.model).toBe('hashing-32')
    expect(embedder.maxBatchSize).toBe(4)
    const ours = await embedder.embed(texts)
    expect(stats.sizes).toEqual([4, 4, 2])
    const { embeddings } = await embedMany({ model, values: texts })
    expect(ours).toEqual(embeddings)
  })

  it('indexes through the store with batches, bounded parallel calls and retries on rate limits', async () => {
    const { model, stats } = sdkModel({ maxEmbeddingsPerCall: 3, failures: 2 })
    const store = new VectorStore(new InMemoryVectorBackend(), {
      embedder: new AiSdkEmbedder(model, { dimensions: 32, model: 'openai/hashing' }),
      embedding: { concurrency: 2, retry: { initialDelayMs: 1 } },
    })
    const documents = texts.map((content, i) => ({ id: `d${i}`, content }))
    const result = await store.index(documents)
    expect(result).toMatchObject({ numAdded: 10, numEmbedded: 10 })
    expect(stats.calls).toBe(4 + 2)
    expect(stats.maxInFlight).toBe(2)
    expect(Math.max(...stats.sizes)).toBeLessThanOrEqual(3)
    const [best] = await store.retrieve(texts[4] as string, { topK: 1 })
    expect(best?.entry.documentId).toBe('d4')
    expect(best?.entry.embeddingModel).toBe('openai/hashing')
  })

  it('gives up after the retry budget, and never retries a request the provider refused', async () => {
    const limited = sdkModel({ failures: 5 })
    const store = new VectorStore(new InMemoryVectorBackend(), {
      embedder: new AiSdkEmbedder(limited.model, { dimensions: 32 }),
      embedding: { retry: { attempts: 3, initialDelayMs: 1 } },
    })
    const error = await store.index([{ id: 'd', content: 'x y' }]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BackendQueryError)
    expect((error as Error).message).toMatch(/after 3 attempts/)
    expect(limited.stats.calls).toBe(3)
    const refused = sdkModel({ failures: 1, status: 400 })
    const other = new VectorStore(new InMemoryVectorBackend(), {
      embedder: new AiSdkEmbedder(refused.model, { dimensions: 32 }),
    })
    const bad = await other.index([{ id: 'd', content: 'x y' }]).catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(BackendQueryError)
    expect((bad as BackendQueryError).cause).toBeInstanceOf(APICallError)
    expect(refused.stats.calls).toBe(1)
    expect(await other.count()).toBe(0)
  })

  it('refuses what is not an embedding model', () => {
    expect(() => new AiSdkEmbedder({} as never, { dimensions: 3 })).toThrow(
      /AI SDK embedding model/,
    )
    expect(() => new AiSdkEmbedder(sdkModel().model, { dimensions: 0 })).toThrow(/dimensions/)
  })
})
