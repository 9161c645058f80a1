/**
 * Every benchmark in sequence, then the report: what `npm run bench` and `npm run bench:quick` run.
 *
 *   npx tsx bench/run.ts [--quick] [--scale=1m]
 *
 * Each benchmark runs in its own process (so one's memory does not count against the next), with
 * one Postgres for all: DATABASE_URL, else the benchmark's own cluster, installed and started by
 * scripts/setup-postgres.sh. Writes bench/results/run.json (durations) and bench/results/report.md.
 * Exits non-zero when a benchmark failed; the report then shows the figures of the others.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { BENCH_PG_STOP_HINT, benchDatabaseUrl } from './lib/postgres-url.js'
import { writeResult } from './lib/results.js'

const quick = process.argv.includes('--quick')
const scale = process.argv.find((arg) => arg.startsWith('--scale='))
const SCRIPTS = [
  'memory',
  'chroma',
  'pgvector',
  'pgvector-anchors',
  'pgvector-sweep',
  'scaling',
  'retrieval',
  'reembed',
  'hybrid-eval',
  'hybrid-latency',
]
const root = fileURLToPath(new URL('../', import.meta.url))

function runScript(script: string, args: string[]): { seconds: number; ok: boolean } {
  console.log(`\n=== bench/${script}.ts ${args.join(' ')}`)
  const start = performance.now()
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${script}.ts`, ...args], {
    cwd: root,
    stdio: 'inherit',
  })
  return { seconds: (performance.now() - start) / 1000, ok: result.status === 0 }
}

const started = new Date().toISOString()
const start = performance.now()
const ownCluster = !process.env['DATABASE_URL']
benchDatabaseUrl()
const steps = SCRIPTS.map((script) => {
  const args = [...(quick ? ['--quick'] : []), ...(script === 'scaling' && scale ? [scale] : [])]
  const { seconds, ok } = runScript(script, args)
  return { script: `${script}.ts ${args.join(' ')}`.trim(), seconds, status: ok ? 'ok' : 'FAILED' }
})
writeResult('run', {
  date: started,
  mode: quick ? 'quick' : scale ? `full, ${scale}` : 'full',
  seconds: (performance.now() - start) / 1000,
  steps,
})
const report = runScript('report', [])
if (ownCluster)
  console.log(`\nThe benchmark's Postgres is still running; stop it with: ${BENCH_PG_STOP_HINT}`)
const failed = steps.filter((step) => step.status !== 'ok')
if (failed.length || !report.ok) {
  console.error(`failed: ${failed.map((step) => step.script).join(', ') || 'report'}`)
  process.exit(1)
}
