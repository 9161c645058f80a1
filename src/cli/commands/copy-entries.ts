import { copyEntries as copyAll, DimensionMismatchError, MetricMismatchError } from '../../index.js'
import { CopyCheckError, inContext } from '../cli-errors.js'
import { ProgressBar } from '../progress.js'
import type { OpenStore } from '../stores/open-store.js'

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

/**
 * Every entry from source to target with the library's `copyEntries` (in id
 * order, a page at a time; ids the target holds are skipped unless
 * `overwrite`, so an interrupted copy continues where it stopped), with a
 * progress bar, then a count check.
 */
export async function copyEntries(
  source: OpenStore,
  target: OpenStore,
  options: { readonly batch: number; readonly overwrite: boolean },
): Promise<CopyReport> {
  const targetBefore = await target.backend.count({})
  const bar = new ProgressBar('copy', await source.backend.count({}))
  let done = 0
  const copied = await copyAll(source.backend, target.backend, {
    batchSize: options.batch,
    overwrite: options.overwrite,
    onProgress: (progress) => {
      bar.advance(progress.done - done)
      done = progress.done
    },
  }).catch((error: unknown) => {
    const mismatch = error instanceof MetricMismatchError || error instanceof DimensionMismatchError
    throw mismatch ? inContext(error, `target ${target.label}`) : error
  })
  bar.finish()
  // Listed, not skipped, yet not written: they were deleted from the source before being read.
  const vanished = copied.done - copied.skipped - copied.written
  if (vanished > 0) {
    throw new CopyCheckError(
      `${vanished} entries left the source during the copy; run the copy again`,
    )
  }
  return verify(source, target, {
    listed: copied.done,
    written: copied.written,
    present: copied.present,
    expected: targetBefore + copied.done - copied.present,
  })
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
