import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { BackendConnectionError } from '../core/errors.js'
import { isAlive, type LockRecord, type PidLock, tryPidLock } from '../internal/pid-lock.js'

/** The lock file a process keeps in a persistent data directory while its server runs. */
export const LOCK_FILE = 'vecstore-chroma.lock'

/**
 * Takes the data directory for this process: two Chroma servers on one
 * directory would each keep their own HNSW index in memory and overwrite each
 * other's files. A lock left by a process that is gone is taken over, after
 * waiting up to `graceMs` + 2 s for that process's server to finish stopping
 * (its watchdog stops it). Record the server's pid in the lock with
 * `lock.record({ serverPid })` so a later owner can wait for it.
 */
export async function lockDataDir(dir: string, graceMs: number): Promise<PidLock> {
  const lockPath = join(dir, LOCK_FILE)
  const first = tryPidLock(lockPath, { takeOverStale: false })
  if ('lock' in first) return first.lock
  if (!first.stale) throw inUse(dir, lockPath, first.holder.pid)
  await waitForExit(first.holder, graceMs + 2_000)
  const second = tryPidLock(lockPath)
  if ('lock' in second) return second.lock
  throw inUse(dir, lockPath, second.holder.pid)
}

function inUse(dir: string, lockPath: string, pid: number): BackendConnectionError {
  return new BackendConnectionError(
    `the Chroma data directory ${dir} is in use by process ${pid}: one process at a time ` +
      'can run a server on it (share it by connecting to that server with host and port; ' +
      `if process ${pid} is not a vecstore process, delete ${lockPath})`,
  )
}

async function waitForExit(stale: LockRecord, timeoutMs: number): Promise<void> {
  const pid = stale['serverPid']
  if (!Number.isInteger(pid)) return
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid as number)) {
    if (Date.now() > deadline) {
      throw new BackendConnectionError(
        `a Chroma server (process ${String(pid)}) left by a previous process still runs on this data directory`,
      )
    }
    await sleep(50)
  }
}
