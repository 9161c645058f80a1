import { performance } from 'node:perf_hooks'

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** The p-th percentile (0..100), by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

/** Times an async call `reps` times (after `warmup` untimed calls); returns milliseconds per call. */
export async function timeEach(
  reps: number,
  call: (i: number) => Promise<unknown>,
  warmup = 2,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call(i)
  const times: number[] = []
  for (let i = 0; i < reps; i++) {
    const start = performance.now()
    await call(i)
    times.push(performance.now() - start)
  }
  return times
}

/** A small seeded generator, so every run measures the same data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomVectors(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed)
  const data = new Float32Array(n * dim)
  for (let i = 0; i < data.length; i++) data[i] = random() * 2 - 1
  return data
}

export function fmt(value: number, digits = 2): string {
  return value.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  })
}
