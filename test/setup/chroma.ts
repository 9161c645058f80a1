import assert from 'node:assert/strict'
import { ChromaClient } from 'chromadb'
import { runningLocalChromaServers } from '../../src/chroma/index.js'

/** A Chroma server given by `CHROMA_URL` (e.g. `http://localhost:8000`), if any. */
export function chromaUrlTarget(): { host: string; port: number; ssl: boolean } | undefined {
  const url = process.env['CHROMA_URL']
  if (!url) return undefined
  const parsed = new URL(url)
  const ssl = parsed.protocol === 'https:'
  return { host: parsed.hostname, port: Number(parsed.port || (ssl ? 443 : 8000)), ssl }
}

/** Unique collection names for one test file (Chroma: 3-512 of [A-Za-z0-9._-]). */
export function collectionNames(prefix: string): { next: () => string; all: () => string[] } {
  const made: string[] = []
  const run = `${process.pid}-${Date.now().toString(36)}`
  return {
    next: () => {
      const name = `${prefix}-${run}-${made.length}`
      made.push(name)
      return name
    },
    all: () => [...made],
  }
}

/** Deletes collections a test file made on a shared server (missing ones are skipped). */
export async function dropCollections(
  target: { host: string; port: number; ssl: boolean },
  names: readonly string[],
): Promise<void> {
  const client = new ChromaClient(target)
  for (const name of names) await client.deleteCollection({ name }).catch(() => undefined)
}

/** True while a process with this pid exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Waits until the process is gone; fails after `timeoutMs`. */
export async function expectProcessGone(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (isProcessAlive(pid)) {
    assert.ok(Date.now() < deadline, `process ${pid} is still running after ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

/** Asserts this process runs no local Chroma server and that every recorded one is gone. */
export async function expectNoLocalServers(pids: Iterable<number>): Promise<void> {
  assert.deepEqual(runningLocalChromaServers(), [], 'local Chroma servers still registered')
  for (const pid of pids) await expectProcessGone(pid)
}

/** The error a call rejects with; fails the test when it resolves. */
export async function failureOf(call: Promise<unknown>): Promise<Error> {
  try {
    await call
  } catch (error) {
    return error as Error
  }
  throw new assert.AssertionError({ message: 'expected the call to fail' })
}
