import type { StoredRecord } from '../core/backend.js'
import type { Filter } from '../core/filter.js'
import { embedInBatches } from '../embedding/embed-batches.js'
import type { IndexContext } from './indexer.js'
import type { PlannedChunk } from './source-plan.js'
import type { RecordBackend } from './source-records.js'

// Bounds the run's memory: past this many vectors the oldest half is forgotten.
const MAX_CACHED = 50_000
// Ids per read and hashes per lookup: well under every backend's limits.
const PAGE = 1000

/**
 * Vectors by content hash for one `index` run: what it embedded, what it read
 * back, and what the index already holds for the same text (any source, any
 * scope: the same text with the same model is the same vector). A text is
 * embedded only when it is found in none of them.
 */
export class VectorCache {
  readonly #vectors = new Map<string, Float32Array>()

  /** Reads stored entries (vectors and payloads) by id, and keeps their vectors by hash. */
  async readStored(
    backend: RecordBackend,
    chunks: readonly { id: string; hash: string }[],
  ): Promise<Map<string, StoredRecord>> {
    const found = new Map<string, StoredRecord>()
    for (let start = 0; start < chunks.length; start += PAGE) {
      const page = chunks.slice(start, start + PAGE)
      for (const record of await backend.getByIds(page.map((chunk) => chunk.id))) {
        found.set(record.id, record)
      }
      for (const chunk of page) {
        const record = found.get(chunk.id)
        if (record) this.#set(chunk.hash, record.vector)
      }
    }
    return found
  }

  /**
   * The vectors of these chunks by hash: from this run, else from an entry of
   * the index with the same text, else embedded (each distinct text once).
   * `embedded` counts the texts sent to the embedder.
   */
  async vectorsOf(
    context: IndexContext,
    chunks: readonly PlannedChunk[],
  ): Promise<{ vectors: Map<string, Float32Array>; embedded: number }> {
    const vectors = new Map<string, Float32Array>()
    const missing = new Map<string, string>()
    for (const chunk of chunks) {
      const known = this.#vectors.get(chunk.hash)
      if (known) vectors.set(chunk.hash, known)
      else missing.set(chunk.hash, chunk.text)
    }
    if (missing.size === 0) return { vectors, embedded: 0 }
    for (const [hash, vector] of await this.#lookUp(context.backend, [...missing.keys()])) {
      vectors.set(hash, vector)
      missing.delete(hash)
    }
    const texts = [...missing]
    if (texts.length === 0) return { vectors, embedded: 0 }
    const embedded = await embedInBatches(
      context.embedder,
      texts.map(([, text]) => text),
      context.embedding,
    )
    texts.forEach(([hash], i) => {
      vectors.set(hash, embedded[i] as Float32Array)
      this.#set(hash, embedded[i] as Float32Array)
    })
    return { vectors, embedded: texts.length }
  }

  // Entries of the index written by `index` carry their text's hash: one lookup per page of hashes.
  async #lookUp(
    backend: RecordBackend,
    hashes: readonly string[],
  ): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>()
    for (let start = 0; start < hashes.length; start += PAGE) {
      const page = hashes.slice(start, start + PAGE)
      const filter = { content_hash: { $in: page } } as Filter
      const listed = await backend.listWhere(filter, PAGE)
      const idOf = new Map(listed.map((entry) => [String(entry.payload['content_hash']), entry.id]))
      if (idOf.size === 0) continue
      const ids = [...idOf.values()]
      const hashOf = new Map([...idOf].map(([hash, id]) => [id, hash]))
      for (const record of await backend.getByIds(ids)) {
        const hash = hashOf.get(record.id)
        if (hash === undefined) continue
        found.set(hash, record.vector)
        this.#set(hash, record.vector)
      }
    }
    return found
  }

  #set(hash: string, vector: Float32Array): void {
    if (this.#vectors.size >= MAX_CACHED) {
      const oldest = [...this.#vectors.keys()].slice(0, MAX_CACHED / 2)
      for (const key of oldest) this.#vectors.delete(key)
    }
    this.#vectors.set(hash, vector)
  }
}
