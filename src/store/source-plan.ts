import type { JsonValue } from '../core/json.js'
import type { TextSplitter } from '../embedding/text-splitter.js'
import { canonicalJson, sha256 } from './canonical-hash.js'
import { chunkId, chunkSuffixes, type SourceState } from './source-records.js'

/** How `index` treats what the documents given no longer hold. */
export const CLEANUP_MODES = ['none', 'incremental', 'full', 'scoped_full'] as const
/**
 * - `'none'`: adds and updates; deletes nothing, not even a changed source's
 *   old chunks (they stay, recorded, until a run with cleanup removes them).
 * - `'incremental'`: also replaces each changed source whole: its old chunks
 *   are deleted in the same change as its new ones are written. Sources not
 *   given are left alone.
 * - `'scoped_full'`: incremental, and the documents are all of the scope: the
 *   scope's sources not given are deleted.
 * - `'full'`: incremental, and the documents are all of the store: sources not
 *   given are deleted in every scope.
 */
export type CleanupMode = (typeof CLEANUP_MODES)[number]

/** A source document, checked. */
export interface CheckedDocument {
  readonly id: string
  readonly content: string
  readonly metadata: Record<string, JsonValue>
}

/** One chunk of a source's new version. */
export interface PlannedChunk {
  readonly suffix: string
  readonly text: string
  readonly hash: string
  readonly index: number
}

/** What indexing one source writes and deletes. */
export interface SourcePlan {
  readonly key: string
  readonly document: CheckedDocument
  /** The record to write. */
  readonly state: SourceState
  /** Chunks whose entry is current: left as they are. */
  readonly kept: number
  /** Chunks whose entry exists but whose payload changes (metadata, position): rewritten with their stored vector. */
  readonly rewrite: readonly PlannedChunk[]
  /** Chunks with no entry yet: their vector comes from the cache or the embedder. */
  readonly add: readonly PlannedChunk[]
  /** Entry ids to delete. */
  readonly delete: readonly string[]
}

/** The hashes that tell whether a source changed: whole (content, metadata, splitter) and metadata alone. */
export function sourceHashes(
  document: CheckedDocument,
  splitter: TextSplitter,
): { hash: string; meta: string } {
  const meta = sha256(canonicalJson(document.metadata))
  const splitterId = splitter.fingerprint ?? ''
  return { hash: sha256(canonicalJson([document.content, meta, splitterId])), meta }
}

/**
 * Plans one source against its record: undefined when nothing is to be
 * written (the source is unchanged and has no stale chunks to remove).
 */
export async function planSource(
  key: string,
  document: CheckedDocument,
  previous: SourceState | undefined,
  splitter: TextSplitter,
  cleanup: CleanupMode,
): Promise<SourcePlan | undefined> {
  const { hash, meta } = sourceHashes(document, splitter)
  const dropStale = cleanup !== 'none' && (previous?.stale.length ?? 0) > 0
  if (previous?.hash === hash && !dropStale) return undefined
  if (previous?.hash === hash) {
    const state = { ...previous, stale: [] }
    const deleted = previous.stale.map((suffix) => chunkId(key, suffix))
    return {
      key,
      document,
      state,
      kept: previous.chunks.length,
      rewrite: [],
      add: [],
      delete: deleted,
    }
  }
  const texts = [...(await splitter.split(document.content))]
  const hashes = texts.map((text) => sha256(text))
  const suffixes = chunkSuffixes(hashes)
  const chunks = texts.map((text, index) => ({
    suffix: suffixes[index] as string,
    text,
    hash: hashes[index] as string,
    index,
  }))
  const position = new Map(previous?.chunks.map((suffix, i) => [suffix, i]))
  const stored = new Set([...(previous?.chunks ?? []), ...(previous?.stale ?? [])])
  const current = (chunk: PlannedChunk) =>
    previous?.meta === meta && position.get(chunk.suffix) === chunk.index
  const next = new Set(suffixes)
  const gone = [...stored].filter((suffix) => !next.has(suffix))
  const state: SourceState = {
    source: document.id,
    hash,
    meta,
    chunks: suffixes,
    stale: cleanup === 'none' ? gone : [],
  }
  return {
    key,
    document,
    state,
    kept: chunks.filter(current).length,
    rewrite: chunks.filter((chunk) => stored.has(chunk.suffix) && !current(chunk)),
    add: chunks.filter((chunk) => !stored.has(chunk.suffix)),
    delete: cleanup === 'none' ? [] : gone.map((suffix) => chunkId(key, suffix)),
  }
}
