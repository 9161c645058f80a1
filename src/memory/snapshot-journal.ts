import { existsSync, mkdirSync, truncateSync } from 'node:fs'
import { type FileHandle, open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  BackendQueryError,
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  MetricMismatchError,
  SnapshotCorruptError,
  SnapshotLockedError,
  VectorStoreError,
} from '../core/errors.js'
import type { DistanceMetric } from '../core/metric.js'
import { type PidLock, tryPidLock, unlinkQuietly } from '../internal/pid-lock.js'
import { syncDirectory, writeAtomicallySync, writeFully, writeTemp } from './durable-file.js'
import { type IndexOp, InMemoryIndex } from './in-memory-index.js'
import {
  JOURNAL_FORMAT,
  decodeOp,
  encodeEntry,
  encodeJournalHeader,
  encodeOp,
  encodeRecord,
  encodeSnapshotHeader,
  forEachLine,
  loadSnapshot,
  RECORDS_FORMAT_VERSION,
  RECORDS_LINE,
} from './snapshot-format.js'

export interface SnapshotJournalOptions {
  readonly metric: DistanceMetric | undefined
  readonly dim: number | undefined
  /** The embedding model asked for: recorded in the snapshot, or checked against the one there. */
  readonly model: string | undefined
  /** fdatasync each journal write and compaction (survives power loss, not only a crash). */
  readonly fsync: boolean
  /** Compact once the journal is larger than this, or than the snapshot if that is larger. */
  readonly compactionThresholdBytes: number
}

interface PendingWrite {
  readonly line: string
  readonly op: IndexOp
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

/**
 * Persists an {@link InMemoryIndex}: a JSON snapshot plus an append-only
 * journal. A write resolves only after its journal line is written (and
 * fsynced); concurrent writes share one write and one fsync. When the journal
 * outgrows the snapshot, a new snapshot is written to a temp file, fsynced
 * and renamed over the old one, then the journal restarts.
 */
export class SnapshotJournal {
  readonly index: InMemoryIndex
  readonly #path: string
  readonly #journalPath: string
  readonly #options: SnapshotJournalOptions
  readonly #lock: PidLock
  #model: string | undefined
  #generation = 0
  #snapshotBytes = 0
  #journalBytes = 0
  #journal: FileHandle | undefined
  #pending: PendingWrite[] = []
  #flushing: Promise<void> | undefined
  #broken: Error | undefined

  /** Opens (and locks) a snapshot, loading what is on disk; synchronous, as construction is. */
  constructor(path: string, options: SnapshotJournalOptions) {
    this.#path = path
    this.#journalPath = `${path}.journal`
    this.#options = options
    mkdirSync(dirname(path), { recursive: true })
    this.#lock = lockSnapshot(path)
    try {
      unlinkQuietly(`${path}.tmp`)
      unlinkQuietly(`${this.#journalPath}.tmp`)
      const { index, legacy, unrecordedModel } = this.#loadSnapshot()
      this.index = index
      this.#replayJournal()
      this.#checkDimension()
      if (legacy || unrecordedModel) this.#rewriteSnapshot()
    } catch (error) {
      this.#lock.release()
      if (error instanceof VectorStoreError) throw error
      throw new BackendQueryError('open snapshot', (error as Error).message, { cause: error })
    }
  }

  /** Journals an operation, then applies it to the index; resolves once it is on disk. */
  write(op: IndexOp): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken)
    return new Promise((resolve, reject) => {
      this.#pending.push({ line: `${encodeOp(op)}\n`, op, resolve, reject })
      this.#flushing ??= this.#flush()
    })
  }

  /** The embedding model recorded in the snapshot, if any. */
  get model(): string | undefined {
    return this.#model
  }

  async close(): Promise<void> {
    await this.#flushing
    await this.#journal?.close()
    this.#journal = undefined
    this.#lock.release()
  }

  #loadSnapshot(): { index: InMemoryIndex; legacy: boolean; unrecordedModel: boolean } {
    const { metric: requested, model } = this.#options
    if (!existsSync(this.#path)) {
      // Record the metric (and model) on disk from the start, so a reopen with another is refused.
      const header = {
        metric: requested ?? 'cosine',
        dim: undefined,
        model,
        generation: 0,
        count: 0,
      }
      writeAtomicallySync(this.#path, `${encodeSnapshotHeader(header)}\n]}\n`)
    }
    const { header, index, bytes, legacy } = loadSnapshot(this.#path, requested ?? 'cosine')
    if (requested !== undefined && requested !== header.metric) {
      throw new MetricMismatchError(requested, header.metric)
    }
    if (model !== undefined && header.model !== undefined && model !== header.model) {
      throw new EmbeddingModelMismatchError(`snapshot ${this.#path}`, header.model, model)
    }
    this.#model = header.model ?? model
    this.#generation = header.generation
    this.#snapshotBytes = bytes
    return {
      index,
      legacy: legacy === true,
      unrecordedModel: model !== undefined && header.model === undefined,
    }
  }

  // The original layout records no metric, and older snapshots no model: rewrite the snapshot at
  // once (atomically), so a reopen with another one is refused. Its journal becomes stale: all of
  // it is in.
  #rewriteSnapshot(): void {
    const generation = this.#generation + 1
    const text = [...this.#snapshotLines(generation)].join('')
    writeAtomicallySync(this.#path, text)
    this.#generation = generation
    this.#snapshotBytes = Buffer.byteLength(text)
    this.#journalBytes = 0
  }

  #checkDimension(): void {
    const { dim } = this.#options
    if (dim === undefined) return
    if (this.index.dim !== undefined && this.index.dim !== dim) {
      throw new DimensionMismatchError(this.index.dim, dim, `snapshot ${this.#path}`)
    }
    this.index.fixDimension(dim)
  }

  #replayJournal(): void {
    if (!existsSync(this.#journalPath)) return
    let validBytes = 0
    let stale = false
    const { tail } = forEachLine(this.#journalPath, (line, n) => {
      if (n === 0) {
        stale = this.#isStale(line)
        if (stale) return true
      } else {
        try {
          this.index.apply(decodeOp(JSON.parse(line), this.index.metric))
        } catch (error) {
          throw new SnapshotCorruptError(this.#journalPath, `bad line ${n + 1}`, { cause: error })
        }
      }
      validBytes += Buffer.byteLength(line) + 1
      return false
    })
    if (stale) return
    if (validBytes === 0) throw new SnapshotCorruptError(this.#journalPath, 'no header line')
    // A torn last line is a crash mid-append: never acknowledged, cut off before appending again.
    if (tail.length > 0) truncateSync(this.#journalPath, validBytes)
    this.#journalBytes = validBytes
  }

  // A journal of an older generation was left by a compaction that finished its snapshot:
  // everything in it is in the snapshot. Anything else that does not match is damage.
  #isStale(headerLine: string): boolean {
    let header: Record<string, unknown> | undefined
    try {
      header = JSON.parse(headerLine) as Record<string, unknown>
    } catch {
      header = undefined
    }
    const generation = header?.['generation']
    if (
      header?.['format'] !== JOURNAL_FORMAT ||
      typeof generation !== 'number' ||
      generation > this.#generation
    ) {
      throw new SnapshotCorruptError(this.#journalPath, 'bad header line')
    }
    return generation < this.#generation
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending
        this.#pending = []
        try {
          await this.#append(batch.map((write) => write.line).join(''))
        } catch (error) {
          for (const write of batch) write.reject(error)
          continue
        }
        for (const write of batch) this.#applyAcknowledged(write)
        await this.#compactIfDue()
      }
    } finally {
      // Cleared in the same tick as the last emptiness check, so no write can slip in unflushed.
      this.#flushing = undefined
    }
  }

  #applyAcknowledged(write: PendingWrite): void {
    try {
      this.index.apply(write.op)
      write.resolve()
    } catch (error) {
      // On disk but not in memory: stop taking writes rather than diverge.
      this.#broken = new BackendQueryError('apply journaled write', (error as Error).message, {
        cause: error,
      })
      write.reject(this.#broken)
      for (const pending of this.#pending.splice(0)) pending.reject(this.#broken)
    }
  }

  async #append(text: string): Promise<void> {
    const journal = this.#journal ?? (await this.#openJournal())
    const bytes = Buffer.from(text)
    try {
      await writeFully(journal, bytes)
      if (this.#options.fsync) await journal.datasync()
      this.#journalBytes += bytes.length
    } catch (error) {
      // Cut off what may have been partly written, so it can never be replayed.
      await journal.truncate(this.#journalBytes).catch((truncateError: unknown) => {
        this.#broken = new BackendQueryError('snapshot journal', 'the journal cannot be repaired', {
          cause: truncateError,
        })
      })
      throw new BackendQueryError('snapshot journal write', (error as Error).message, {
        cause: error,
      })
    }
  }

  async #openJournal(): Promise<FileHandle> {
    if (this.#journalBytes === 0) {
      const header = `${encodeJournalHeader(this.#generation)}\n`
      const { temp } = await writeTemp(this.#journalPath, [header], this.#options.fsync)
      await rename(temp, this.#journalPath)
      if (this.#options.fsync) syncDirectory(dirname(this.#journalPath))
      this.#journalBytes = Buffer.byteLength(header)
    }
    this.#journal = await open(this.#journalPath, 'a')
    return this.#journal
  }

  async #compactIfDue(): Promise<void> {
    const threshold = Math.max(this.#options.compactionThresholdBytes, this.#snapshotBytes)
    if (this.#journalBytes <= threshold) return
    try {
      const generation = this.#generation + 1
      const { temp, size } = await writeTemp(
        this.#path,
        this.#snapshotLines(generation),
        this.#options.fsync,
      )
      await rename(temp, this.#path)
      // From here the new snapshot holds everything and the old journal is stale:
      // switch before any other call can fail, so no write goes to the stale journal.
      const old = this.#journal
      this.#generation = generation
      this.#snapshotBytes = size
      this.#journal = undefined
      this.#journalBytes = 0
      await old?.close()
      if (this.#options.fsync) syncDirectory(dirname(this.#path))
    } catch (error) {
      // The old snapshot and journal (or the new snapshot) stay valid; the next append retries.
      process.emitWarning(`vecstore: snapshot compaction failed: ${(error as Error).message}`)
    }
  }

  *#snapshotLines(generation: number): Generator<string> {
    const { index } = this
    const records = index.recordCount > 0
    const header = {
      metric: index.metric,
      dim: index.dim,
      model: this.#model,
      generation,
      count: index.size,
      ...(records && { version: RECORDS_FORMAT_VERSION }),
    }
    yield `${encodeSnapshotHeader(header)}\n`
    let first = true
    for (const entry of index.encodedEntries()) {
      yield `${first ? '' : ',\n'}${encodeEntry(entry.id, entry.vectorBase64, entry.payload)}`
      first = false
    }
    if (records) {
      yield `${first ? '' : '\n'}${RECORDS_LINE}\n`
      first = true
      for (const [key, value] of index.records()) {
        yield `${first ? '' : ',\n'}${encodeRecord(key, value)}`
        first = false
      }
    }
    yield `${first ? '' : '\n'}]}\n`
  }
}

/** Takes `<path>.lock`, so a second writer gets a clear error instead of interleaving its journal with ours. */
function lockSnapshot(path: string): PidLock {
  const attempt = tryPidLock(`${path}.lock`)
  if ('lock' in attempt) return attempt.lock
  throw new SnapshotLockedError(path, attempt.holder.pid)
}
