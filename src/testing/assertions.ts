import assert from 'node:assert/strict'
import type { SearchHit, VectorBackend } from '../core/backend.js'
import type { VectorStoreError } from '../core/errors.js'

/** Asserts the call rejects with this error class (and so a `VectorStoreError` code). */
export async function rejectsWith(
  call: () => Promise<unknown>,
  errorClass: abstract new (...args: never[]) => VectorStoreError,
  what: string,
): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(
      error instanceof errorClass,
      `${what}: expected ${errorClass.name}, got ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`,
    )
    return true
  })
}

/** Everything observable about a backend's contents, to check a failed call changed nothing. */
export async function observe(backend: VectorBackend, query: readonly number[]): Promise<unknown> {
  const listed = await backend.listWhere({}, 10_000)
  const hits = listed.length === 0 ? [] : await backend.search(query, 10_000, {})
  return { count: await backend.count({}), listed, hits: hits.map((hit) => [hit.id, hit.score]) }
}

export function assertScoresClose(
  actual: number,
  expected: number,
  tolerance: number,
  what: string,
): void {
  const allowed = tolerance * Math.max(1, Math.abs(expected))
  assert.ok(
    Math.abs(actual - expected) <= allowed,
    `${what}: score ${actual}, expected ${expected}`,
  )
}

export function ids(hits: readonly Pick<SearchHit, 'id'>[]): string[] {
  return hits.map((hit) => hit.id)
}
