import { execFileSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryVectorBackend } from '../../src/index.js'
import { makeTempDir } from '../setup/temp-dir.js'

const writer = new URL('./memory-crash/disk-full-writer.mjs', import.meta.url).pathname
const temp = makeTempDir()
afterAll(temp.cleanup)

/** Runs the writer under a file-size limit (in KiB) and returns the ids it acknowledged. */
function writeUntilFull(path: string, limitKiB: number, compactionThreshold: number) {
  const script = `ulimit -f ${limitKiB}; exec "$0" "$@"`
  const out = execFileSync(
    'bash',
    ['-c', script, process.execPath, writer, path, String(compactionThreshold)],
    {
      encoding: 'utf8',
    },
  )
  const lines = out.trim().split('\n')
  return {
    acked: lines.filter((l) => l.startsWith('ack ')).flatMap((l) => l.slice(4).split(' ')),
    failures: lines.filter((l) => l.startsWith('failed ')),
  }
}

describe('InMemoryVectorBackend when the disk is full', () => {
  it.each([
    ['journal appends', 200, 1 << 30],
    ['compactions', 200, 16 * 1024],
  ])('loses no acknowledged write when %s hit the limit', async (_, limitKiB, threshold) => {
    const path = `${temp.dir}/full-${threshold}.json`
    const { acked, failures } = writeUntilFull(path, limitKiB, threshold)
    expect(failures.length).toBeGreaterThan(0)
    expect(failures.every((f) => f === 'failed BackendQueryError')).toBe(true)
    const backend = new InMemoryVectorBackend({ snapshotPath: path })
    const stored = new Set((await backend.listWhere({}, 10_000)).map((e) => e.id))
    for (const id of acked) expect(stored.has(id), `${id} acknowledged but lost`).toBe(true)
    // Nothing unacknowledged half-landed: every batch is whole.
    for (const id of stored)
      if (id.startsWith('b'))
        expect(stored.has(id.replace(/-\d$/, '-0')) && stored.has(id.replace(/-\d$/, '-1'))).toBe(
          true,
        )
    await backend.upsert(
      'after',
      Array.from({ length: 64 }, () => 1),
      {},
    )
    await backend.close()
  })
})
