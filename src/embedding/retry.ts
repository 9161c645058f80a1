import { setTimeout as sleep } from 'node:timers/promises'
import { InvalidArgumentError } from '../core/errors.js'
import { isPlainObject } from '../core/validate.js'
import { wholeNumber } from '../internal/options.js'
import type { Embedder } from './embedder.js'

/** Retries of an embedding call that failed with a retryable error (see {@link isRetryableError}). */
export interface RetryOptions {
  /** Attempts in all, 1 (no retry) to 20. Default: 6. */
  readonly attempts?: number
  /** Delay before the first retry, 0 to 60 000 ms; doubled before each next one. Default: 500. */
  readonly initialDelayMs?: number
  /** Longest delay between two attempts, 0 to 300 000 ms. Default: 30 000. */
  readonly maxDelayMs?: number
}

const DEFAULT_RETRY: Required<RetryOptions> = {
  attempts: 6,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
}

/**
 * Whether an embedder's error is worth retrying: one it marks `retryable: true`,
 * or a rate limit (`status` or `statusCode` 429, as provider clients report it).
 * Anything else (bad input, authentication) fails at once.
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { retryable, status, statusCode } = error as Record<string, unknown>
  return retryable === true || status === 429 || statusCode === 429
}

/** Checks retry options and fills in the defaults. */
export function resolveRetry(retry: unknown): Required<RetryOptions> {
  if (retry === undefined) return DEFAULT_RETRY
  if (!isPlainObject(retry)) throw new InvalidArgumentError('expected retry to be an object')
  const { attempts, initialDelayMs, maxDelayMs } = { ...DEFAULT_RETRY, ...retry }
  return {
    attempts: wholeNumber('retry.attempts', attempts, [1, 20]),
    initialDelayMs: wholeNumber('retry.initialDelayMs', initialDelayMs, [0, 60_000]),
    maxDelayMs: wholeNumber('retry.maxDelayMs', maxDelayMs, [0, 300_000]),
  }
}

/**
 * Embeds the texts, retrying retryable failures with exponential backoff
 * (jittered, so parallel jobs do not retry in step). Resolves to the vectors
 * and the number of retries it took; checks one vector comes back per text.
 */
export async function embedWithRetry(
  embedder: Embedder,
  texts: readonly string[],
  retry: Required<RetryOptions>,
): Promise<{ vectors: number[][]; retries: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const vectors = await embedder.embed(texts)
      if (!Array.isArray(vectors) || vectors.length !== texts.length) {
        throw new InvalidArgumentError(
          `embedder '${embedder.model}' returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${texts.length} texts`,
        )
      }
      return { vectors, retries: attempt - 1 }
    } catch (error) {
      if (attempt >= retry.attempts || !isRetryableError(error)) throw error
      const delay = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** (attempt - 1))
      await sleep(delay * (0.5 + Math.random() / 2))
    }
  }
}
