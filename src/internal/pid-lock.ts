import { linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** What a lock file holds: the owner's pid, plus whatever the owner records beside it. */
export interface LockRecord {
  readonly pid: number
  readonly [field: string]: unknown
}

/** A lock this process holds. */
export interface PidLock {
  /** Rewrites the record (the pid stays): an aid for whoever takes over a stale lock. */
  record(fields: Readonly<Record<string, unknown>>): void
  release(): void
}

/** The outcome of one attempt: the lock, or who holds it (alive, or `stale` when gone). */
export type LockAttempt =
  { readonly lock: PidLock } | { readonly holder: LockRecord; readonly stale: boolean }

// Lock files this process holds: a second take in the same process is refused too.
const heldHere = new Set<string>()

// An unreadable lock older than this is left over from a crash (complete files appear atomically).
const UNREADABLE_STALE_MS = 10_000

/**
 * Tries to take a pid lock file. The file appears with its record already in
 * it (written to a temp file, then hard-linked into place), so another
 * process never reads a half-written lock and takes it for stale. A lock
 * whose process is gone is taken over when `takeOverStale` is set (default);
 * so is one naming our own pid that this process does not hold (a restarted
 * container reuses pids).
 */
export function tryPidLock(path: string, options: { takeOverStale?: boolean } = {}): LockAttempt {
  const lockPath = resolve(path)
  if (heldHere.has(lockPath)) return { holder: { pid: process.pid }, stale: false }
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath, { pid: process.pid })) return { lock: held(lockPath) }
    const holder = readRecord(lockPath)
    if (holder === undefined) {
      // Gone meanwhile (try again), or unreadable: stale only once it is old.
      if (!isOldFile(lockPath)) continue
    } else if (holder.pid !== process.pid && isAlive(holder.pid)) {
      return { holder, stale: false }
    }
    if (options.takeOverStale === false) return { holder: holder ?? { pid: 0 }, stale: true }
    removeStale(lockPath, holder)
  }
  return { holder: readRecord(lockPath) ?? { pid: 0 }, stale: false }
}

function held(lockPath: string): PidLock {
  heldHere.add(lockPath)
  return {
    record: (fields) => {
      const temp = `${lockPath}.${process.pid}.tmp`
      writeFileSync(temp, JSON.stringify({ ...fields, pid: process.pid }))
      renameSync(temp, lockPath)
    },
    release: () => {
      if (!heldHere.delete(lockPath)) return
      unlinkQuietly(lockPath)
    },
  }
}

function tryCreate(lockPath: string, record: LockRecord): boolean {
  const temp = `${lockPath}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify(record))
  try {
    linkSync(temp, lockPath)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    unlinkQuietly(temp)
  }
}

/**
 * Moves a stale lock aside, then checks what was moved: when a live owner
 * replaced the stale file in between, its lock is put back.
 */
function removeStale(lockPath: string, stale: LockRecord | undefined): void {
  const aside = `${lockPath}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`
  try {
    renameSync(lockPath, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = readRecord(aside)
  if (moved !== undefined && moved.pid !== stale?.pid && isAlive(moved.pid)) {
    try {
      linkSync(aside, lockPath)
    } catch {
      // Someone took the lock meanwhile: theirs stands.
    }
  }
  unlinkQuietly(aside)
}

/** The record in a lock file; a bare pid (an older layout) is read too. */
export function readRecord(lockPath: string): LockRecord | undefined {
  let text: string
  try {
    text = readFileSync(lockPath, 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed: unknown = JSON.parse(text)
    const record = (typeof parsed === 'number' ? { pid: parsed } : parsed) as Partial<LockRecord>
    return Number.isInteger(record?.pid) && (record.pid as number) > 0
      ? (record as LockRecord)
      : undefined
  } catch {
    return undefined
  }
}

function isOldFile(path: string): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > UNREADABLE_STALE_MS
  } catch {
    return false
  }
}

/** True while a process with this pid exists (ours included). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes a file; one that is already gone is fine. */
export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
