import { InvalidArgumentError } from '../core/errors.js'
import { wholeNumber } from '../internal/options.js'
import type { Embedder } from './embedder.js'

/**
 * The embedding model of the Vercel AI SDK (`EmbeddingModel` of `ai`, e.g.
 * `openai.embedding('text-embedding-3-small')`), typed by the calls made on
 * it so that vecstore needs nothing from `ai`: any model implementing the
 * SDK's embedding model specification (v2 or v3) fits.
 */
export interface EmbeddingModelLike {
  /** The provider's model id, e.g. `text-embedding-3-small`. */
  readonly modelId: string
  /** The provider, e.g. `openai.embedding`. */
  readonly provider?: string
  /** The most values one call may take. */
  readonly maxEmbeddingsPerCall?: PromiseLike<number | undefined> | number | undefined
  /** Embeds values: one embedding per value, in order. */
  doEmbed(options: {
    values: string[]
    abortSignal?: AbortSignal
  }): PromiseLike<{ embeddings: readonly (readonly number[])[] }>
}

/** Options of {@link AiSdkEmbedder}. */
export interface AiSdkEmbedderConfig {
  /** The length of the model's vectors (e.g. 1536 for `text-embedding-3-small`). */
  readonly dimensions: number
  /** The name recorded with the index. Default: the model's `modelId`. */
  readonly model?: string
}

/**
 * An {@link Embedder} over a Vercel AI SDK embedding model, so an app passes
 * the model it already uses. Each `embed` call is split at the model's
 * `maxEmbeddingsPerCall`; `VectorStore` adds batching, parallel calls and
 * retries on rate limits (see `EmbeddingOptions`).
 *
 * @example
 * ```ts
 * import { openai } from '@ai-sdk/openai'
 * const embedder = new AiSdkEmbedder(openai.embedding('text-embedding-3-small'), { dimensions: 1536 })
 * const store = new VectorStore(backend, { embedder })
 * ```
 */
export class AiSdkEmbedder implements Embedder {
  /** The name recorded with the index. */
  readonly model: string
  /** The length of every vector. */
  readonly dimensions: number
  /** The model's limit, when it states it as a number. */
  readonly maxBatchSize?: number
  readonly #model: EmbeddingModelLike

  constructor(model: EmbeddingModelLike, config: AiSdkEmbedderConfig) {
    if (typeof model?.doEmbed !== 'function' || typeof model.modelId !== 'string') {
      throw new InvalidArgumentError(
        'expected an AI SDK embedding model (with modelId and doEmbed)',
      )
    }
    this.#model = model
    this.dimensions = wholeNumber('dimensions', config?.dimensions, [1, 16_000], 'AiSdkEmbedder')
    this.model = config.model ?? model.modelId
    const limit = model.maxEmbeddingsPerCall
    if (typeof limit === 'number' && Number.isFinite(limit) && limit >= 1) this.maxBatchSize = limit
  }

  /** One vector per text, in order: as many model calls as its per-call limit needs. */
  async embed(texts: readonly string[]): Promise<number[][]> {
    const limit = (await this.#model.maxEmbeddingsPerCall) ?? Infinity
    const size = Number.isFinite(limit) && limit >= 1 ? limit : Math.max(1, texts.length)
    const vectors: number[][] = []
    for (let start = 0; start < texts.length; start += size) {
      const values = texts.slice(start, start + size)
      const { embeddings } = await this.#model.doEmbed({ values })
      vectors.push(...embeddings.map((embedding) => [...embedding]))
    }
    return vectors
  }
}
