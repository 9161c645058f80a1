import { ChromaBackend } from '../../src/chroma/index.js'
import type { StoredRecord, VectorBackend } from '../../src/core/backend.js'
import type { DistanceMetric } from '../../src/core/metric.js'
import { InMemoryVectorBackend } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { collectionNames } from '../setup/chroma.js'
import { nativeEngine, pgliteEngine, type TestEngine } from '../setup/postgres-engines.js'

/** A backend under test: exact ones must equal the reference, approximate ones report recall. */
export interface Subject {
  readonly name: string
  readonly exact: boolean
  readonly backend: VectorBackend & {
    getByIds(ids: readonly string[]): Promise<StoredRecord[]>
    close(): Promise<void>
  }
}

/** The engines the subjects run on, opened once per test file. */
export interface Engines {
  readonly pglite: TestEngine
  /** Native Postgres, or why it is not available. */
  readonly native: TestEngine | { readonly skip: string }
  close(): Promise<void>
}

export async function openEngines(prefix: string): Promise<Engines> {
  const native = await nativeEngine(prefix)
  const pglite = await pgliteEngine()
  return {
    pglite,
    native,
    close: async () => {
      await pglite.close()
      if (!('skip' in native)) await native.close()
    },
  }
}

const chromaNames = collectionNames('diff')
let tables = 0

/**
 * Every backend, one metric: in-memory; PGlite and native Postgres without
 * a vector index (exact); native Postgres with its default HNSW index and
 * Chroma's HNSW on the process's ephemeral local server (approximate).
 */
export async function openSubjects(
  engines: Engines,
  metric: DistanceMetric,
  dim: number,
): Promise<Subject[]> {
  const table = (engine: TestEngine, index: 'none' | 'hnsw') =>
    PgvectorBackend.create({
      db: engine.db,
      schema: engine.schema,
      table: `differential_${tables++}`,
      metric,
      dim,
      index,
    })
  const subjects: Subject[] = [
    { name: 'memory', exact: true, backend: new InMemoryVectorBackend({ metric, dim }) },
    { name: 'PGlite', exact: true, backend: await table(engines.pglite, 'none') },
  ]
  if (!('skip' in engines.native)) {
    subjects.push(
      { name: 'Postgres', exact: true, backend: await table(engines.native, 'none') },
      { name: 'Postgres HNSW', exact: false, backend: await table(engines.native, 'hnsw') },
    )
  }
  const chroma = await ChromaBackend.create(chromaNames.next(), { metric, dim })
  subjects.push({ name: 'Chroma', exact: false, backend: chroma })
  return subjects
}
