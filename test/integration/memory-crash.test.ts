import { type ChildProcess, spawn } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { InMemoryVectorBackend, type Payload, SnapshotLockedError } from '../../src/index.js'
import { makeTempDir } from '../setup/temp-dir.js'

const TRIALS = Number(process.env['CRASH_TRIALS'] ?? 500)
const writer = new URL('./memory-crash/writer.mjs', import.meta.url).pathname
const temp = makeTempDir()
afterAll(temp.cleanup)

interface Acked {
  /** Newest acknowledged (trial, seq) per id. */
  latest: Map<string, [number, number]>
  batches: string[][]
  count: number
  duringCompaction: number
}

/** Runs the writer, SIGKILLs it after a random delay, and returns what it acknowledged. */
async function crashRun(path: string, trial: number, acked: Acked): Promise<void> {
  const child = spawn(process.execPath, [writer, path, String(trial)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let buffered = ''
  child.stdout.setEncoding('utf8')
  const ready = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) record(line, acked, resolve)
    })
  })
  await ready
  await sleep(Math.random() * 120)
  // While the writer runs, nobody else may open the snapshot.
  expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotLockedError)
  await kill(child)
  // A temp file left behind means the kill landed inside a compaction.
  if (existsSync(`${path}.tmp`) || existsSync(`${path}.journal.tmp`)) acked.duringCompaction++
}

function record(line: string, acked: Acked, onReady: () => void): void {
  const [kind, a, b, c] = line.split(' ')
  if (kind === 'ready') return onReady()
  acked.count++
  if (kind === 'ack') acked.latest.set(a as string, [Number(c), Number(b)])
  if (kind === 'batch') acked.batches.push((b as string).split(','))
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    // Wait for the exit (and so the reaping): a zombie would still look alive to the lock check.
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

async function everything(backend: InMemoryVectorBackend) {
  const all = new Map<string, Payload>()
  for (let page = await backend.listWhere({}, 10_000); page.length > 0;) {
    for (const entry of page) all.set(entry.id, entry.payload)
    page = await backend.listWhere({}, 10_000, { after: page[page.length - 1]?.id as string })
  }
  return all
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('InMemoryVectorBackend crash safety', () => {
  it(`loses no acknowledged write over ${TRIALS} SIGKILLs at random instants`, async () => {
    const path = `${temp.dir}/crash.json`
    const acked: Acked = { latest: new Map(), batches: [], count: 0, duringCompaction: 0 }
    for (let trial = 0; trial < TRIALS; trial++) {
      await crashRun(path, trial, acked)
      // Never unreadable: opening must succeed, and every acknowledged write must be there.
      const backend = new InMemoryVectorBackend({ snapshotPath: path })
      const stored = await everything(backend)
      for (const [id, [ackTrial, seq]] of acked.latest) {
        const payload = stored.get(id)
        expect(payload, `${id} lost after trial ${trial}`).toBeDefined()
        // An unacknowledged later write may have landed too; an older one may not win.
        const newer =
          Number(payload?.['trial']) > ackTrial ||
          (payload?.['trial'] === ackTrial && Number(payload?.['seq']) >= seq)
        expect(newer, `${id} went back in time after trial ${trial}`).toBe(true)
      }
      for (const batch of acked.batches)
        for (const id of batch) expect(stored.has(id), `${id} lost`).toBe(true)
      // A batch lands whole or not at all, acknowledged or not.
      const batchSizes = new Map<string, number>()
      for (const id of stored.keys()) {
        const match = /^(t\d+-b\d+)-\d$/.exec(id)
        if (match) batchSizes.set(match[1] as string, (batchSizes.get(match[1] as string) ?? 0) + 1)
      }
      for (const [batch, size] of batchSizes) expect(size, `batch ${batch} landed in part`).toBe(3)
      await backend.close()
    }
    console.log(
      `crash test: ${TRIALS} SIGKILLs (${acked.duringCompaction} inside a compaction), ${acked.count} acknowledged writes checked, none lost`,
    )
    expect(acked.count).toBeGreaterThan(TRIALS)
  }, 600_000)
})
