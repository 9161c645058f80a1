import type { IndexRecord, VectorRecord } from '../core/backend.js'
import { InvalidArgumentError, InvalidIdError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { isPlainObject, MAX_ID_LENGTH, validateId, validatePayload } from '../core/validate.js'
import type { Embedder } from '../embedding/embedder.js'
import type { EmbeddingSettings } from '../embedding/embed-batches.js'
import type { SourceDocument } from '../embedding/loaders.js'
import type { TextSplitter } from '../embedding/text-splitter.js'
import { checkMetadata, toRecord } from './entries.js'
import {
  CLEANUP_MODES,
  type CheckedDocument,
  type CleanupMode,
  planSource,
  type SourcePlan,
} from './source-plan.js'
import {
  chunkId,
  decodeSource,
  encodeSource,
  INDEX_KEY,
  type RecordBackend,
  sourceKey,
} from './source-records.js'
import { StoreScope } from './store-scope.js'
import { VectorCache } from './vector-cache.js'

/** What `index` did, counted in chunks (entries). */
export interface IndexResult {
  /** Chunks written that were not stored before. */
  readonly numAdded: number
  /** Chunks rewritten in place (their metadata or position changed; their vector was reused). */
  readonly numUpdated: number
  /** Chunks already current: not written, not embedded. */
  readonly numSkipped: number
  /** Chunks deleted (old versions of changed sources; sources gone, with `full`/`scoped_full`). */
  readonly numDeleted: number
  /** Texts sent to the embedder: chunks whose text was found nowhere in the index or this run. */
  readonly numEmbedded: number
}

/** Progress of an `index` run, after each batch. */
export interface IndexProgress extends IndexResult {
  /** Documents done so far. */
  readonly documents: number
}

/** Options of `VectorStore.index`. */
export interface IndexOptions {
  /** What to delete: see {@link CleanupMode}. Default: `'incremental'`. */
  readonly cleanup?: CleanupMode
  /** Documents per batch: one read of their records and one atomic change each. Default: 100. */
  readonly batchSize?: number
  /** The scope the documents belong to. Default: the empty scope. */
  readonly scope?: StoreScope
  /** Called after each batch. */
  readonly onProgress?: (progress: IndexProgress) => void
}

/** What an index run needs from its store. */
export interface IndexContext {
  readonly backend: RecordBackend
  readonly embedder: Embedder
  readonly splitter: TextSplitter
  readonly embedding: EmbeddingSettings
  /** The index record, when the index has none yet: written with the first change. */
  readonly indexRecord: IndexRecord | undefined
}

// The longest source id a scope leaves room for: '#', 16 hex digits and '~n' follow it in chunk ids.
const CHUNK_SUFFIX_ROOM = 1 + 16 + 6

type Counts = { -readonly [K in keyof IndexResult]: number }

/**
 * Indexes documents batch by batch: reads the batch's records, splits and
 * embeds only what changed (an unchanged chunk is never embedded again,
 * whatever the batches), and writes each batch as one change — new chunks,
 * deletions and records together. Then, with `full` or `scoped_full`,
 * deletes the sources not given.
 */
export async function indexDocuments<M extends object>(
  context: IndexContext,
  documents: Iterable<SourceDocument<M>> | AsyncIterable<SourceDocument<M>>,
  options: IndexOptions,
): Promise<IndexResult> {
  const { cleanup, batchSize, scope } = checkOptions(options)
  const counts: Counts = {
    numAdded: 0,
    numUpdated: 0,
    numSkipped: 0,
    numDeleted: 0,
    numEmbedded: 0,
  }
  const seen = new Set<string>()
  // Everything is checked before anything is written, when the documents are all at hand.
  if (Array.isArray(documents)) checkAll(documents, scope)
  const cache = new VectorCache()
  let pendingIndexRecord = context.indexRecord
  let done = 0
  for await (const batch of batches(documents, batchSize)) {
    const checked = batch.map((document) => checkDocument(document, scope, seen))
    const plans = await planBatch(context, checked, scope, cleanup, counts)
    const change = await changeOf(context, plans, scope, cache, counts)
    if (pendingIndexRecord !== undefined) change.putRecords.push(pendingIndexRecord)
    if (change.upsert.length + change.delete.length + change.putRecords.length > 0) {
      await context.backend.applyChange(change)
      pendingIndexRecord = undefined
    }
    done += batch.length
    options.onProgress?.({ ...counts, documents: done })
  }
  if (cleanup === 'full' || cleanup === 'scoped_full') {
    counts.numDeleted += await deleteUnseen(
      context.backend,
      cleanup === 'full' ? '' : scope.idPrefix(),
      seen,
    )
  }
  return { ...counts }
}

async function planBatch(
  context: IndexContext,
  documents: readonly CheckedDocument[],
  scope: StoreScope,
  cleanup: CleanupMode,
  counts: Counts,
): Promise<SourcePlan[]> {
  const keys = documents.map((document) => sourceKey(scope, document.id))
  const records = new Map((await context.backend.getRecords(keys)).map((r) => [r.key, r]))
  const plans: SourcePlan[] = []
  for (const [i, document] of documents.entries()) {
    const key = keys[i] as string
    const previous = decodeSource(records.get(key))
    const plan = await planSource(key, document, previous, context.splitter, cleanup)
    if (plan === undefined) counts.numSkipped += previous?.chunks.length ?? 0
    else plans.push(plan)
  }
  return plans
}

interface Change {
  upsert: VectorRecord[]
  delete: string[]
  putRecords: IndexRecord[]
}

// The batch's change: vectors of rewritten chunks read back, of new ones from the cache or embedded.
async function changeOf(
  context: IndexContext,
  plans: readonly SourcePlan[],
  scope: StoreScope,
  cache: VectorCache,
  counts: Counts,
): Promise<Change> {
  const rewritten = await cache.readStored(
    context.backend,
    plans.flatMap((plan) =>
      plan.rewrite.map((chunk) => ({ id: chunkId(plan.key, chunk.suffix), hash: chunk.hash })),
    ),
  )
  // A rewritten chunk deleted meanwhile (by another writer) is written anew like an added one.
  const lost = plans.flatMap((plan) =>
    plan.rewrite.filter((chunk) => !rewritten.has(chunkId(plan.key, chunk.suffix))),
  )
  const { vectors, embedded } = await cache.vectorsOf(context, [
    ...plans.flatMap((plan) => plan.add),
    ...lost,
  ])
  counts.numEmbedded += embedded
  const upsert: VectorRecord[] = []
  for (const plan of plans) {
    const entry = (text: string, index: number, suffix: string, createdAt?: Date) => ({
      id: `${plan.document.id}#${suffix}`,
      content: text,
      documentId: plan.document.id,
      chunkIndex: index,
      embeddingModel: context.embedder.model,
      metadata: plan.document.metadata,
      scope,
      ...(createdAt && { createdAt }),
    })
    for (const chunk of plan.rewrite) {
      const stored = rewritten.get(chunkId(plan.key, chunk.suffix))
      const createdAt = stored ? new Date(String(stored.payload['created_at'])) : undefined
      const vector = stored?.vector ?? (vectors.get(chunk.hash) as Float32Array)
      const valid = createdAt && !Number.isNaN(createdAt.getTime()) ? createdAt : undefined
      upsert.push(
        toRecord({ ...entry(chunk.text, chunk.index, chunk.suffix, valid), vector }, chunk.hash),
      )
    }
    for (const chunk of plan.add) {
      const vector = vectors.get(chunk.hash) as Float32Array
      upsert.push(toRecord({ ...entry(chunk.text, chunk.index, chunk.suffix), vector }, chunk.hash))
    }
    counts.numSkipped += plan.kept
    counts.numUpdated += plan.rewrite.length
    counts.numAdded += plan.add.length
    counts.numDeleted += plan.delete.length
  }
  return {
    upsert,
    delete: plans.flatMap((plan) => plan.delete),
    putRecords: plans.map((plan) => ({ key: plan.key, value: encodeSource(plan.state) })),
  }
}

// Sources recorded under the prefix that this run did not see: their chunks and records go, a page at a time.
async function deleteUnseen(backend: RecordBackend, prefix: string, seen: ReadonlySet<string>) {
  let deleted = 0
  let after: string | undefined
  for (;;) {
    const page = await backend.listRecords({
      prefix,
      limit: 500,
      ...(after !== undefined && { after }),
    })
    if (page.length === 0) return deleted
    after = (page[page.length - 1] as IndexRecord).key
    const gone = page.filter((record) => record.key !== INDEX_KEY && !seen.has(record.key))
    const ids = gone.flatMap((record) => {
      const state = decodeSource(record)
      return [...(state?.chunks ?? []), ...(state?.stale ?? [])].map((s) => chunkId(record.key, s))
    })
    if (gone.length === 0) continue
    await backend.applyChange({ delete: ids, deleteRecords: gone.map((record) => record.key) })
    deleted += ids.length
  }
}

async function* batches<T>(
  items: Iterable<T> | AsyncIterable<T>,
  size: number,
): AsyncGenerator<T[]> {
  let batch: T[] = []
  for await (const item of items) {
    batch.push(item)
    if (batch.length === size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

function checkOptions(options: IndexOptions): {
  cleanup: CleanupMode
  batchSize: number
  scope: StoreScope
} {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError('expected index options to be an object')
  const cleanup = options.cleanup ?? 'incremental'
  if (!CLEANUP_MODES.includes(cleanup)) {
    throw new InvalidArgumentError(
      "expected cleanup to be 'none', 'incremental', 'full' or 'scoped_full'",
    )
  }
  const batchSize = options.batchSize ?? 100
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new InvalidArgumentError('expected batchSize to be a whole number from 1 to 10000')
  }
  const scope = options.scope ?? StoreScope.GLOBAL
  if (!(scope instanceof StoreScope))
    throw new InvalidArgumentError('expected scope to be a StoreScope')
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new InvalidArgumentError('expected onProgress to be a function')
  }
  return { cleanup, batchSize, scope }
}

function checkAll<M extends object>(
  documents: readonly SourceDocument<M>[],
  scope: StoreScope,
): void {
  const seen = new Set<string>()
  for (const document of documents) checkDocument(document, scope, seen)
}

/** Checks a document (id, content, metadata) and that its id is new in this run. */
function checkDocument<M extends object>(
  document: SourceDocument<M>,
  scope: StoreScope,
  seen: Set<string>,
): CheckedDocument {
  if (!isPlainObject(document))
    throw new InvalidArgumentError('expected each document to be { id, content, metadata? }')
  const id = validateId(document.id)
  const room = MAX_ID_LENGTH - CHUNK_SUFFIX_ROOM - scope.idPrefix().length
  if (id.length > room)
    throw new InvalidIdError(`expected a document id of at most ${room} characters in this scope`)
  if (typeof document.content !== 'string') {
    throw new InvalidArgumentError(
      `document ${JSON.stringify(id.slice(0, 60))}: expected content to be a string`,
    )
  }
  const metadata = validatePayload(document.metadata ?? {}) as Payload
  checkMetadata(metadata)
  const key = sourceKey(scope, id)
  if (seen.has(key))
    throw new InvalidArgumentError(`document id ${JSON.stringify(id.slice(0, 60))} is given twice`)
  seen.add(key)
  return { id, content: document.content, metadata }
}
