import { BackendQueryError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import type { ChromaCollectionLike, ChromaWhere } from './chroma-api.js'
import { markGoneKeys, toMetadata } from './payload-mapping.js'

/** A validated entry to write. */
export interface WriteRecord {
  readonly id: string
  readonly vector: Float32Array
  readonly payload: Payload
}

/**
 * Upserts entries in batches under the server's max batch size (each batch is
 * one request, atomic on the server). Chroma's upsert merges metadata into
 * the old entry, so each batch first reads the entries' current metadata and
 * marks the keys the new payloads lack (see `markGoneKeys`): the new payload
 * replaces the old one for every read and filter. A repeated id: the last wins.
 */
export async function upsertRecords(
  collection: ChromaCollectionLike,
  records: readonly WriteRecord[],
  batchSize: number,
): Promise<void> {
  const latest = [...new Map(records.map((record) => [record.id, record])).values()]
  for (let start = 0; start < latest.length; start += batchSize) {
    const batch = latest.slice(start, start + batchSize)
    const ids = batch.map((record) => record.id)
    const current = await collection.get({ ids, include: ['metadatas'] })
    const previous = new Map(current.ids.map((id, i) => [id, current.metadatas[i]]))
    const metadatas = batch.map((record) => {
      const metadata = toMetadata(record.payload)
      const before = previous.get(record.id)
      if (before) markGoneKeys(metadata, before)
      return metadata
    })
    await collection.upsert({
      ids,
      embeddings: batch.map((record) => toNumbers(record.vector)),
      metadatas,
    })
  }
}

/** A float32 vector as the plain array the client takes (a loop: several times faster than Array.from). */
export function toNumbers(vector: Float32Array): number[] {
  const numbers = new Array<number>(vector.length)
  for (let i = 0; i < vector.length; i++) numbers[i] = vector[i] as number
  return numbers
}

/** Deletes every entry matching `where` (every entry when undefined), a page of ids at a time. */
export async function deleteAll(
  collection: ChromaCollectionLike,
  where: ChromaWhere | undefined,
  batchSize: number,
): Promise<void> {
  let previousFirst: string | undefined
  for (;;) {
    const page = await collection.get({ ...(where && { where }), limit: batchSize, include: [] })
    const first = page.ids[0]
    if (first === undefined) return
    // Guards against a server that lists ids it does not delete.
    if (first === previousFirst) {
      throw new BackendQueryError('clearAll', `entry '${first}' is still listed after its deletion`)
    }
    previousFirst = first
    await collection.delete({ ids: page.ids })
  }
}
