import type { IndexRecord } from '../core/backend.js'
import type { EngineChange } from '../core/engine.js'
import { compareIds } from '../core/validate.js'
import type { ChromaClientLike, ChromaCollectionLike } from './chroma-api.js'
import type { CollectionRequest } from './chroma-collection.js'
import { toNumbers, upsertRecords } from './chroma-writes.js'

/** Metadata key of a record's JSON value. */
const VALUE_KEY = 'value'
// Records are looked up by key only: every one gets the same one-dimensional vector.
const RECORD_VECTOR = Float32Array.of(1)

/** The sibling collection that holds a collection's records: `<collection>.records`. */
export function recordsCollectionName(collection: string): string {
  return `${collection}.records`
}

/**
 * The records of a collection, in a sibling collection on the same server
 * (created on first write). Chroma has no transaction across requests, so
 * {@link ChromaRecords.apply} orders its steps for readers that check hits
 * against the records: new entries first, then the records (each batch of
 * records is one atomic request), then the deletions.
 */
export class ChromaRecords {
  readonly #client: ChromaClientLike
  readonly #request: CollectionRequest
  readonly #batchSize: number
  #collection: Promise<ChromaCollectionLike | undefined> | undefined

  constructor(client: ChromaClientLike, request: CollectionRequest, batchSize: number) {
    this.#client = client
    this.#request = request
    this.#batchSize = batchSize
  }

  /** The name of the records collection. */
  get name(): string {
    return recordsCollectionName(this.#request.name)
  }

  /** Entries written, then records written, then entries and records deleted: see the class. */
  async apply(entries: ChromaCollectionLike, change: EngineChange): Promise<void> {
    const records = change.putRecords.length + change.deleteRecords.length > 0
    const collection = records ? await this.#open(true) : undefined
    const written = new Set(change.upsert.map((record) => record.id))
    // Deletes come first in the change's meaning: an id both deleted and written stays written.
    const deleted = change.delete.filter((id) => !written.has(id))
    if (change.upsert.length > 0) await upsertRecords(entries, change.upsert, this.#batchSize)
    if (collection && change.putRecords.length > 0) await this.#put(collection, change.putRecords)
    for (let i = 0; i < deleted.length; i += this.#batchSize) {
      await entries.delete({ ids: deleted.slice(i, i + this.#batchSize) })
    }
    for (let i = 0; collection && i < change.deleteRecords.length; i += this.#batchSize) {
      await collection.delete({ ids: change.deleteRecords.slice(i, i + this.#batchSize) })
    }
  }

  async get(keys: readonly string[]): Promise<IndexRecord[]> {
    const collection = await this.#open(false)
    if (collection === undefined) return []
    const found = new Map<string, IndexRecord>()
    for (let i = 0; i < keys.length; i += this.#batchSize) {
      const page = await collection.get({
        ids: keys.slice(i, i + this.#batchSize),
        include: ['metadatas'],
      })
      page.ids.forEach((key, n) => found.set(key, recordOf(key, page.metadatas[n])))
    }
    return keys.flatMap((key) => found.get(key) ?? [])
  }

  /** Records by prefix in key order: Chroma lists in insertion order, so every key is read and sorted. */
  async list(prefix: string, limit: number, after: string | undefined): Promise<IndexRecord[]> {
    const collection = await this.#open(false)
    if (collection === undefined) return []
    const keys: string[] = []
    for (let offset = 0; ; offset += this.#batchSize) {
      const page = await collection.get({ limit: this.#batchSize, offset, include: [] })
      keys.push(...page.ids)
      if (page.ids.length < this.#batchSize) break
    }
    const selected = keys
      .filter(
        (key) => key.startsWith(prefix) && (after === undefined || compareIds(key, after) > 0),
      )
      .sort(compareIds)
      .slice(0, limit)
    return this.get(selected)
  }

  /** Deletes every record (with the entries' `clearAll`). */
  async clear(): Promise<void> {
    const collection = await this.#open(false)
    if (collection === undefined) return
    for (;;) {
      const page = await collection.get({ limit: this.#batchSize, include: [] })
      if (page.ids.length === 0) return
      await collection.delete({ ids: page.ids })
    }
  }

  /** Drops the records collection (an ephemeral collection's last user, on close). */
  async drop(): Promise<void> {
    await this.#client.deleteCollection({ name: this.name }).catch(() => undefined)
  }

  async #put(collection: ChromaCollectionLike, records: readonly IndexRecord[]): Promise<void> {
    // A repeated key: the last wins.
    const latest = [...new Map(records.map((record) => [record.key, record])).values()]
    for (let i = 0; i < latest.length; i += this.#batchSize) {
      const batch = latest.slice(i, i + this.#batchSize)
      await collection.upsert({
        ids: batch.map((record) => record.key),
        embeddings: batch.map(() => toNumbers(RECORD_VECTOR)),
        metadatas: batch.map((record) => ({ [VALUE_KEY]: JSON.stringify(record.value) })),
      })
    }
  }

  // Created on first use by a backend that may create; otherwise only an existing one is read.
  #open(create: boolean): Promise<ChromaCollectionLike | undefined> {
    if (this.#collection !== undefined) return this.#collection
    const opening =
      create || this.#request.create
        ? this.#client.getOrCreateCollection({
            name: this.name,
            configuration: { hnsw: { space: 'l2' } },
            metadata: { 'vecstore:records': 1 },
            embeddingFunction: null,
          })
        : this.#client
            .getCollection({ name: this.name, embeddingFunction: NO_TEXT_EMBEDDING })
            .catch((error: unknown) => {
              if ((error as Error | undefined)?.name === 'ChromaNotFoundError') return undefined
              throw error
            })
    this.#collection = opening.then(
      (collection) => {
        // A missing one is looked up again next time (it may have been created meanwhile).
        if (collection === undefined) this.#collection = undefined
        return collection
      },
      (error: unknown) => {
        this.#collection = undefined
        throw error
      },
    )
    return this.#collection
  }
}

// Records are never embedded from text: this keeps the client from loading a default model.
const NO_TEXT_EMBEDDING = {
  generate: () => Promise.reject(new Error('vecstore records carry no text to embed')),
}

function recordOf(key: string, metadata: unknown): IndexRecord {
  const text = (metadata as Record<string, unknown> | null | undefined)?.[VALUE_KEY]
  return { key, value: typeof text === 'string' ? JSON.parse(text) : {} }
}
