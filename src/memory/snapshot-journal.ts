import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { type FileHandle, open, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import {
  BackendQueryError,
  DimensionMismatchError,
  MetricMismatchError,
  SnapshotCorruptError,
} from '../core/errors.js'
import type { DistanceMetric } from '../core/metric.js'
import { type IndexOp, InMemoryIndex } from './in-memory-index.js'
import { acquireLock, unlinkQuietly } from './file-lock.js'
import {
  JOURNAL_FORMAT,
  decodeOp,
  encodeEntry,
  encodeJournalHeader,
  encodeOp,
  encodeSnapshotHeader,
  loadSnapshot,
  forEachLine,
} from './snapshot-format.js'

export interface SnapshotJournalOptions {
  readonly metric: DistanceMetric | undefined
  readonly dim: number | undefined
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
 * and renamed over the old one, then the journal is reset.
 */
export class SnapshotJournal {
  readonly index: InMemoryIndex
  readonly #path: string
  readonly #journalPath: string
  readonly #options: SnapshotJournalOptions
  readonly #releaseLock: () => void
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
    this.#releaseLock = acquireLock(path)
    try {
      unlinkQuietly(`${path}.tmp`)
      unlinkQuietly(`${this.#journalPath}.tmp`)
      this.index = this.#loadSnapshot()
      this.#replayJournal()
      this.#checkDimension()
    } catch (error) {
      this.#releaseLock()
      throw error
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

  async close(): Promise<void> {
    await this.#flushing
    await this.#journal?.close()
    this.#journal = undefined
    this.#releaseLock()
  }

  #loadSnapshot(): InMemoryIndex {
    const { metric: requested } = this.#options
    if (!existsSync(this.#path)) {
      // Record the metric on disk from the start, so a reopen with another metric is refused.
      writeAtomicallySync(
        this.#path,
        `${encodeSnapshotHeader({ metric: requested ?? 'cosine', dim: undefined, generation: 0, count: 0 })}\n]}\n`,
      )
    }
    const { header, index, bytes } = loadSnapshot(this.#path, requested ?? 'cosine')
    if (requested !== undefined && requested !== header.metric) {
      throw new MetricMismatchError(requested, header.metric)
    }
    this.#generation = header.generation
    this.#snapshotBytes = bytes
    return index
  }

  #checkDimension(): void {
    const { dim } = this.#options
    if (dim === undefined) return
    if (this.index.dim !== undefined && this.index.dim !== dim)
      throw new DimensionMismatchError(dim, this.index.dim)
    this.index.fixDimension(dim)
  }

  #replayJournal(): void {
    if (!existsSync(this.#journalPath)) return
    let validBytes = 0
    let stale = false
    const { tail } = forEachLine(this.#journalPath, (line, n) => {
      if (n === 0) {
        const header = tryParse(line)
        // A journal of another generation was left by a compaction that finished its snapshot.
        stale = header?.['format'] !== JOURNAL_FORMAT || header['generation'] !== this.#generation
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
    // A torn last line is a crash mid-append: never acknowledged, cut off before appending again.
    if (tail.length > 0) truncateSync(this.#journalPath, validBytes)
    this.#journalBytes = validBytes
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending
      this.#pending = []
      try {
        await this.#append(batch.map((write) => write.line).join(''))
      } catch (error) {
        for (const write of batch) write.reject(error)
        continue
      }
      for (const write of batch) {
        this.index.apply(write.op)
        write.resolve()
      }
      await this.#compactIfDue()
    }
    this.#flushing = undefined
  }

  async #append(text: string): Promise<void> {
    const journal = this.#journal ?? (await this.#openJournal())
    const bytes = Buffer.from(text)
    try {
      await journal.write(bytes)
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
    if (existsSync(this.#journalPath) && this.#journalBytes > 0) {
      this.#journal = await open(this.#journalPath, 'a')
    } else {
      await this.#writeAtomically(this.#journalPath, [`${encodeJournalHeader(this.#generation)}\n`])
      this.#journal = await open(this.#journalPath, 'a')
      this.#journalBytes = Buffer.byteLength(`${encodeJournalHeader(this.#generation)}\n`)
    }
    return this.#journal
  }

  async #compactIfDue(): Promise<void> {
    const threshold = Math.max(this.#options.compactionThresholdBytes, this.#snapshotBytes)
    if (this.#journalBytes <= threshold) return
    try {
      const generation = this.#generation + 1
      this.#snapshotBytes = await this.#writeAtomically(this.#path, this.#snapshotLines(generation))
      // The new snapshot holds everything: from here on the old journal is stale.
      this.#generation = generation
      await this.#journal?.close()
      this.#journal = undefined
      this.#journalBytes = 0
      await this.#openJournal()
    } catch (error) {
      process.emitWarning(`vecstore: snapshot compaction failed: ${(error as Error).message}`)
    }
  }

  *#snapshotLines(generation: number): Generator<string> {
    const { index } = this
    yield `${encodeSnapshotHeader({ metric: index.metric, dim: index.dim, generation, count: index.size })}\n`
    let first = true
    for (const entry of index.encodedEntries()) {
      yield `${first ? '' : ',\n'}${encodeEntry(entry.id, entry.vectorBase64, entry.payload)}`
      first = false
    }
    yield `${first ? '' : '\n'}]}\n`
  }

  /** temp file, fsync, rename, fsync the directory: readers see the old file or the new one, never a part. */
  async #writeAtomically(path: string, lines: Iterable<string>): Promise<number> {
    const temp = `${path}.tmp`
    const file = await open(temp, 'w')
    let size = 0
    try {
      let chunk = ''
      for (const line of lines) {
        chunk += line
        if (chunk.length >= 1 << 20) {
          size += (await file.write(chunk)).bytesWritten
          chunk = ''
        }
      }
      size += (await file.write(chunk)).bytesWritten
      if (this.#options.fsync) await file.sync()
    } finally {
      await file.close()
    }
    await rename(temp, path)
    if (this.#options.fsync) syncDirectory(dirname(path))
    return size
  }
}

function writeAtomicallySync(path: string, text: string): void {
  const temp = `${path}.tmp`
  const fd = openSync(temp, 'w')
  try {
    writeSync(fd, text)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, path)
  syncDirectory(dirname(path))
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function tryParse(line: string | undefined): Record<string, unknown> | undefined {
  try {
    return line === undefined ? undefined : (JSON.parse(line) as Record<string, unknown>)
  } catch {
    return undefined
  }
}
