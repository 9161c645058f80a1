import type { ListedEntry, VectorBackend, VectorRecord } from '../core/backend.js'
import {
  BackendQueryError,
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InvalidArgumentError,
  InvalidPayloadError,
  VectorStoreError,
} from '../core/errors.js'
import type { Payload } from '../core/json.js'
import type { Embedder } from '../embedding/embedder.js'
import { embedWithRetry, resolveRetry, type RetryOptions } from '../embedding/retry.js'
import { wholeNumber } from '../internal/options.js'
import { transferEntries, type TransferProgress } from './transfer.js'

/** Options of {@link reembed}. */
export interface ReembedOptions<P extends object = Payload> {
  /** The new model: its vectors go to the target, whose dimension must be `embedder.dimensions`. */
  readonly embedder: Embedder
  /** The text an entry's vector embeds. Default: the payload's `content` (as `VectorStore` stores it). */
  readonly text?: (entry: ListedEntry<P>) => string
  /** Entries read, embedded and written per batch (1-10000). Default: 500. */
  readonly batchSize?: number
  /** Rewrite entries the target already holds. Default: false: they are skipped, so a rerun resumes. */
  readonly overwrite?: boolean
  /** Retries of a rate-limited embedding call (status 429, or an error marked `retryable`). */
  readonly retry?: RetryOptions
  /** Called after every batch is written. */
  readonly onProgress?: (progress: ReembedProgress) => void
}

/** How far {@link reembed} is: entries listed so far out of the source's count when it started. */
export type ReembedProgress = TransferProgress

/** What a {@link reembed} run did. */
export interface ReembedReport extends ReembedProgress {
  /** Embedding calls retried after a rate limit. */
  readonly retries: number
}

const VECTOR_STORE_MODEL_KEY = 'embedding_model'

/**
 * Copies every entry of `source` into `target`, re-embedding its text with
 * `embedder` (a new model, or a new dimension): a page at a time in id order,
 * embedding the next batch while the last one is written. Ids the target
 * already holds are skipped, so a run that stopped resumes where it was when
 * started again. Rate-limited embedding calls are retried with backoff.
 * A payload's `embedding_model` (the field `VectorStore` keeps) is set to the
 * new model; the rest of the payload is copied as is.
 *
 * @example
 * ```ts
 * const next = await PgvectorBackend.create({ db, table: 'chunks_v2', dim: 1536, model: 'text-embedding-3-small' })
 * const report = await reembed(current, next, { embedder, onProgress: (p) => console.log(p.done, '/', p.total) })
 * ```
 */
export async function reembed<P extends object = Payload>(
  source: VectorBackend<P>,
  target: VectorBackend<P>,
  options: ReembedOptions<P>,
): Promise<ReembedReport> {
  const { embedder, batchSize, textOf, retry } = checkOptions(source, target, options)
  const retries = { retries: 0 }
  const counts = await transferEntries(source, target, {
    batchSize,
    overwrite: options.overwrite === true,
    produce: (entries) => embedBatch(embedder, entries, textOf, retry, retries),
    onProgress: options.onProgress,
  })
  return { ...counts, ...retries }
}

function checkOptions<P extends object>(
  source: VectorBackend<P>,
  target: VectorBackend<P>,
  options: ReembedOptions<P>,
) {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('expected reembed options with an embedder')
  }
  const embedder = options.embedder
  if (typeof embedder?.embed !== 'function' || typeof embedder.model !== 'string') {
    throw new InvalidArgumentError('expected embedder to be an Embedder (model, dimensions, embed)')
  }
  if (source === target) throw new InvalidArgumentError('expected a target other than the source')
  const { dim, model, label } = target as { dim?: unknown; model?: unknown; label?: unknown }
  const where = typeof label === 'string' ? label : 'the target'
  if (typeof dim === 'number' && dim !== embedder.dimensions) {
    throw new DimensionMismatchError(dim, embedder.dimensions, where)
  }
  if (typeof model === 'string' && model !== embedder.model) {
    throw new EmbeddingModelMismatchError(where, model, embedder.model)
  }
  return {
    embedder,
    batchSize: wholeNumber('batchSize', options.batchSize ?? 500, [1, 10_000]),
    textOf: options.text ?? contentOf,
    retry: resolveRetry(options.retry),
  }
}

function contentOf(entry: ListedEntry<object>): string {
  const content = (entry.payload as Payload)['content']
  if (typeof content !== 'string') {
    throw new InvalidPayloadError(
      `entry ${JSON.stringify(entry.id.slice(0, 80))} has no string 'content' to embed: pass text to say what to embed`,
    )
  }
  return content
}

async function embedBatch<P extends object>(
  embedder: Embedder,
  entries: readonly ListedEntry<P>[],
  textOf: (entry: ListedEntry<P>) => string,
  retry: Required<RetryOptions>,
  progress: { retries: number },
): Promise<VectorRecord<P>[]> {
  if (entries.length === 0) return []
  let vectors: number[][]
  try {
    const result = await embedWithRetry(embedder, entries.map(textOf), retry)
    vectors = result.vectors
    progress.retries += result.retries
  } catch (error) {
    if (error instanceof VectorStoreError) throw error
    const message = error instanceof Error ? error.message : String(error)
    throw new BackendQueryError('embed', `embedder '${embedder.model}': ${message}`, {
      cause: error,
    })
  }
  return entries.map((entry, i) => ({
    id: entry.id,
    vector: vectors[i] as number[],
    payload: withModel(entry.payload, embedder.model),
  }))
}

// The VectorStore field saying which model made the vector follows the new vector.
function withModel<P extends object>(payload: P, model: string): P {
  if (!Object.hasOwn(payload, VECTOR_STORE_MODEL_KEY)) return payload
  return { ...payload, [VECTOR_STORE_MODEL_KEY]: model }
}
