import type { VectorRecord } from '../core/backend.js'
import { InvalidArgumentError, InvalidIdError, InvalidPayloadError } from '../core/errors.js'
import type { Filter } from '../core/filter.js'
import type { JsonValue, Payload } from '../core/json.js'
import { MAX_ID_LENGTH, validateId } from '../core/validate.js'
import { StoreScope } from './store-scope.js'
import type { EntryInput, StoredEntry, StoreQuery } from './store-types.js'

/** Payload fields the store owns; metadata may not use them, nor any `scope_` key. */
export const CORE_FIELDS = [
  'entry_id',
  'content',
  'document_id',
  'chunk_index',
  'embedding_model',
  'created_at',
  'content_hash',
] as const

/** A scope argument, checked. */
export function checkScope(scope: unknown): StoreScope {
  if (!(scope instanceof StoreScope))
    throw new InvalidArgumentError('expected scope to be a StoreScope')
  return scope
}

/** The backend id of an entry: the scope's prefix keeps ids of different scopes apart, within the id bound. */
export function backendId(scope: StoreScope, id: string): string {
  validateId(id)
  const full = scope.idPrefix() + id
  if (full.length > MAX_ID_LENGTH) {
    throw new InvalidIdError(
      `expected id of at most ${MAX_ID_LENGTH - scope.idPrefix().length} characters in this scope`,
    )
  }
  return full
}

/** The filter of a query: the scope is AND-ed outside the metadata filter, so no filter can widen it. */
export function scopedFilter<M extends object>(query: StoreQuery<M>): Filter {
  const scope = checkScope(query.scope ?? StoreScope.GLOBAL)
  const scopeFilter = scope.toPayloadFilters()
  const metadata = query.metadataFilters
  if (metadata === undefined || Object.keys(metadata).length === 0) return scopeFilter
  if (scope.isGlobal) return metadata as Filter
  return { $and: [scopeFilter, metadata as Filter] }
}

/** Refuses metadata that uses a field of the store's own. */
export function checkMetadata(metadata: object): void {
  for (const key of Object.keys(metadata)) {
    if ((CORE_FIELDS as readonly string[]).includes(key) || key.startsWith('scope_')) {
      throw new InvalidPayloadError(`metadata key '${key.slice(0, 40)}' is reserved by the store`)
    }
  }
}

/** An entry as the backend stores it; `contentHash` marks a chunk written by `index`. */
export function toRecord<M extends object>(
  entry: EntryInput<M>,
  contentHash?: string,
): VectorRecord {
  if (typeof entry !== 'object' || entry === null) {
    throw new InvalidArgumentError('expected an entry object')
  }
  const scope = checkScope(entry.scope ?? StoreScope.GLOBAL)
  const metadata = entry.metadata ?? {}
  checkMetadata(metadata)
  if (typeof entry.content !== 'string')
    throw new InvalidArgumentError('expected content to be a string')
  const createdAt = entry.createdAt ?? new Date()
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw new InvalidArgumentError('expected createdAt to be a valid Date')
  }
  const payload: Payload = {
    ...(metadata as Payload),
    ...scope.toPayloadFilters(),
    entry_id: entry.id,
    content: entry.content,
    document_id: entry.documentId ?? null,
    chunk_index: entry.chunkIndex ?? null,
    embedding_model: entry.embeddingModel ?? null,
    created_at: createdAt.toISOString(),
    ...(contentHash !== undefined && { content_hash: contentHash }),
  }
  return { id: backendId(scope, entry.id), vector: entry.vector, payload }
}

/** An entry as read back from its payload. */
export function fromPayload<M extends object>(payload: Payload): StoredEntry<M> {
  const fields = Object.entries(payload)
  // fromEntries, not assignment: a key like "__proto__" stays a plain key.
  const metadata: Payload = Object.fromEntries(
    fields.filter(
      ([key]) => !key.startsWith('scope_') && !(CORE_FIELDS as readonly string[]).includes(key),
    ),
  )
  const labels = Object.fromEntries(
    fields
      .filter(([key]) => key.startsWith('scope_'))
      .map(([key, value]) => [key.slice(6), String(value)]),
  )
  return {
    id: String(payload['entry_id']),
    content: String(payload['content'] ?? ''),
    documentId: nullable(payload['document_id']) as string | null,
    chunkIndex: nullable(payload['chunk_index']) as number | null,
    embeddingModel: nullable(payload['embedding_model']) as string | null,
    metadata: metadata as M,
    scope: new StoreScope(labels),
    createdAt: new Date(String(payload['created_at'])),
  }
}

function nullable(value: JsonValue | undefined): JsonValue {
  return value ?? null
}
