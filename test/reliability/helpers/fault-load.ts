import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ListedEntry, VectorBackend } from '../../../src/core/backend.js'
import { BackendConnectionError } from '../../../src/core/errors.js'
import type { Payload } from '../../../src/core/json.js'

/** What a write load saw while a server was faulted. */
export interface WriteLoad {
  /** Acknowledged writes: id → payload (each id is written once, so this is the expected state). */
  readonly acked: Map<string, Payload>
  /** Single upserts that failed (their row may or may not exist: the answer may be what was lost). */
  readonly failedSingles: string[]
  /** upsertMany calls that failed: each must have left all of its rows or none. */
  readonly failedBatches: string[][]
  /** Every error a call (write or read) rejected with. */
  readonly errors: unknown[]
  /** Calls made, reads included. */
  calls: number
  /** The longest a call took, in ms, and what it was. */
  slowest: { ms: number; what: string }
  /** Waits until `n` more writes than now are acknowledged. */
  waitForMoreAcks(n: number, timeoutMs: number): Promise<void>
  /** Stops the workers and waits for their last calls. */
  stop(): Promise<void>
}

/**
 * Runs `workers` concurrent loops of upsert, upsertMany (4 rows, or
 * `largeBatchRows` for worker 0), count and search on disjoint ids until
 * stopped. A failed call is recorded and the loop goes on after a short
 * pause, as an application would.
 */
export function startWriteLoad(
  backend: VectorBackend,
  {
    workers,
    dim,
    prefix,
    largeBatchRows = 4,
  }: { workers: number; dim: number; prefix: string; largeBatchRows?: number },
): WriteLoad {
  let running = true
  const load: WriteLoad = {
    acked: new Map(),
    failedSingles: [],
    failedBatches: [],
    errors: [],
    calls: 0,
    slowest: { ms: 0, what: '' },
    async waitForMoreAcks(n, timeoutMs) {
      const target = load.acked.size + n
      const deadline = Date.now() + timeoutMs
      while (load.acked.size < target) {
        assert.ok(
          Date.now() < deadline,
          `only ${load.acked.size} of ${target} writes acknowledged after ${timeoutMs} ms; last error: ${String(load.errors.at(-1))}`,
        )
        await sleep(20)
      }
    },
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
  const vectorOf = (worker: number, i: number) =>
    Array.from({ length: dim }, (_, d) => ((worker * 31 + i * 7 + d * 13) % 17) - 8 || 1)
  const worker = async (w: number) => {
    for (let i = 0; running; i++) {
      load.calls++
      const id = `${prefix}-w${w}-${i}`
      const payload: Payload = { worker: w, i, tag: i % 3 === 0 ? 'a' : 'b' }
      const started = Date.now()
      let outcome = 'ok'
      try {
        switch (i % 5) {
          case 0:
          case 1:
          case 3:
            try {
              await backend.upsert(id, vectorOf(w, i), payload)
            } catch (error) {
              load.failedSingles.push(id)
              throw error
            }
            load.acked.set(id, payload)
            break
          case 2: {
            const rows = w === 0 ? largeBatchRows : 4
            const records = Array.from({ length: rows }, (_, j) => ({
              id: `${id}-${j}`,
              vector: vectorOf(w, i + j),
              payload: { ...payload, j },
            }))
            try {
              await (backend.upsertMany as NonNullable<VectorBackend['upsertMany']>).call(
                backend,
                records,
              )
            } catch (error) {
              load.failedBatches.push(records.map((r) => r.id))
              throw error
            }
            for (const r of records) load.acked.set(r.id, r.payload)
            break
          }
          case 4:
            if (i % 2 === 0) await backend.count({ tag: 'a' })
            else await backend.search(vectorOf(w, i), 5, { worker: w })
            break
        }
      } catch (error) {
        load.errors.push(error)
        outcome = String(error)
        await sleep(25)
      } finally {
        const ms = Date.now() - started
        if (ms > load.slowest.ms)
          load.slowest = { ms, what: `call ${i % 5} of worker ${w}: ${outcome}` }
      }
    }
  }
  const loops = Array.from({ length: workers }, (_, w) => worker(w))
  return load
}

/** Every entry of a backend, paging by id. */
export async function listAll(backend: VectorBackend): Promise<Map<string, Payload>> {
  const all = new Map<string, Payload>()
  let after: string | undefined
  for (;;) {
    const page: ListedEntry[] = await backend.listWhere(
      {},
      10_000,
      after === undefined ? {} : { after },
    )
    for (const entry of page) all.set(entry.id, entry.payload)
    if (page.length < 10_000) return all
    after = page.at(-1)?.id
  }
}

/** Figures of one fault run, for the report. */
export interface FaultFigures {
  calls: number
  acked: number
  failures: number
  failedBatches: number
  failedBatchesPresent: number
  lostAcked: number
}

/**
 * Checks the state after a fault: every acknowledged write present with its
 * payload, each failed batch all there or all absent, every error typed.
 */
export async function checkAfterFault(
  backend: VectorBackend,
  load: WriteLoad,
  isExpectedError: (error: unknown) => boolean = (e) => e instanceof BackendConnectionError,
): Promise<FaultFigures> {
  for (const error of load.errors) {
    assert.ok(
      isExpectedError(error),
      `unexpected error class: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`,
    )
  }
  const stored = await listAll(backend)
  const lost = [...load.acked].filter(
    ([id, payload]) => !stored.has(id) || !isDeepEqual(stored.get(id), payload),
  )
  assert.deepEqual(
    lost.map(([id]) => id),
    [],
    'acknowledged writes missing or changed',
  )
  let present = 0
  for (const batch of load.failedBatches) {
    const there = batch.filter((id) => stored.has(id)).length
    assert.ok(
      there === 0 || there === batch.length,
      `a failed upsertMany left ${there} of ${batch.length} rows`,
    )
    if (there > 0) present++
  }
  return {
    calls: load.calls,
    acked: load.acked.size,
    failures: load.errors.length,
    failedBatches: load.failedBatches.length,
    failedBatchesPresent: present,
    lostAcked: lost.length,
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b)
    return true
  } catch {
    return false
  }
}
