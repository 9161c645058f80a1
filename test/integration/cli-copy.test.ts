import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend } from '../../src/chroma/index.js'
import { InMemoryVectorBackend, type SearchHit, type VectorBackend } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'
import { vecstoreIn } from '../setup/cli.js'
import { makeTempDir } from '../setup/temp-dir.js'

const temp = makeTempDir('vecstore-cli-copy-')
const vecstore = vecstoreIn(temp.dir)
const DIM = 12
const COUNT = 2345

// Deterministic pseudo-random vectors (a fixed LCG), so every run copies the same data.
function vectorOf(i: number): number[] {
  let state = (i + 1) * 2654435761
  return Array.from({ length: DIM }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31
    return state / 2 ** 31 - 0.5
  })
}

const records = Array.from({ length: COUNT }, (_, i) => ({
  id: `doc-${String(i).padStart(5, '0')}`,
  vector: vectorOf(i),
  payload: { i, lang: i % 3 === 0 ? 'fr' : 'en', tags: [i % 5], nested: { even: i % 2 === 0 } },
}))
const query = vectorOf(COUNT + 7)

async function writeSnapshot(path: string, metric: 'l2' | 'cosine', entries = records) {
  const backend = new InMemoryVectorBackend({ snapshotPath: path, metric })
  await backend.upsertMany(entries)
  await backend.close()
}

async function searchOf(open: () => Promise<VectorBackend>): Promise<SearchHit[]> {
  const backend = await open()
  try {
    return await backend.search(query, 10, { lang: 'en' })
  } finally {
    await backend.close?.()
  }
}

function expectSameHits(actual: SearchHit[], expected: SearchHit[]) {
  expect(actual.map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id))
  expect(actual.map((hit) => hit.payload)).toEqual(expected.map((hit) => hit.payload))
  actual.forEach((hit, i) => expect(hit.score).toBeCloseTo((expected[i] as SearchHit).score, 5))
}

let postgres: { url: string; schema: string; drop: () => Promise<void> } | undefined
let postgresSkip: string | undefined

beforeAll(async () => {
  const server = await postgresForTests()
  if ('skip' in server) postgresSkip = server.skip
  else postgres = { url: server.url, ...(await isolatedSchema(server.url, 'cli_copy')) }
})

afterAll(async () => {
  await postgres?.drop()
  temp.cleanup()
})

describe('vecstore copy', () => {
  it('copies memory -> pglite -> postgres -> chroma with equal counts and identical searches', async (context) => {
    if (postgres === undefined) return context.skip(postgresSkip)
    const snapshot = `${temp.dir}/source.json`
    await writeSnapshot(snapshot, 'l2')
    const expected = await searchOf(
      async () => new InMemoryVectorBackend({ snapshotPath: snapshot }),
    )
    expect(expected).toHaveLength(10)

    const pglite = `pglite:${temp.dir}/pglite?table=hop`
    const pg = `${postgres.url}${postgres.url.includes('?') ? '&' : '?'}table=hop&schema=${postgres.schema}`
    const chroma = `chroma:${temp.dir}/chroma?collection=hop`
    const hops: [string, string, () => Promise<VectorBackend>][] = [
      [
        snapshot,
        pglite,
        () => PgvectorBackend.create({ pglite: `${temp.dir}/pglite`, table: 'hop' }),
      ],
      [
        pglite,
        pg,
        () =>
          PgvectorBackend.create({ dsn: postgres!.url, table: 'hop', schema: postgres!.schema }),
      ],
      [pg, chroma, () => ChromaBackend.create('hop', { path: `${temp.dir}/chroma` })],
    ]
    for (const [from, to, open] of hops) {
      const result = await vecstore('copy', '--from', from, '--to', to, '--batch', '700')
      expect(result.stderr).not.toMatch(/error/i)
      expect(result.code).toBe(0)
      expect(result.stdout).toContain(`copied ${COUNT} entries (0 already in the target, skipped)`)
      expect(result.stdout).toContain(`source ${COUNT}, target ${COUNT}: counts check out`)
      if (!to.startsWith('chroma:')) expect(result.stderr).toContain('built the vector index of')
      const backend = await open()
      try {
        expect(await backend.count({})).toBe(COUNT)
        expect((backend as unknown as { metric: string }).metric).toBe('l2')
      } finally {
        await backend.close?.()
      }
      expectSameHits(await searchOf(open), expected)
    }

    // The Postgres targets were created without their HNSW index, built once the rows were in.
    for (const table of [pglite, pg]) {
      expect(JSON.parse((await vecstore('stats', table, '--json')).stdout)).toMatchObject({
        count: COUNT,
        index: 'hnsw',
        indexParameters: { 'operator class': 'vector_l2_ops', m: '16' },
      })
    }
    const stats = await vecstore('stats', chroma, '--json')
    expect(stats.code).toBe(0)
    expect(JSON.parse(stats.stdout)).toMatchObject({
      count: COUNT,
      dimensions: DIM,
      metric: 'l2',
      index: 'hnsw',
    })
  })

  it('resumes: entries the target already holds are skipped, the rest are copied', async () => {
    const source = `${temp.dir}/resume-source.json`
    const target = `${temp.dir}/resume-target.json`
    await writeSnapshot(source, 'cosine', records.slice(0, 500))
    // An interrupted copy: the target got the first 300 entries in id order.
    await writeSnapshot(target, 'cosine', records.slice(0, 300))

    const resumed = await vecstore(
      'copy',
      '--from',
      source,
      '--to',
      `memory:${target}`,
      '--batch',
      '128',
    )
    expect(resumed.code).toBe(0)
    expect(resumed.stdout).toContain(
      'copied 200 entries (300 already in the target, skipped); source 500, target 500',
    )
    expect(await searchOf(async () => new InMemoryVectorBackend({ snapshotPath: target }))).toEqual(
      await searchOf(async () => new InMemoryVectorBackend({ snapshotPath: source })),
    )

    const again = await vecstore('copy', '--from', source, '--to', target)
    expect(again.stdout).toContain('copied 0 entries (500 already in the target, skipped)')
    const overwrite = await vecstore('copy', '--from', source, '--to', target, '--overwrite')
    expect(overwrite.stdout).toContain('copied 500 entries (500 already in the target, rewritten)')
  })

  it('refuses a target with another metric or dimension, and changes nothing', async () => {
    const source = `${temp.dir}/metric-source.json`
    const cosineTarget = `${temp.dir}/metric-target.json`
    await writeSnapshot(source, 'l2', records.slice(0, 20))
    await writeSnapshot(cosineTarget, 'cosine', records.slice(0, 5))
    const metric = await vecstore('copy', '--from', source, '--to', cosineTarget)
    expect(metric.code).toBe(1)
    expect(metric.stderr).toContain(`target: ${cosineTarget}`)
    expect(metric.stderr).toContain('[METRIC_MISMATCH]')

    const narrow = `${temp.dir}/narrow.json`
    const backend = new InMemoryVectorBackend({ snapshotPath: narrow, metric: 'l2' })
    await backend.upsert('x', [1, 2, 3], {})
    await backend.close()
    const dim = await vecstore('copy', '--from', source, '--to', narrow)
    expect(dim.code).toBe(1)
    expect(dim.stderr).toContain(
      `target: ${narrow}: snapshot ${narrow} holds vectors of 3 dimensions, got ${DIM} [DIMENSION_MISMATCH]`,
    )

    const check = new InMemoryVectorBackend({ snapshotPath: cosineTarget })
    expect(await check.count({})).toBe(5)
    await check.close()
  })

  it('refuses a metric mismatch with an existing Postgres table', async (context) => {
    if (postgres === undefined) return context.skip(postgresSkip)
    const source = `${temp.dir}/pg-metric-source.json`
    await writeSnapshot(source, 'cosine', records.slice(0, 10))
    const existing = await PgvectorBackend.create({
      dsn: postgres.url,
      schema: postgres.schema,
      table: 'l2_table',
      dim: DIM,
      metric: 'l2',
    })
    await existing.close()
    const to = `${postgres.url}${postgres.url.includes('?') ? '&' : '?'}table=l2_table&schema=${postgres.schema}`
    const result = await vecstore('copy', '--from', source, '--to', to)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('[METRIC_MISMATCH]')
  })

  it('names the target table and its dimension first when the dimensions differ', async (context) => {
    if (postgres === undefined) return context.skip(postgresSkip)
    const source = `${temp.dir}/pg-dim-source.json`
    await writeSnapshot(source, 'cosine', records.slice(0, 10))
    const wide = await PgvectorBackend.create({
      dsn: postgres.url,
      schema: postgres.schema,
      table: 'wide',
      dim: 256,
    })
    await wide.close()
    const to = `${postgres.url}${postgres.url.includes('?') ? '&' : '?'}table=wide&schema=${postgres.schema}`
    const result = await vecstore('copy', '--from', source, '--to', to)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(
      `table "${postgres.schema}"."wide" holds vectors of 256 dimensions, got ${DIM}`,
    )
    expect(result.stderr).toContain('[DIMENSION_MISMATCH]')
  })

  it('names a missing source and leaves no new store behind', async () => {
    const result = await vecstore(
      'copy',
      '--from',
      `pglite:${temp.dir}/nothing-here`,
      '--to',
      `${temp.dir}/t.json`,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no PGlite database in')
    expect(result.stderr).toContain('[STORE_NOT_FOUND]')
    const missingTable = await vecstore(
      'copy',
      '--from',
      `memory:${temp.dir}/none.json`,
      '--to',
      `${temp.dir}/t.json`,
    )
    expect(missingTable.stderr).toContain('no snapshot file at')
  })
})

describe('vecstore reembed', () => {
  it('re-embeds a store into a new one with another model, and resumes', async () => {
    const source = `${temp.dir}/texts.json`
    const backend = new InMemoryVectorBackend({ snapshotPath: source, model: 'hashing-v1-8' })
    await backend.upsertMany(
      records.slice(0, 40).map(({ id, vector, payload }) => ({
        id,
        vector: vector.slice(0, 8),
        payload: { ...payload, body: `text of ${id} in ${payload.lang}` },
      })),
    )
    await backend.close()
    const target = `${temp.dir}/texts-16.json`
    const partial = new InMemoryVectorBackend({ snapshotPath: target, dim: 16 })
    await partial.upsert('doc-00000', new Array(16).fill(1), { done: true })
    await partial.close()
    const args = ['reembed', '--from', source, '--to', target, '--embedder', 'hashing:16']
    const noText = await vecstore(...args)
    expect(noText.code).toBe(2)
    expect(noText.stderr).toContain("has no string 'content' in its payload: pass --text-key")
    const run = await vecstore(...args, '--text-key', 'body', '--batch', '7')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      "re-embedded 39 entries with 'hashing-v1-16' (1 already in the target, skipped; 0 rate-limit retries)",
    )
    const stats = JSON.parse((await vecstore('stats', target, '--json')).stdout) as Record<
      string,
      unknown
    >
    expect(stats).toMatchObject({ count: 40, dimensions: 16, model: 'hashing-v1-16' })
    const other = await vecstore(...args.slice(0, -1), 'hashing:32', '--text-key', 'body')
    expect(other.code).toBe(1)
    expect(other.stderr).toContain(
      `snapshot ${target} holds vectors of model 'hashing-v1-16' but 'hashing-v1-32' was requested`,
    )
  })
})
