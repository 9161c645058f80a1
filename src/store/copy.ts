import type { ListedEntry, VectorBackend, VectorRecord } from '../core/backend.js'
import {
  DimensionMismatchError,
  InvalidArgumentError,
  MetricMismatchError,
} from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { wholeNumber } from '../internal/options.js'
import { transferEntries, type TransferProgress } from './transfer.js'

/** Options of {@link copyEntries}. */
export interface CopyOptions {
  /** Entries read and written per batch (1-10000). Default: 1000. */
  readonly batchSize?: number
  /** Rewrite entries the target already holds. Default: false: they are skipped, so a rerun resumes. */
  readonly overwrite?: boolean
  /** Called after every batch is written. */
  readonly onProgress?: (progress: TransferProgress) => void
}

/**
 * Copies every entry (id, vector, payload) of `source` into `target`, any two
 * backends: a page at a time in id order, reading the next page while the last
 * one is written. Ids the target already holds are skipped, so a run that
 * stopped resumes where it was when started again. A target with another
 * metric or dimension is refused before anything is written
 * ({@link MetricMismatchError}, {@link DimensionMismatchError}). Entries
 * deleted from the source while it runs are not copied.
 *
 * @example
 * ```ts
 * const prod = await PgvectorBackend.create({ db, table: 'chunks', dim: 384 })
 * const report = await copyEntries(devIndex, prod, { onProgress: (p) => console.log(p.done, '/', p.total) })
 * ```
 */
export async function copyEntries<P extends object = Payload>(
  source: VectorBackend<P>,
  target: VectorBackend<P>,
  options: CopyOptions = {},
): Promise<TransferProgress> {
  if (source === target) throw new InvalidArgumentError('expected a target other than the source')
  const read = source.getByIds?.bind(source)
  if (read === undefined) throw new InvalidArgumentError('expected a source that has getByIds')
  checkSameSpace(source, target)
  return transferEntries(source, target, {
    batchSize: wholeNumber('batchSize', options.batchSize ?? 1000, [1, 10_000]),
    overwrite: options.overwrite === true,
    produce: async (entries: readonly ListedEntry<P>[]): Promise<VectorRecord<P>[]> => {
      if (entries.length === 0) return []
      const found = new Map((await read(entries.map((entry) => entry.id))).map((r) => [r.id, r]))
      return entries.flatMap(({ id }) => {
        const record = found.get(id)
        return record === undefined ? [] : [record]
      })
    },
    onProgress: options.onProgress,
  })
}

// What a backend says of its vectors (every backend has these; the contract does not require them).
interface Space {
  readonly metric?: unknown
  readonly dim?: unknown
  readonly label?: unknown
}

function checkSameSpace(sourceBackend: object, targetBackend: object): void {
  const source = sourceBackend as Space
  const target = targetBackend as Space
  if (typeof source.metric === 'string' && typeof target.metric === 'string') {
    if (source.metric !== target.metric) throw new MetricMismatchError(source.metric, target.metric)
  }
  if (typeof source.dim === 'number' && typeof target.dim === 'number') {
    if (source.dim !== target.dim) {
      const where = typeof target.label === 'string' ? target.label : 'the target'
      throw new DimensionMismatchError(
        target.dim,
        source.dim,
        where,
        `the source's are ${source.dim}`,
      )
    }
  }
}
