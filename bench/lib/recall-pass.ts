import type { PgvectorBackend } from '../../src/pgvector/index.js'
import { percentile } from './stats.js'

/** Recall@10 and one client's top-10 search speed over a set of queries. */
export interface RecallPass {
  readonly recallAt10: number
  readonly qps: number
  readonly p50Ms: number
}

/** Recall@10 and one client's QPS of these queries against their exact top 10 (ten warm-up searches first). */
export async function measureRecall(
  backend: PgvectorBackend,
  queries: Float32Array[],
  truth: string[][],
): Promise<RecallPass> {
  for (const query of queries.slice(0, 10)) await backend.search(query, 10, {})
  const latencies: number[] = []
  let found = 0
  for (const [q, query] of queries.entries()) {
    const start = performance.now()
    const hits = await backend.search(query, 10, {})
    latencies.push(performance.now() - start)
    const expected = new Set(truth[q])
    found += hits.filter((hit) => expected.has(hit.id)).length
  }
  const total = latencies.reduce((sum, ms) => sum + ms, 0)
  return {
    recallAt10: found / (10 * queries.length),
    qps: queries.length / (total / 1000),
    p50Ms: percentile(latencies, 50),
  }
}
