import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { InMemoryVectorBackend, type Payload, SnapshotLockedError } from '../../src/index.js'
import { makeTempDir } from '../setup/temp-dir.js'

const TRIALS = Number(process.env['CRASH_TRIALS'] ?? 500)
// The trials are spread over several tests, each with a time limit of its own: a trial takes
// about half a second (a few on a loaded machine), and the limit grows with the trials it holds,
// so a slow machine does not fail a run that is merely slow.
const TRIALS_PER_TEST = 25
const TRIAL_BUDGET_MS = 6_000
const READY_TIMEOUT_MS = 30_000
const writer = new URL('./memory-crash/writer.mjs', import.meta.url).pathname
const temp = makeTempDir()
const path = `${temp.dir}/crash.json`

interface Acked {
  /** Newest acknowledged (trial, seq) per id. */
  latest: Map<string, [number, number]>
  batches: string[][]
  count: number
  kills: number
  duringCompaction: number
}
const acked: Acked = { latest: new Map(), batches: [], count: 0, kills: 0, duringCompaction: 0 }

// The trials in progress. After a time-out, the next test and the removal of the directory wait
// for them to stop (removing it under a running trial made it fail with ENOENT on a lock file).
let running: Promise<void> = Promise.resolve()
afterAll(async () => {
  await running.catch(() => undefined)
  temp.cleanup()
})

/** Runs the writer, SIGKILLs it after a random delay, and records what it acknowledged. */
async function crashRun(trial: number): Promise<void> {
  // stdin is a pipe the writer watches: it exits if this process dies without killing it.
  const child = spawn(process.execPath, [writer, path, String(trial)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  try {
    await readyWithin(child, READY_TIMEOUT_MS)
    await sleep(Math.random() * 120)
    // While the writer runs, nobody else may open the snapshot.
    expect(() => new InMemoryVectorBackend({ snapshotPath: path })).toThrow(SnapshotLockedError)
  } finally {
    await kill(child)
  }
  acked.kills++
  // A temp file left behind means the kill landed inside a compaction.
  if (existsSync(`${path}.tmp`) || existsSync(`${path}.journal.tmp`)) acked.duringCompaction++
}

function readyWithin(child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`writer not ready after ${ms} ms`)), ms)
    let buffered = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) record(line, () => (clearTimeout(timer), resolve()))
    })
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before it was killed`)))
  })
}

function record(line: string, onReady: () => void): void {
  const [kind, a, b, c] = line.split(' ')
  if (kind === 'ready') return onReady()
  acked.count++
  if (kind === 'ack') acked.latest.set(a as string, [Number(c), Number(b)])
  if (kind === 'batch') acked.batches.push((b as string).split(','))
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    // Wait for the exit (and so the reaping): a zombie would still look alive to the lock check.
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

/** Never unreadable: opening must succeed, and every acknowledged write must be there. */
async function checkAfterCrash(trial: number): Promise<void> {
  const backend = new InMemoryVectorBackend({ snapshotPath: path })
  try {
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
  } finally {
    await backend.close()
  }
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

describe(`InMemoryVectorBackend crash safety: ${TRIALS} SIGKILLs of a writer at random instants`, () => {
  for (let first = 0; first < TRIALS; first += TRIALS_PER_TEST) {
    const end = Math.min(first + TRIALS_PER_TEST, TRIALS)
    it(
      `kills ${first + 1}-${end}: no acknowledged write lost, the snapshot always opens`,
      async ({ signal }) => {
        const trials = async () => {
          // A timed-out test stops before its next trial instead of running on beside the next test.
          for (let trial = first; trial < end && !signal.aborted; trial++) {
            await crashRun(trial)
            await checkAfterCrash(trial)
          }
        }
        // After a time-out, the trial still in progress finishes before this test starts its own.
        running = running.catch(() => undefined).then(trials)
        await running
      },
      (end - first) * TRIAL_BUDGET_MS,
    )
  }

  it('every kill happened, and the writers acknowledged more writes than there were kills', () => {
    console.log(
      `crash test: ${acked.kills} SIGKILLs (${acked.duringCompaction} inside a compaction), ${acked.count} acknowledged writes checked, none lost`,
    )
    expect(acked.kills).toBe(TRIALS)
    expect(acked.count).toBeGreaterThan(TRIALS)
  })
})
