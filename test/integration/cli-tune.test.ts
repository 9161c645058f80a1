import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgvectorBackend } from '../../src/pgvector/index.js'
import { isolatedSchema, postgresForTests } from '../setup/postgres.js'
import { vecstoreIn } from '../setup/cli.js'
import { makeTempDir } from '../setup/temp-dir.js'
import { seededRandom } from '../setup/seeded-random.js'

const temp = makeTempDir('vecstore-cli-tune-')
const vecstore = vecstoreIn(temp.dir)

let pg: { url: string; schema: string; drop: () => Promise<void> } | undefined
let pgSkip: string | undefined

beforeAll(async () => {
  const server = await postgresForTests()
  if ('skip' in server) pgSkip = server.skip
  else pg = { url: server.url, ...(await isolatedSchema(server.url, 'cli_tune')) }
})

afterAll(async () => {
  await pg?.drop()
  temp.cleanup()
})

describe('vecstore tune', () => {
  it('records the chosen ef_search, prints the curve and an SVG; stats shows it; --clear forgets it', async (context) => {
    if (pg === undefined) return context.skip(pgSkip)
    const next = seededRandom(3)
    const backend = await PgvectorBackend.create({
      dsn: pg.url,
      schema: pg.schema,
      table: 'tuned',
      dim: 8,
      m: 4,
      efConstruction: 8,
      deferIndexRows: 1000,
    })
    await backend.upsertMany(
      Array.from({ length: 3000 }, (_, i) => ({
        id: `e${i}`,
        vector: Array.from({ length: 8 }, () => next() * 2 - 1),
        payload: {},
      })),
    )
    await backend.close()
    const uri = `${pg.url}${pg.url.includes('?') ? '&' : '?'}table=tuned&schema=${pg.schema}`
    const svg = join(temp.dir, 'curve.svg')

    const tuned = await vecstore('tune', uri, '--recall', '0.9', '--sample', '40', '--svg', svg)
    expect(tuned.stderr).toBe('')
    expect(tuned.code).toBe(0)
    expect(tuned.stdout).toMatch(/^ef_search\s+recall/m)
    expect(tuned.stdout).toContain('<- chosen')
    const recorded =
      /^recorded ef_search=(\d+): recall@10 ([\d.]+) on 20 held-out queries \(target 0\.9\)$/m.exec(
        tuned.stdout,
      )
    expect(recorded, tuned.stdout).not.toBeNull()
    expect(Number(recorded?.[2])).toBeGreaterThanOrEqual(0.9)
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*target 0\.9[\s\S]*<\/svg>\n$/)

    const stats = await vecstore('stats', uri)
    expect(stats.stdout).toMatch(
      new RegExp(
        `^tuned\\s+ef_search=${recorded?.[1]} for recall@10 0\\.9 \\(measured [\\d.]+ on 20 held-out queries, \\d{4}-\\d\\d-\\d\\dT`,
        'm',
      ),
    )
    const json = JSON.parse((await vecstore('stats', uri, '--json')).stdout) as {
      tuned: { parameter: string; value: number }
    }
    expect(json.tuned).toMatchObject({ parameter: 'ef_search', value: Number(recorded?.[1]) })

    const cleared = await vecstore('tune', uri, '--clear')
    expect(cleared.code).toBe(0)
    expect((await vecstore('stats', uri)).stdout).not.toMatch(/^tuned/m)
  })

  it('refuses bad input with a usage error or a typed one, recording nothing', async (context) => {
    if (pg === undefined) return context.skip(pgSkip)
    const backend = await PgvectorBackend.create({
      dsn: pg.url,
      schema: pg.schema,
      table: 'untuned',
      dim: 4,
    })
    await backend.upsertMany(
      Array.from({ length: 50 }, (_, i) => ({ id: `e${i}`, vector: [i, 1, 2, 3], payload: {} })),
    )
    await backend.close()
    const uri = `${pg.url}${pg.url.includes('?') ? '&' : '?'}table=untuned&schema=${pg.schema}`
    const queries = join(temp.dir, 'queries.jsonl')
    writeFileSync(queries, '[1,2,3]\n[4,5,6]\n')
    for (const args of [
      [uri],
      [uri, '--recall', '1.5'],
      [uri, '--recall', 'high'],
      [uri, '--recall', '0.9', '--sample', '1'],
      [uri, '--recall', '0.9', '--sample', '10', '--queries', queries],
      [join(temp.dir, 'store.json'), '--recall', '0.9'],
    ]) {
      const result = await vecstore('tune', ...args)
      expect(result.code, args.join(' ')).toBe(2)
    }
    const wrongDim = await vecstore('tune', uri, '--recall', '0.9', '--queries', queries)
    expect(wrongDim.code).toBe(1)
    expect(wrongDim.stderr).toMatch(/dimension/i)
    expect((await vecstore('stats', uri)).stdout).not.toMatch(/^tuned/m)
  })
})
