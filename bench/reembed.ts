/**
 * `vecstore reembed` against `vecstore copy`, between the same tables, side by side in one run:
 *
 *   npx tsx bench/reembed.ts            (100k x 384, two rounds of each)
 *   npx tsx bench/reembed.ts --quick    (10k x 384)
 *
 * The source table holds texts (about 60 words each) with 384-dim vectors. `vecstore copy`
 * copies it into a new table; `vecstore reembed --embedder hashing:384` re-embeds every text
 * into another new table: the same reads, an embedding pass instead of reading the vectors
 * back. Both are the real command (bin/vecstore.js) in a process of its own, both create their
 * target table and build its HNSW index once the rows are in, the commands take turns, and the
 * best round of each counts. The target: reembed at 0.8x the rows/s of copy or better.
 * Server: DATABASE_URL, else the benchmark's own cluster. Writes bench/results/reembed.json.
 */
import { spawnSync } from 'node:child_process'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { HashingEmbedder } from '../src/index.js'
import { PgvectorBackend } from '../src/pgvector/index.js'
import { benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'
import { seededRandom } from './lib/stats.js'
import { printTable } from './lib/table.js'

const quick = process.argv.includes('--quick')
const ROWS = quick ? 10_000 : 100_000
const DIM = 384
const ROUNDS = 2
const TARGET = 0.8
const root = fileURLToPath(new URL('../', import.meta.url))
const SOURCE = 'bench_reembed_source'
const TARGETS = { copy: 'bench_reembed_copy', reembed: 'bench_reembed_new' } as const

/** Texts of about 60 words from a 2000-word vocabulary of made-up words, seeded. */
function makeTexts(rows: number): string[] {
  const next = seededRandom(7)
  const syllables = ['ka', 'lo', 'mi', 'ter', 'ran', 'os', 'vel', 'dun', 'pri', 'sa', 'te', 'gor']
  const word = () =>
    Array.from(
      { length: 2 + Math.floor(next() * 3) },
      () => syllables[Math.floor(next() * 12)],
    ).join('')
  const vocabulary = Array.from({ length: 2000 }, word)
  return Array.from({ length: rows }, () =>
    Array.from(
      { length: 40 + Math.floor(next() * 40) },
      () => vocabulary[Math.floor(next() * 2000)],
    ).join(' '),
  )
}

async function loadSource(url: string, texts: readonly string[]): Promise<void> {
  const embedder = new HashingEmbedder(DIM)
  const backend = await PgvectorBackend.create({ dsn: url, table: SOURCE, dim: DIM, index: 'none' })
  await backend.clearAll()
  for (let i = 0; i < texts.length; i += 10_000) {
    const batch = texts.slice(i, i + 10_000)
    const vectors = await embedder.embed(batch)
    await backend.upsertMany(
      batch.map((content, j) => ({
        id: `doc-${String(i + j).padStart(7, '0')}`,
        vector: vectors[j] as number[],
        payload: { content, n: i + j, embedding_model: 'bench-source' },
      })),
    )
  }
  await backend.close()
}

interface Round {
  readonly seconds: number
  /** What the command reported for building the target's index after the load. */
  readonly indexSeconds: number
}

function runCommand(url: string, args: readonly string[]): Round {
  const start = performance.now()
  const result = spawnSync(process.execPath, ['bin/vecstore.js', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: url },
  })
  const seconds = (performance.now() - start) / 1000
  if (result.status !== 0) throw new Error(`vecstore ${args[0]} failed:\n${result.stderr}`)
  const built = /built the vector index of .* \(([\d.]+) s\)/.exec(result.stderr)
  return { seconds, indexSeconds: built ? Number(built[1]) : 0 }
}

const withTable = (url: string, table: string) =>
  `${url}${url.includes('?') ? '&' : '?'}table=${table}`

async function main(): Promise<void> {
  const url = benchDatabaseUrl()
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const [server] = await sql`SELECT version() AS version,
    (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS pgvector`
  console.log(
    `${quick ? 'quick' : 'full'} run: ${ROWS} x ${DIM} on ${String(server?.['version']).split(' on ')[0]}, pgvector ${server?.['pgvector']}, ${cpus().length} CPUs`,
  )
  const texts = makeTexts(ROWS)
  console.log(`loading the source table (${ROWS} texts, ${DIM}-dim vectors)...`)
  await loadSource(url, texts)
  const commands = {
    copy: ['copy', '--from', withTable(url, SOURCE), '--to', withTable(url, TARGETS.copy)],
    reembed: [
      'reembed',
      '--from',
      withTable(url, SOURCE),
      '--to',
      withTable(url, TARGETS.reembed),
      '--embedder',
      `hashing:${DIM}`,
    ],
  }
  const rounds: Record<'copy' | 'reembed', Round[]> = { copy: [], reembed: [] }
  for (let round = 0; round < ROUNDS; round++) {
    for (const tool of ['copy', 'reembed'] as const) {
      await sql.unsafe(`DROP TABLE IF EXISTS ${TARGETS[tool]}`)
      console.log(`round ${round + 1}: vecstore ${tool}...`)
      rounds[tool].push(runCommand(url, commands[tool]))
    }
  }
  for (const table of [SOURCE, ...Object.values(TARGETS)]) {
    await sql.unsafe(`DROP TABLE IF EXISTS ${table}`)
  }
  await sql.end()
  report(rounds, server)
}

function report(
  rounds: Record<'copy' | 'reembed', Round[]>,
  server: Record<string, unknown> | undefined,
): void {
  const best = (tool: 'copy' | 'reembed') =>
    rounds[tool].reduce((a, b) => (b.seconds < a.seconds ? b : a))
  const rate = (round: Round) => ROWS / round.seconds
  const loadRate = (round: Round) => ROWS / (round.seconds - round.indexSeconds)
  const [copy, reembed] = [best('copy'), best('reembed')]
  const ratio = rate(reembed) / rate(copy)
  const loadRatio = loadRate(reembed) / loadRate(copy)
  printTable(
    [
      'command',
      'rounds (s)',
      'best (s)',
      'of it: index build (s)',
      'rows/s',
      'rows/s before the index',
    ],
    (['copy', 'reembed'] as const).map((tool) => {
      const round = best(tool)
      return [
        `vecstore ${tool}`,
        rounds[tool].map((r) => r.seconds.toFixed(1)).join(', '),
        round.seconds.toFixed(1),
        round.indexSeconds.toFixed(1),
        rate(round).toFixed(0),
        loadRate(round).toFixed(0),
      ]
    }),
  )
  console.log(
    `reembed / copy: ${ratio.toFixed(2)} end to end, ${loadRatio.toFixed(2)} before the index build (target >= ${TARGET}: ${ratio >= TARGET ? 'met' : 'NOT met'})`,
  )
  writeResult('reembed', {
    mode: quick ? 'quick' : 'full',
    rows: ROWS,
    dim: DIM,
    server: { version: server?.['version'], pgvector: server?.['pgvector'], cpus: cpus().length },
    rounds,
    rowsPerSec: { copy: rate(copy), reembed: rate(reembed) },
    loadRowsPerSec: { copy: loadRate(copy), reembed: loadRate(reembed) },
    ratio,
    loadRatio,
    target: TARGET,
  })
}

await main()
