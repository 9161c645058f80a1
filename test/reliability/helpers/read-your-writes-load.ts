import { isDeepStrictEqual } from 'node:util'
import type { VectorBackend } from '../../../src/core/backend.js'
import type { Payload } from '../../../src/core/json.js'

/** What a read-your-writes load saw. */
export interface ReadYourWritesLoad {
  /** Calls made so far (writes and reads). */
  readonly ops: () => number
  /** Reads whose answer missed a write acknowledged before they started (described). */
  readonly violations: string[]
  /** Reads that failed, and writes that failed. */
  readonly failedReads: unknown[]
  readonly failedWrites: unknown[]
  /** Resolves once at least `n` calls have been made in all. */
  untilOps(n: number): Promise<void>
  /** Stops the workers after their current step and waits for them. */
  stop(): Promise<void>
}

type Step = (worker: Worker, i: number) => Promise<void>

/** One worker's ids and what they hold: only this worker writes them, so the model is exact. */
interface Worker {
  readonly backend: VectorBackend
  readonly w: number
  readonly prefix: string
  readonly dim: number
  readonly model: Map<string, Payload>
  readonly load: ReadYourWritesLoad & { count: number }
}

/**
 * Runs `workers` concurrent loops of a write followed at once by a read that
 * must see it, until stopped: a new entry then `getByIds`, an update then a
 * filtered `search`, an `upsertMany` then `count`, a `delete` then
 * `getByIds`, a `deleteWhere` then `listWhere` of everything the worker owns.
 * Each worker owns its ids, so what each read must return is known exactly.
 */
export function startReadYourWritesLoad(
  backend: VectorBackend,
  { workers, dim, prefix }: { workers: number; dim: number; prefix: string },
): ReadYourWritesLoad {
  let running = true
  const load = {
    count: 0,
    ops: () => load.count,
    violations: [] as string[],
    failedReads: [] as unknown[],
    failedWrites: [] as unknown[],
    async untilOps(n: number) {
      while (load.count < n && running) await new Promise((resolve) => setTimeout(resolve, 20))
    },
    async stop() {
      running = false
      await Promise.all(loops)
    },
  }
  const loop = async (w: number) => {
    const worker: Worker = { backend, w, prefix, dim, model: new Map(), load }
    for (let i = 0; running; i++) await (STEPS[i % STEPS.length] as Step)(worker, i)
  }
  const loops = Array.from({ length: workers }, (_, w) => loop(w))
  return load
}

const vectorOf = (worker: Worker, i: number) =>
  Array.from({ length: worker.dim }, (_, d) => ((worker.w * 31 + i * 7 + d * 13) % 17) - 8 || 1)

const idOf = (worker: Worker, i: number) => `${worker.prefix}-w${worker.w}-${i}`

const payloadOf = (worker: Worker, i: number, version: number): Payload => ({
  owner: `${worker.prefix}-${worker.w}`,
  key: idOf(worker, i),
  group: `${worker.prefix}-${worker.w}-g${i % 7}`,
  version,
})

// A write, then a read whose answer is checked against the model; each call counts as an op.
async function writeThenRead(
  worker: Worker,
  write: () => Promise<unknown>,
  read: () => Promise<unknown>,
  expected: () => unknown,
  what: string,
): Promise<void> {
  const { load } = worker
  load.count++
  try {
    await write()
  } catch (error) {
    load.failedWrites.push(error)
    return
  }
  load.count++
  let answer: unknown
  try {
    answer = await read()
  } catch (error) {
    load.failedReads.push(error)
    return
  }
  const want = expected()
  if (!isDeepStrictEqual(answer, want)) {
    load.violations.push(`${what}: got ${JSON.stringify(answer)}, want ${JSON.stringify(want)}`)
  }
}

const STEPS: readonly Step[] = [
  // A new entry, read back by id.
  (worker, i) => {
    const id = idOf(worker, i)
    const payload = payloadOf(worker, i, 1)
    return writeThenRead(
      worker,
      async () => {
        await worker.backend.upsert(id, vectorOf(worker, i), payload)
        worker.model.set(id, payload)
      },
      async () => (await worker.backend.getByIds!([id])).map((r) => [r.id, r.payload]),
      () => [[id, payload]],
      `getByIds after upsert of ${id}`,
    )
  },
  // The entry of the previous step updated, found by a filtered search with its new version.
  (worker, i) => {
    const id = idOf(worker, i - 1)
    const payload = payloadOf(worker, i - 1, 2)
    return writeThenRead(
      worker,
      async () => {
        await worker.backend.upsert(id, vectorOf(worker, i - 1), payload)
        worker.model.set(id, payload)
      },
      async () =>
        (await worker.backend.search(vectorOf(worker, i - 1), 1, { key: id })).map((hit) => [
          hit.id,
          hit.payload,
        ]),
      () => [[id, payload]],
      `search after update of ${id}`,
    )
  },
  // Three new entries at once, then the count of everything the worker owns.
  (worker, i) => {
    const records = [0, 1, 2].map((j) => ({
      id: `${idOf(worker, i)}-${j}`,
      vector: vectorOf(worker, i + j),
      payload: payloadOf(worker, i, 1),
    }))
    const owner = payloadOf(worker, i, 0)['owner'] as string
    return writeThenRead(
      worker,
      async () => {
        await worker.backend.upsertMany!(records)
        for (const r of records) worker.model.set(r.id, r.payload)
      },
      () => worker.backend.count({ owner }),
      () => worker.model.size,
      `count after upsertMany at ${idOf(worker, i)}`,
    )
  },
  // The entry of two steps back deleted, then looked up.
  (worker, i) => {
    const id = idOf(worker, i - 3)
    return writeThenRead(
      worker,
      async () => {
        await worker.backend.delete(id)
        worker.model.delete(id)
      },
      () => worker.backend.getByIds!([id]),
      () => [],
      `getByIds after delete of ${id}`,
    )
  },
  // A group deleted by filter, then everything the worker owns listed.
  (worker, i) => {
    const { owner, group } = payloadOf(worker, i, 0) as { owner: string; group: string }
    return writeThenRead(
      worker,
      async () => {
        await worker.backend.deleteWhere({ group })
        for (const [id, payload] of worker.model)
          if (payload['group'] === group) worker.model.delete(id)
      },
      async () => (await worker.backend.listWhere({ owner }, 10_000)).map((entry) => entry.id),
      () => [...worker.model.keys()].sort(compareCodePoints),
      `listWhere after deleteWhere of ${group}`,
    )
  },
]

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
