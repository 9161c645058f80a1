import type { IndexRecord, VectorBackend } from '../core/backend.js'
import {
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  InvalidArgumentError,
} from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { isPlainObject } from '../core/validate.js'
import type { StoreScope } from './store-scope.js'

/** What the index records about one source document (a record per source and scope). */
export interface SourceState {
  /** The source's id. */
  readonly source: string
  /** Hash of the content, the metadata and the splitter's settings: equal means unchanged. */
  readonly hash: string
  /** Hash of the metadata alone: equal means the stored chunks' payloads are current. */
  readonly meta: string
  /** The chunks, in order, by id suffix (`<chunk id> = <record key>#<suffix>`). */
  readonly chunks: readonly string[]
  /** Chunks of earlier versions kept by `cleanup: 'none'`, until a cleanup removes them. */
  readonly stale: readonly string[]
}

/** The record of the index itself: the embedding model and dimension. Source keys always hold `|`. */
export const INDEX_KEY = '#index'

/** The model and dimension recorded with the index. */
export interface IndexState {
  readonly model: string
  readonly dimensions: number
}

/** The backend calls of the `records` capability. */
export type RecordBackend = VectorBackend &
  Required<Pick<VectorBackend, 'applyChange' | 'getRecords' | 'listRecords' | 'getByIds'>>

/** The backend, when it keeps records; otherwise the runtime cannot run on it. */
export function recordBackend(backend: VectorBackend): RecordBackend {
  const methods = [backend.applyChange, backend.getRecords, backend.listRecords, backend.getByIds]
  if (methods.some((method) => typeof method !== 'function')) {
    throw new InvalidArgumentError(
      'index and retrieve need a backend that keeps records (applyChange, getRecords, listRecords, getByIds): every vecstore backend does',
    )
  }
  return backend as RecordBackend
}

/** The record key of a source in a scope: the scope's id prefix, then the source id. */
export function sourceKey(scope: StoreScope, source: string): string {
  return scope.idPrefix() + source
}

/** The backend id of a chunk. */
export function chunkId(key: string, suffix: string): string {
  return `${key}#${suffix}`
}

/** The record key and suffix of a chunk's backend id. */
export function splitChunkId(id: string): { key: string; suffix: string } {
  const at = id.lastIndexOf('#')
  return { key: id.slice(0, at), suffix: id.slice(at + 1) }
}

/**
 * Chunk id suffixes from content hashes: the first 16 hex digits, and `~n`
 * for the n-th repeat of the same text in one source. An unchanged chunk
 * keeps its id wherever it moves in the document.
 */
export function chunkSuffixes(hashes: readonly string[]): string[] {
  const seen = new Map<string, number>()
  return hashes.map((hash) => {
    const base = hash.slice(0, 16)
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return n === 1 ? base : `${base}~${n}`
  })
}

export function encodeSource(state: SourceState): Payload {
  return { ...state, chunks: [...state.chunks], stale: [...state.stale] }
}

/** A source record as written by {@link encodeSource}; anything else is treated as no record. */
export function decodeSource(record: IndexRecord | undefined): SourceState | undefined {
  const value = record?.value
  if (!isPlainObject(value)) return undefined
  const { source, hash, meta, chunks, stale } = value as Record<string, unknown>
  const strings = (list: unknown) => Array.isArray(list) && list.every((s) => typeof s === 'string')
  if (typeof source !== 'string' || typeof hash !== 'string' || typeof meta !== 'string') {
    return undefined
  }
  if (!strings(chunks) || !strings(stale)) return undefined
  return { source, hash, meta, chunks: chunks as string[], stale: stale as string[] }
}

/**
 * Checks the embedder against the model and dimension recorded with the
 * index. Returns the record to write when the index has none yet.
 */
export async function checkIndexState(
  backend: RecordBackend,
  current: IndexState,
): Promise<IndexRecord | undefined> {
  const [record] = await backend.getRecords([INDEX_KEY])
  const value = record?.value
  if (value === undefined) {
    return { key: INDEX_KEY, value: { model: current.model, dimensions: current.dimensions } }
  }
  if (typeof value['model'] === 'string' && value['model'] !== current.model) {
    throw new EmbeddingModelMismatchError('this index', value['model'], current.model)
  }
  if (typeof value['dimensions'] === 'number' && value['dimensions'] !== current.dimensions) {
    throw new DimensionMismatchError(value['dimensions'], current.dimensions)
  }
  return undefined
}
