import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { SnapshotLockedError } from '../core/errors.js'

// Snapshots this process holds: a second open in the same process is refused too.
const heldHere = new Set<string>()

/**
 * Takes `<path>.lock` for this process, so a second writer gets a clear error
 * instead of interleaving its journal with ours. The lock file appears with
 * the pid already in it (written to a temp file, then hard-linked into
 * place). A lock whose process no longer runs (after a crash) is taken over;
 * so is one with our own pid that this process does not hold (a restarted
 * container reuses pids).
 */
export function acquireLock(snapshotPath: string): () => void {
  const lockPath = `${resolve(snapshotPath)}.lock`
  if (heldHere.has(lockPath)) throw new SnapshotLockedError(snapshotPath, process.pid)
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath)) {
      heldHere.add(lockPath)
      return () => {
        heldHere.delete(lockPath)
        unlinkQuietly(lockPath)
      }
    }
    const holder = readPid(lockPath)
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new SnapshotLockedError(snapshotPath, holder)
    }
    // Stale: remove it only if it still names the same holder (another process may have just taken over).
    if (readPid(lockPath) === holder) unlinkQuietly(lockPath)
  }
  throw new SnapshotLockedError(snapshotPath, readPid(lockPath) ?? 0)
}

function tryCreate(lockPath: string): boolean {
  const temp = `${lockPath}.${process.pid}.tmp`
  writeFileSync(temp, String(process.pid))
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

function readPid(lockPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lockPath, 'utf8'), 10)
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
