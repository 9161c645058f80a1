import { pathToFileURL } from 'node:url'
import { resolve } from 'node:path'
import {
  type CleanupMode,
  type Embedder,
  HashingEmbedder,
  type IndexResult,
  type SourceDocument,
  type StoreScope,
  type VectorStore,
} from '../index.js'
import { UsageError } from './cli-errors.js'
import { ProgressBar } from './progress.js'

/** Indexes documents with a progress bar on stderr; resolves to the counts and the time taken. */
export async function indexWithProgress(
  store: VectorStore,
  documents: readonly SourceDocument[],
  options: { cleanup: CleanupMode; scope?: StoreScope },
): Promise<{ result: IndexResult; seconds: string }> {
  const bar = new ProgressBar('indexing', documents.length)
  const started = Date.now()
  let done = 0
  const result = await store.index(documents, {
    ...options,
    onProgress: ({ documents: total }) => {
      bar.advance(total - done)
      done = total
    },
  })
  bar.finish()
  return { result, seconds: ((Date.now() - started) / 1000).toFixed(1) }
}

/** The four counts and what was embedded, in one line. */
export function describeCounts(result: IndexResult): string {
  const { numAdded, numUpdated, numSkipped, numDeleted, numEmbedded } = result
  const embedded =
    numEmbedded === 0
      ? 'nothing embedded: every chunk was current or found in the index'
      : `${numEmbedded} chunk${numEmbedded === 1 ? '' : 's'} embedded`
  return `${numAdded} added, ${numUpdated} updated, ${numSkipped} skipped, ${numDeleted} deleted; ${embedded}`
}

/**
 * The embedder of `--embedder MODULE`: the module's `embedder` export or its
 * default export, an `Embedder` or a function (sync or async) returning one.
 * Without the option, a `HashingEmbedder` (256 dimensions).
 */
export async function loadEmbedder(module: string | undefined): Promise<Embedder> {
  if (module === undefined) return new HashingEmbedder()
  let loaded: Record<string, unknown>
  try {
    loaded = (await import(pathToFileURL(resolve(module)).href)) as Record<string, unknown>
  } catch (error) {
    throw new UsageError(`--embedder ${module}: cannot load it: ${(error as Error).message}`)
  }
  let candidate = loaded['embedder'] ?? loaded['default']
  if (typeof candidate === 'function') candidate = await (candidate as () => unknown)()
  const embedder = candidate as Partial<Embedder> | undefined
  if (
    typeof embedder?.embed !== 'function' ||
    typeof embedder.model !== 'string' ||
    typeof embedder.dimensions !== 'number'
  ) {
    throw new UsageError(
      `--embedder ${module}: expected an 'embedder' or default export with model, dimensions and embed(texts)`,
    )
  }
  return embedder as Embedder
}
