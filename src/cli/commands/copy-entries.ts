import type { VectorRecord } from '../../index.js'
import { DimensionMismatchError, MetricMismatchError } from '../../index.js'
import { CopyCheckError, inContext } from '../cli-errors.js'
import { ProgressBar } from '../progress.js'
import type { OpenStore } from '../stores/open-store.js'
import { TargetIdCursor } from './target-ids.js'

/** What a copy did. */
export interface CopyReport {
  /** Entries the source listed. */
  readonly listed: number
  /** Entries written to the target. */
  readonly written: number
  /** Listed entries whose id the target already had (skipped, or rewritten with `overwrite`). */
  readonly present: number
  readonly sourceCount: number
  readonly targetCount: number
}

/** Refuses a target whose metric or dimension differs from the source's. */
export function checkCompatible(source: OpenStore, target: OpenStore): void {
  if (target.backend.metric !== source.backend.metric) {
    throw inContext(
      new MetricMismatchError(source.backend.metric, target.backend.metric),
      `target ${target.label}`,
    )
  }
  if (
    source.backend.dim !== undefined &&
    target.backend.dim !== undefined &&
    source.backend.dim !== target.backend.dim
  ) {
    throw inContext(
      new DimensionMismatchError(
        target.backend.dim,
        source.backend.dim,
        target.backend.label ?? 'the target',
        `the source's are ${source.backend.dim}`,
      ),
      `target ${target.label}`,
    )
  }
}

/**
 * Streams every entry from source to target in id order, a page at a time
 * (`listWhere` with `after`, then `upsertMany`). Ids the target already holds
 * are skipped unless `overwrite`: a copy that was interrupted continues where
 * it stopped. Ends with a count check.
 */
export async function copyEntries(
  source: OpenStore,
  target: OpenStore,
  options: { readonly batch: number; readonly overwrite: boolean },
): Promise<CopyReport> {
  const total = await source.backend.count({})
  const targetBefore = await target.backend.count({})
  const targetIds = new TargetIdCursor(target.backend, options.batch)
  const bar = new ProgressBar('copy', total)
  let listed = 0
  let written = 0
  let present = 0
  let after: string | undefined
  for (;;) {
    const page = await source.backend.listWhere({}, options.batch, {
      ...(after !== undefined && { after }),
    })
    if (page.length === 0) break
    const existing = await targetIds.among(page.map((entry) => entry.id))
    const todo = options.overwrite ? page : page.filter((entry) => !existing.has(entry.id))
    if (todo.length > 0) await write(target, await withVectors(source, todo))
    listed += page.length
    written += todo.length
    present += existing.size
    after = page.at(-1)?.id
    bar.advance(page.length)
    if (page.length < options.batch) break
  }
  bar.finish()
  return verify(source, target, {
    listed,
    written,
    present,
    expected: targetBefore + listed - present,
  })
}

async function withVectors(
  source: OpenStore,
  entries: readonly { id: string; payload: VectorRecord['payload'] }[],
): Promise<VectorRecord[]> {
  const records = await source.backend.getByIds(entries.map((entry) => entry.id))
  const found = new Map(records.map((record) => [record.id, record]))
  return entries.map(({ id }) => {
    const record = found.get(id)
    if (record === undefined) {
      throw new CopyCheckError(`entry ${JSON.stringify(id)} left the source during the copy`)
    }
    return record
  })
}

async function write(target: OpenStore, records: VectorRecord[]): Promise<void> {
  const backend = target.backend
  if (backend.upsertMany) return backend.upsertMany(records)
  for (const { id, vector, payload } of records) await backend.upsert(id, vector, payload)
}

async function verify(
  source: OpenStore,
  target: OpenStore,
  counts: { listed: number; written: number; present: number; expected: number },
): Promise<CopyReport> {
  const sourceCount = await source.backend.count({})
  const targetCount = await target.backend.count({})
  if (sourceCount !== counts.listed) {
    throw new CopyCheckError(
      `the source changed during the copy: ${counts.listed} entries were listed, it now holds ${sourceCount}; run the copy again`,
    )
  }
  if (targetCount !== counts.expected) {
    throw new CopyCheckError(
      `the target holds ${targetCount} entries, expected ${counts.expected}: it was written to during the copy`,
    )
  }
  return {
    listed: counts.listed,
    written: counts.written,
    present: counts.present,
    sourceCount,
    targetCount,
  }
}
