import { existsSync, readFileSync } from 'node:fs'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChromaBackend, startLocalChromaServer } from '../../src/chroma/index.js'
import { InMemoryVectorBackend } from '../../src/index.js'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'
import { vecstoreIn } from '../setup/cli.js'
import { makeTempDir } from '../setup/temp-dir.js'

const root = new URL('../../', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  bin: Record<string, string>
  files: string[]
}
const temp = makeTempDir('vecstore-cli-')
const vecstore = vecstoreIn(temp.dir)

const withTable = (url: string, params: string) => `${url}${url.includes('?') ? '&' : '?'}${params}`
let pg: { url: string; schema: string; drop: () => Promise<void> } | undefined
let pgSkip: string | undefined

beforeAll(async () => {
  const server = await postgresForTests()
  if ('skip' in server) pgSkip = server.skip
  else pg = { url: server.url, ...(await isolatedSchema(server.url, 'cli_commands')) }
})

afterAll(async () => {
  await pg?.drop()
  temp.cleanup()
})

describe('vecstore demo', () => {
  it('indexes the README and docs into the embedded PGlite store and answers --query with ranked, sourced hits', async () => {
    const result = await vecstore('demo', '--query', 'how are scores computed', '--top-k', '2')
    expect(result.stderr).toMatch(
      /indexed \d+ chunks of \d+ files into pglite:\.vecstore\/demo\?table=vecstore_demo \(cosine, 256 dims/,
    )
    expect(result.stderr).toContain('indexing: ')
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toBe('? how are scores computed')
    expect(lines[1]).toMatch(/^ {2}1\. 0\.\d{3} {2}docs\/semantics\.md > Scores$/)
    expect(lines[3]).toMatch(/^ {2}2\. 0\.\d{3} {2}\S+\.md > /)
    expect(lines).toHaveLength(5)
    // README.md ships in every npm package; the bin, what it runs and the docs must be in "files".
    expect(pkg.files).toEqual(expect.arrayContaining(['bin', 'dist', 'docs']))

    const stats = await vecstore('stats', 'pglite:.vecstore/demo?table=vecstore_demo', '--json')
    const chunks = Number(/indexed (\d+) chunks/.exec(result.stderr)?.[1])
    expect(JSON.parse(stats.stdout)).toMatchObject({
      count: chunks,
      dimensions: 256,
      metric: 'cosine',
      index: 'hnsw',
    })
  })

  it('runs on the memory backend, answers the example questions, and re-indexes without duplicates', async () => {
    const first = await vecstore('demo', '--backend', 'memory')
    expect(first.code).toBe(0)
    expect(first.stdout.match(/^\? /gm)).toHaveLength(3)
    expect(first.stdout).toContain('? which filter operators are there\n  1. ')
    const again = await vecstore('demo', '--backend', 'memory', '--query', 'snapshot journal')
    expect(again.code).toBe(0)
    const chunks = Number(/indexed (\d+) chunks/.exec(again.stderr)?.[1])
    const backend = new InMemoryVectorBackend({ snapshotPath: `${temp.dir}/.vecstore/demo.json` })
    expect(await backend.count({})).toBe(chunks)
    await backend.close()
  })

  it('--hybrid ranks by full text and vectors together, and Chroma refuses it', async () => {
    const result = await vecstore(
      'demo',
      '--backend',
      'memory',
      '--hybrid',
      '--query',
      'websearch_to_tsquery',
      '--top-k',
      '2',
    )
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    // Found by its text in both hits (the hashing vector side alone ranks other chunks first).
    expect(lines[1]).toMatch(/^ {2}1\. 0\.0\d{3} {2}docs\/hybrid\.md > /)
    expect(lines[3]).toMatch(/^ {2}2\. 0\.0\d{3} {2}docs\/hybrid\.md > /)
    const store = `chroma:${temp.dir}/hybrid-chroma?collection=notes`
    const chroma = await vecstore('demo', '--store', store, '--hybrid', '--query', 'x')
    expect(chroma.code).not.toBe(0)
    expect(chroma.stderr).toContain(
      'cannot rank by text: hybridSearch is not supported [UNSUPPORTED_FEATURE]',
    )
    // Refused before the demo indexed anything.
    expect(existsSync(`${temp.dir}/hybrid-chroma`)).toBe(false)
  })

  it('indexes a --corpus directory into a Chroma store', async () => {
    const docs = `${temp.dir}/docs`
    const { mkdirSync, writeFileSync } = await import('node:fs')
    mkdirSync(docs, { recursive: true })
    writeFileSync(
      `${docs}/kitchen.md`,
      '# Kitchen\n\nThe kettle boils water for tea in two minutes flat.\n',
    )
    writeFileSync(
      `${docs}/garden.txt`,
      'Tomatoes need sun, water and a stake to climb in the garden.\n',
    )
    const store = `chroma:${temp.dir}/demo-chroma?collection=notes`
    const result = await vecstore(
      'demo',
      '--store',
      store,
      '--corpus',
      docs,
      '--query',
      'tea kettle',
      '--top-k',
      '1',
    )
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('indexed 2 chunks of 2 files')
    expect(result.stdout).toMatch(
      /1\. 0\.\d{3} {2}docs\/kitchen\.md > Kitchen\n {5}The kettle boils/,
    )
  })
})

describe('vecstore stats and explain', () => {
  it('report count, dimension, metric, index and size for Postgres, and the plan uses the HNSW index', async (context) => {
    if (pg === undefined) return context.skip(pgSkip)
    const backend = await PgvectorBackend.create({
      dsn: pg.url,
      schema: pg.schema,
      table: 'stats',
      dim: 3,
      metric: 'l2',
      m: 8,
    })
    // Enough rows that the planner prefers the index over a sequential scan and sort.
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      id: `e${i}`,
      vector: [Math.sin(i), Math.cos(i * 7), (i % 97) / 97],
      payload: { i },
    }))
    await backend.upsertMany(rows)
    await backend.analyze()
    await backend.close()
    const uri = withTable(pg.url, `table=stats&schema=${pg.schema}`)

    const stats = await vecstore('stats', uri)
    expect(stats.code).toBe(0)
    expect(stats.stdout).toMatch(/^count\s+3000$/m)
    expect(stats.stdout).toMatch(/^dimensions\s+3$/m)
    expect(stats.stdout).toMatch(/^metric\s+l2$/m)
    expect(stats.stdout).toMatch(
      /^index\s+hnsw \(name=stats_embedding_idx, operator class=vector_l2_ops, m=8, ef_construction=64\)$/m,
    )
    expect(stats.stdout).toMatch(
      /^size\s+table \(with TOAST\) [\d.]+ [kM]B, indexes [\d.]+ [kM]B, total [\d.]+ [kM]B$/m,
    )

    const explain = await vecstore('explain', uri, '--json')
    expect(explain.code).toBe(0)
    const plan = JSON.parse(explain.stdout) as { usesVectorIndex: boolean; text: string }
    expect(plan.usesVectorIndex).toBe(true)
    expect(plan.text).toContain('Index Scan using stats_embedding_idx')
  })

  it('say when a table has no vector index', async (context) => {
    if (pg === undefined) return context.skip(pgSkip)
    const backend = await PgvectorBackend.create({
      dsn: pg.url,
      schema: pg.schema,
      table: 'plain',
      index: 'none',
    })
    await backend.upsert('a', [1, 2], {})
    await backend.close()
    const uri = withTable(pg.url, `table=plain&schema=${pg.schema}`)
    expect((await vecstore('stats', uri)).stdout).toMatch(/^index\s+none$/m)
    const explain = await vecstore('explain', uri)
    expect(explain.stdout).toMatch(/^uses vector index\s+no$/m)
  })

  it('on a bare database, say there is no table; on an empty one, plan all the same', async (context) => {
    if (pg === undefined) return context.skip(pgSkip)
    const bare = `vecstore_bare_${process.pid}`
    const admin = postgres(pg.url, { max: 1, onnotice: () => {} })
    await admin.unsafe(`CREATE DATABASE "${bare}"`)
    try {
      const stats = await vecstore('stats', pg.url.replace(/\/[^/?]*(\?|$)/, `/${bare}$1`))
      expect(stats.code).toBe(1)
      expect(stats.stderr).toContain(
        'no table vecstore_vectors in this database: it does not have the pgvector extension [STORE_NOT_FOUND]',
      )
      expect(stats.stderr).not.toContain('manageSchema')
    } finally {
      await admin.unsafe(`DROP DATABASE "${bare}" WITH (FORCE)`)
      await admin.end()
    }
    const empty = await PgvectorBackend.create({
      dsn: pg.url,
      schema: pg.schema,
      table: 'empty',
      dim: 3,
      model: 'model-a',
    })
    await empty.close()
    const uri = withTable(pg.url, `table=empty&schema=${pg.schema}`)
    const explain = await vecstore('explain', uri)
    expect(explain.code).toBe(0)
    expect(explain.stdout).toContain('the store is empty: planned with a unit vector as the query')
    expect((await vecstore('stats', uri)).stdout).toMatch(/^model\s+model-a$/m)
    const snapshot = `${temp.dir}/empty.json`
    await new InMemoryVectorBackend({ snapshotPath: snapshot }).close()
    const nothing = await vecstore('explain', snapshot)
    expect(nothing.code).toBe(0)
    expect(nothing.stdout).toContain(
      'is empty and has no dimension yet: there is no search to plan',
    )
  })

  it('report on a memory snapshot and a Chroma collection over HTTP', async () => {
    const snapshot = `${temp.dir}/stats.json`
    const memory = new InMemoryVectorBackend({ snapshotPath: snapshot, metric: 'ip' })
    await memory.upsertMany([
      { id: 'a', vector: [1, 2], payload: {} },
      { id: 'b', vector: [2, 1], payload: {} },
    ])
    await memory.close()
    const stats = JSON.parse((await vecstore('stats', snapshot, '--json')).stdout) as Record<
      string,
      unknown
    >
    expect(stats).toMatchObject({ count: 2, dimensions: 2, metric: 'ip', index: 'exact' })
    expect((stats['sizes'] as Record<string, number>)['snapshot file']).toBeGreaterThan(0)
    expect((await vecstore('explain', snapshot)).stdout).toMatch(/^uses vector index\s+no$/m)

    const server = await startLocalChromaServer({ path: `${temp.dir}/chroma-http` })
    try {
      const chroma = await ChromaBackend.create('over-http', {
        host: server.host,
        port: server.port,
        metric: 'ip',
      })
      await chroma.upsertMany([{ id: 'a', vector: [1, 2, 3], payload: { k: 1 } }])
      await chroma.close()
      const uri = `http://${server.host}:${server.port}/over-http`
      const http = JSON.parse((await vecstore('stats', uri, '--json')).stdout) as Record<
        string,
        unknown
      >
      expect(http).toMatchObject({
        store: uri,
        count: 1,
        dimensions: 3,
        metric: 'ip',
        index: 'hnsw',
        sizes: {},
      })
      expect((await vecstore('explain', uri)).stdout).toMatch(/^uses vector index\s+yes$/m)
      const missing = await vecstore(
        'stats',
        `http://${server.host}:${server.port}/no-such-collection`,
      )
      expect(missing.code).toBe(1)
      expect(missing.stderr).toContain(
        "collection 'no-such-collection' does not exist [STORE_NOT_FOUND]",
      )
    } finally {
      await server.stop()
    }
  })
})

describe('vecstore migrate', () => {
  let database: { url: string; drop: () => Promise<void> } | undefined
  beforeAll(async () => {
    if (pg === undefined) return
    const name = `cli_migrate_${process.pid}`
    const admin = postgres(pg.url, { max: 1, onnotice: () => {} })
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name}`)
    await admin.unsafe(`CREATE DATABASE ${name}`)
    await admin.unsafe(`DROP ROLE IF EXISTS ${name}_reader`)
    await admin.unsafe(`CREATE ROLE ${name}_reader LOGIN PASSWORD 'sekret-pw'`)
    const url = new URL(pg.url)
    url.pathname = `/${name}`
    database = {
      url: url.toString(),
      drop: async () => {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        await admin.unsafe(`DROP ROLE IF EXISTS ${name}_reader`)
        await admin.end()
      },
    }
  })
  afterAll(async () => database?.drop())

  it('applies the shipped migrations once, then reports them as applied', async (context) => {
    if (database === undefined) return context.skip(pgSkip)
    const first = await vecstore('migrate', database.url)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(
      /0000_enable_pgvector\s+applied\n\s+0001_default_table\s+applied\n\s+0002_record_table\s+applied\napplied 3 migrations/,
    )
    const second = await vecstore('migrate', database.url)
    expect(second.stdout).toMatch(/0000_enable_pgvector\s+already applied/)
    expect(second.stdout).toContain('up to date')
    const stats = await vecstore('stats', database.url, '--json')
    expect(JSON.parse(stats.stdout)).toMatchObject({ count: 0, index: 'none' })
  })

  it('fails with the reason and a non-zero exit when the role may not create the schema, without the password', async (context) => {
    if (database === undefined) return context.skip(pgSkip)
    const url = new URL(database.url)
    const fresh = `${url.pathname.slice(1)}_reader`
    url.username = fresh
    url.password = 'sekret-pw'
    url.pathname = '/postgres'
    const result = await vecstore('migrate', url.toString())
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /vecstore migrate: migrate failed: permission denied .*\[BACKEND_QUERY\]/,
    )
    expect(result.stderr + result.stdout).not.toContain('sekret-pw')
    expect(result.stderr).toContain(':***@')
  })

  it('works on a PGlite directory', async () => {
    const result = await vecstore('migrate', `pglite:${temp.dir}/migrated`)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('applied 3 migrations')
  })
})

describe('errors and help', () => {
  it('every command has --help, exit 0', async () => {
    for (const command of [
      'demo',
      'copy',
      'migrate',
      'init-migrations',
      'doctor',
      'reembed',
      'stats',
      'explain',
    ]) {
      const result = await vecstore(command, '--help')
      expect(result.code, command).toBe(0)
      expect(result.stdout.startsWith(`Usage: vecstore ${command}`), command).toBe(true)
    }
    const top = await vecstore('--help')
    expect(top.code).toBe(0)
    expect(top.stdout).toMatch(/Commands:\n {2}demo .*\n {2}copy /)
  })

  it('a wrong command line exits 2 with a hint', async () => {
    expect((await vecstore()).code).toBe(2)
    const unknown = await vecstore('frobnicate')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "frobnicate"')
    const option = await vecstore('copy', '--from', 'a.json', '--to', 'b.json', '--fast')
    expect(option.code).toBe(2)
    expect(option.stderr).toContain("Unknown option '--fast'")
    expect(option.stderr).toContain("Run 'vecstore copy --help'")
    expect((await vecstore('copy', '--from', 'a.json')).stderr).toContain('missing --to')
    expect((await vecstore('stats', 'a.json', 'b.json')).stderr).toContain(
      'unexpected argument "b.json"',
    )
    expect((await vecstore('demo', '--backend', 'sqlite')).stderr).toContain(
      'expected --backend to be one of',
    )
  })

  it('bad URIs exit 1 with INVALID_URI and never echo a password', async () => {
    const cases: [string, string][] = [
      ['mysql://root:hunter2@db/x', 'unknown scheme'],
      ['index.txt', 'or a path ending in .json'],
      ['chroma:./dir', 'expected chroma:DIR?collection=NAME'],
      ['pglite:./dir?tabel=x', "unknown parameter 'tabel'"],
      ['http://localhost:8000/', 'one collection name as the path'],
      ['postgres://u:hunter2@[bad/db', 'not a valid URL'],
    ]
    for (const [uri, reason] of cases) {
      const result = await vecstore('stats', uri)
      expect(result.code, uri).toBe(1)
      expect(result.stderr, uri).toContain(reason)
      expect(result.stderr, uri).toContain('[INVALID_URI]')
      expect(result.stderr, uri).not.toContain('hunter2')
    }
  })

  it('unreachable servers exit 1 with BACKEND_CONNECTION', async () => {
    const pgDown = await vecstore('stats', 'postgres://app:hunter2@127.0.0.1:1/db?table=t')
    expect(pgDown.code).toBe(1)
    expect(pgDown.stderr).toContain(
      'postgres://app:***@127.0.0.1:1/db?table=t: initialize failed: cannot use the database',
    )
    expect(pgDown.stderr).toContain('[BACKEND_CONNECTION]')
    expect(pgDown.stderr).not.toContain('hunter2')
    const chromaDown = await vecstore('copy', '--from', 'http://127.0.0.1:1/col', '--to', 'x.json')
    expect(chromaDown.code).toBe(1)
    expect(chromaDown.stderr).toContain(
      'cannot reach the Chroma server at 127.0.0.1:1 [BACKEND_CONNECTION]',
    )
    const migrateDown = await vecstore('migrate', 'postgres://app:hunter2@127.0.0.1:1/db')
    expect(migrateDown.code).toBe(1)
    expect(migrateDown.stderr).toContain('[BACKEND_CONNECTION]')
  })

  it('a missing Postgres table is reported, not created', async (context) => {
    if (pg === undefined) return context.skip(pgSkip)
    const result = await vecstore('stats', withTable(pg.url, `table=absent&schema=${pg.schema}`))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('no table absent in this database [STORE_NOT_FOUND]')
    expect(result.stderr).not.toContain('manageSchema')
    const admin = postgres(pg.url, { max: 1 })
    const [row] = await admin`SELECT to_regclass(${`"${pg.schema}"."absent"`}) AS t`
    await admin.end()
    expect(row?.['t']).toBeNull()
  })
})
