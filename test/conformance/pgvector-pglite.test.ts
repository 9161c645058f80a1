import { PGlite } from '@electric-sql/pglite'
import { vector } from '@electric-sql/pglite-pgvector'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { CAPABILITIES, describeBackend } from '../../src/testing/index.js'

// One embedded database for the file (each instance takes seconds to start), a fresh table per backend.
let instance: Promise<PGlite> | undefined
const pglite = () => (instance ??= PGlite.create({ extensions: { vector } }))
afterAll(async () => {
  await (await instance)?.close()
})

let tables = 0
const factory = async ({ metric, dim }: Parameters<Parameters<typeof describeBackend>[1]>[0]) =>
  PgvectorBackend.create({ pglite: await pglite(), table: `conformance_${tables++}`, metric, dim })

describeBackend(
  'PgvectorBackend on PGlite',
  factory,
  { describe, it },
  { capabilities: CAPABILITIES },
)

describe('with vector index scans forced', () => {
  // Small tables are planned as sequential scans; PGlite has one session, so this setting makes
  // the planner take the vector index for the whole suite below (iterative scans, dead tuples).
  beforeAll(async () => {
    await (await pglite()).exec('SET enable_seqscan = off; SET enable_bitmapscan = off')
  })
  afterAll(async () => {
    await (await pglite()).exec('RESET enable_seqscan; RESET enable_bitmapscan')
  })
  it('plans searches, filtered or not, on the vector index', async () => {
    const backend = await factory({ metric: 'cosine', dim: 3 })
    await backend.upsert('a', [1, 0, 0], { x: 1 })
    for (const filters of [{}, { x: 1 }]) {
      expect((await backend.explain([1, 0, 0], 1, filters)).usesVectorIndex).toBe(true)
    }
    await backend.close()
  })
  describeBackend(
    'PgvectorBackend on PGlite',
    factory,
    { describe, it },
    { capabilities: CAPABILITIES },
  )
})
