import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BackendConnectionError } from '../core/errors.js'

/** The lock file a process keeps in a persistent data directory while its server runs. */
export const LOCK_FILE = 'vecstore-chroma.lock'

/**
 * Takes the data directory for this process: two Chroma servers on one
 * directory would each keep their own HNSW index in memory and overwrite each
 * other's files. A lock left by a process that is gone is taken over, after
 * waiting up to `graceMs` + 2 s for that process's server to finish stopping
 * (its watchdog stops it). Returns the release function.
 */
export async function lockDataDir(dir: string, graceMs: number): Promise<() => void> {
  const lockPath = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(lockPath)) return () => unlinkQuietly(lockPath)
    const holder = readHolder(lockPath)
    if (holder !== undefined && isAlive(holder)) {
      throw new BackendConnectionError(
        `the Chroma data directory ${dir} is in use by process ${holder}: one process at a time ` +
          'can run a server on it (share it by connecting to that server with host and port; ' +
          `if process ${holder} is not a vecstore process, delete ${lockPath})`,
      )
    }
    await waitForExit(readServerPid(lockPath), graceMs + 2_000)
    unlinkQuietly(lockPath)
  }
  throw new BackendConnectionError(`could not lock the Chroma data directory ${dir}`)
}

function tryCreate(lockPath: string): boolean {
  try {
    const fd = openSync(lockPath, 'wx')
    writeSync(fd, JSON.stringify({ pid: process.pid }))
    closeSync(fd)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new BackendConnectionError(`cannot lock ${lockPath}: ${(error as Error).message}`, {
      cause: error,
    })
  }
}

/** Records the server's pid in the lock, so a later owner can wait for it to stop. */
export function recordServerPid(dir: string, serverPid: number): void {
  const lockPath = join(dir, LOCK_FILE)
  try {
    const fd = openSync(lockPath, 'r+')
    writeSync(fd, JSON.stringify({ pid: process.pid, serverPid }), 0)
    closeSync(fd)
  } catch {
    // Only an aid for the next owner.
  }
}

function readLock(lockPath: string): { pid?: unknown; serverPid?: unknown } {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as { pid?: unknown; serverPid?: unknown }
  } catch {
    return {}
  }
}

function readHolder(lockPath: string): number | undefined {
  const { pid } = readLock(lockPath)
  return Number.isInteger(pid) ? (pid as number) : undefined
}

function readServerPid(lockPath: string): number | undefined {
  const { serverPid } = readLock(lockPath)
  return Number.isInteger(serverPid) ? (serverPid as number) : undefined
}

async function waitForExit(pid: number | undefined, timeoutMs: number): Promise<void> {
  if (pid === undefined) return
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      throw new BackendConnectionError(
        `a Chroma server (process ${pid}) left by a previous process still runs on this data directory`,
      )
    }
    await sleep(50)
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // Already gone.
  }
}
