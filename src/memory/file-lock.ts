import { openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs'
import { SnapshotLockedError } from '../core/errors.js'

/**
 * Takes `<path>.lock` for this process, so a second writer gets a clear error
 * instead of interleaving its journal with ours. A lock left by a process that
 * no longer runs (after a crash) is taken over.
 */
export function acquireLock(snapshotPath: string): () => void {
  const lockPath = `${snapshotPath}.lock`
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx')
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => unlinkSync(lockPath)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number.parseInt(readText(lockPath), 10)
    if (Number.isInteger(holder) && isAlive(holder))
      throw new SnapshotLockedError(snapshotPath, holder)
    unlinkQuietly(lockPath)
  }
  throw new SnapshotLockedError(snapshotPath, Number.parseInt(readText(lockPath), 10))
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
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
