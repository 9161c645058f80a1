import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { InMemoryVectorBackend } from '../../src/index.js'
import { row, type Images } from './fashion-mnist.js'

export const CACHE_DIR = new URL('../.cache/', import.meta.url).pathname
const K = 10

/**
 * The exact L2 top-10 (train row indices) of each test image, computed once by
 * exhaustive search and cached in bench/.cache: ground truth for recall@10.
 */
export async function fashionMnistTruth(train: Images, test: Images): Promise<Int32Array> {
  mkdirSync(CACHE_DIR, { recursive: true })
  const file = join(CACHE_DIR, `fashion-mnist-l2-top${K}-${train.count}x${test.count}.i32`)
  if (existsSync(file)) {
    const bytes = readFileSync(file)
    return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  }
  console.error(
    `computing exact L2 top-${K} for ${test.count} queries over ${train.count} (cached in ${file})`,
  )
  const exact = new InMemoryVectorBackend({ metric: 'l2', dim: train.dim })
  await exact.upsertMany(
    Array.from({ length: train.count }, (_, i) => ({
      id: String(i),
      vector: row(train, i),
      payload: {},
    })),
  )
  const truth = new Int32Array(test.count * K)
  for (let q = 0; q < test.count; q++) {
    const hits = await exact.search(row(test, q), K, {})
    hits.forEach((hit, j) => (truth[q * K + j] = Number(hit.id)))
  }
  await exact.close()
  writeFileSync(file, Buffer.from(truth.buffer))
  return truth
}

/** Fraction of the true top-10 found in `found` (ids as train row indices). */
export function recallAt10(truth: Int32Array, query: number, found: readonly string[]): number {
  const expected = new Set(truth.subarray(query * K, (query + 1) * K))
  return found.filter((id) => expected.has(Number(id))).length / K
}
