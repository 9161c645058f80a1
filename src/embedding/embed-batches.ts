import { setTimeout as sleep } from 'node:timers/promises'
import { BackendQueryError, DimensionMismatchError, InvalidArgumentError } from '../core/errors.js'
import { wholeNumber } from '../internal/options.js'
import type { Embedder } from './embedder.js'

/** How `VectorStore` calls its embedder: batch size, parallel calls and retries on rate limits. */
export interface EmbeddingOptions {
  /** Texts per `embed` call. Default: the embedder's `maxBatchSize`, else 100. */
  readonly batchSize?: number
  /** `embed` calls in flight at once. Default: 2. */
  readonly concurrency?: number
  /** Retries of a call refused for a rate limit (HTTP 429) or marked retryable. */
  readonly retry?: EmbeddingRetryOptions
}

/** Retries with exponential backoff and jitter; a `retry-after` header is honoured. */
export interface EmbeddingRetryOptions {
  /** Attempts in all, the first included (1: no retry). Default: 6. */
  readonly attempts?: number
  /** Delay before the first retry. Default: 500 ms. */
  readonly initialDelayMs?: number
  /** Longest delay between attempts. Default: 30 000 ms. */
  readonly maxDelayMs?: number
}

/** Embedding options, checked, with their defaults. */
export interface EmbeddingSettings {
  readonly batchSize: number
  readonly concurrency: number
  readonly attempts: number
  readonly initialDelayMs: number
  readonly maxDelayMs: number
}

/** Checks embedding options and fills in the defaults. */
export function embeddingSettings(
  embedder: Embedder,
  options: EmbeddingOptions = {},
): EmbeddingSettings {
  const owner = 'embedding'
  const limit = embedder.maxBatchSize ?? 100
  const retry = options.retry ?? {}
  const settings = {
    batchSize: wholeNumber('batchSize', options.batchSize ?? limit, [1, 100_000], owner),
    concurrency: wholeNumber('concurrency', options.concurrency ?? 2, [1, 64], owner),
    attempts: wholeNumber('retry.attempts', retry.attempts ?? 6, [1, 100], owner),
    initialDelayMs: wholeNumber(
      'retry.initialDelayMs',
      retry.initialDelayMs ?? 500,
      [0, 3_600_000],
      owner,
    ),
    maxDelayMs: wholeNumber('retry.maxDelayMs', retry.maxDelayMs ?? 30_000, [0, 3_600_000], owner),
  }
  if (settings.batchSize > limit) {
    throw new InvalidArgumentError(
      `embedding: batchSize ${settings.batchSize} is above the embedder's maxBatchSize ${limit}`,
    )
  }
  return Object.freeze(settings)
}

/**
 * Embeds texts in batches of `batchSize`, `concurrency` calls at a time,
 * retrying calls refused for a rate limit. Checks every answer: one vector
 * per text, each of the embedder's dimension.
 */
export async function embedInBatches(
  embedder: Embedder,
  texts: readonly string[],
  settings: EmbeddingSettings,
): Promise<Float32Array[]> {
  const vectors = new Array<Float32Array>(texts.length)
  let next = 0
  const worker = async () => {
    while (next < texts.length) {
      const start = next
      next = Math.min(texts.length, next + settings.batchSize)
      const batch = texts.slice(start, next)
      const embedded = await withRetries(() => embedChecked(embedder, batch), settings)
      embedded.forEach((vector, i) => (vectors[start + i] = vector))
    }
  }
  const workers = Math.min(settings.concurrency, Math.ceil(texts.length / settings.batchSize))
  await Promise.all(Array.from({ length: workers }, worker))
  return vectors
}

async function embedChecked(embedder: Embedder, texts: readonly string[]): Promise<Float32Array[]> {
  let vectors: Awaited<ReturnType<Embedder['embed']>>
  try {
    vectors = await embedder.embed(texts)
  } catch (error) {
    if (isRetryable(error)) throw error
    throw new BackendQueryError('embed', messageOf(error), { cause: error })
  }
  if (!Array.isArray(vectors) || vectors.length !== texts.length) {
    throw new InvalidArgumentError(
      `embedder ${embedder.model} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`,
    )
  }
  return vectors.map((vector) => {
    if (vector.length !== embedder.dimensions) {
      throw new DimensionMismatchError(embedder.dimensions, vector.length)
    }
    return Float32Array.from(vector)
  })
}

async function withRetries<T>(call: () => Promise<T>, settings: EmbeddingSettings): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (!isRetryable(error)) throw error
      if (attempt >= settings.attempts) {
        throw new BackendQueryError(
          'embed',
          `still rate limited after ${attempt} attempts: ${messageOf(error)}`,
          {
            cause: error,
          },
        )
      }
      await sleep(retryDelay(error, attempt, settings))
    }
  }
}

/** A rate limit (HTTP 429, `rate_limit` codes) or an error the provider marks as retryable (the AI SDK's `isRetryable`). */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const fields = error as Record<string, unknown>
  if (fields['isRetryable'] === true) return true
  if (fields['statusCode'] === 429 || fields['status'] === 429) return true
  const code = String(fields['code'] ?? '')
  return /rate.?limit|too.?many.?requests/i.test(`${code} ${String(fields['message'] ?? '')}`)
}

// Full jitter under an exponential cap; a retry-after header (seconds) sets the least delay.
function retryDelay(error: unknown, attempt: number, settings: EmbeddingSettings): number {
  const cap = Math.min(settings.maxDelayMs, settings.initialDelayMs * 2 ** (attempt - 1))
  const jittered = cap / 2 + Math.random() * (cap / 2)
  const headers = (error as { responseHeaders?: Record<string, string> }).responseHeaders
  const after = Number(headers?.['retry-after'])
  return Number.isFinite(after) && after > 0
    ? Math.min(settings.maxDelayMs, Math.max(jittered, after * 1000))
    : jittered
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
