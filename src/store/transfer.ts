import type { ListedEntry, VectorBackend, VectorRecord } from '../core/backend.js'
import { TargetIdCursor } from './target-ids.js'

/** How far a transfer is: entries listed so far out of the source's count when it started. */
export interface TransferProgress {
  /** Source entries handled (written or skipped). */
  readonly done: number
  /** The source's entry count when the run started. */
  readonly total: number
  /** Entries written so far. */
  readonly written: number
  /** Entries the target already held, skipped. */
  readonly skipped: number
  /** Entries the target already held: skipped, or rewritten with `overwrite`. */
  readonly present: number
}

/** How {@link transferEntries} runs. */
export interface TransferPlan<P extends object> {
  readonly batchSize: number
  /** Rewrite entries the target already holds instead of skipping them. */
  readonly overwrite: boolean
  /** The records to write for a page's entries (entries left out are not written). */
  readonly produce: (entries: readonly ListedEntry<P>[]) => Promise<VectorRecord<P>[]>
  readonly onProgress?: ((progress: TransferProgress) => void) | undefined
}

/**
 * Pages through `source` in id order and writes to `target` what `plan.produce`
 * makes of each page, skipping ids the target already holds (so a run that
 * stopped resumes where it was). One batch is written while the next one is
 * listed and produced; `onProgress` follows each write.
 */
export async function transferEntries<P extends object>(
  source: VectorBackend<P>,
  target: VectorBackend<P>,
  plan: TransferPlan<P>,
): Promise<TransferProgress> {
  const { batchSize } = plan
  const total = await source.count({})
  const targetIds = new TargetIdCursor(target as VectorBackend, batchSize)
  const counts = { done: 0, total, written: 0, skipped: 0, present: 0 }
  let writing: Promise<void> = Promise.resolve()
  let inFlight: TransferProgress | undefined
  const written = async () => {
    await writing
    if (inFlight !== undefined) plan.onProgress?.(inFlight)
    inFlight = undefined
  }
  try {
    let after: string | undefined
    for (;;) {
      const page = await source.listWhere({}, batchSize, after === undefined ? {} : { after })
      if (page.length === 0) break
      const present = await targetIds.among(page.map((entry) => entry.id))
      const todo = plan.overwrite ? page : page.filter((entry) => !present.has(entry.id))
      const records = await plan.produce(todo)
      await written()
      writing = write(target, records)
      counts.done += page.length
      counts.written += records.length
      counts.skipped += page.length - todo.length
      counts.present += present.size
      inFlight = { ...counts }
      after = page.at(-1)?.id
      if (page.length < batchSize) break
    }
    await written()
  } finally {
    await writing.catch(() => {})
  }
  return { ...counts }
}

async function write<P extends object>(
  target: VectorBackend<P>,
  records: VectorRecord<P>[],
): Promise<void> {
  if (records.length === 0) return
  if (target.upsertMany) return target.upsertMany(records)
  for (const { id, vector, payload } of records) await target.upsert(id, vector, payload)
}
