import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
/** The benchmark's own cluster, apart from the test suite's (/tmp/vecstore-pg, 54329). */
const BENCH_PG_DIR = '/tmp/vecstore-bench-pg'
const BENCH_PG_PORT = '54339'

/**
 * DATABASE_URL when set; otherwise starts (or reuses) the benchmark's own
 * Postgres + pgvector through scripts/setup-postgres.sh, which installs what
 * is missing via apt. The cluster is left running for the next script.
 */
export function benchDatabaseUrl(): string {
  const given = process.env['DATABASE_URL']
  if (given) return given
  console.error(
    `DATABASE_URL is not set: starting the benchmark's own Postgres in ${BENCH_PG_DIR} (port ${BENCH_PG_PORT}) with scripts/setup-postgres.sh`,
  )
  const out = execFileSync('bash', ['scripts/setup-postgres.sh'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, VECSTORE_PG_DIR: BENCH_PG_DIR, PGPORT_VECSTORE: BENCH_PG_PORT },
  })
  const url = out.trim().split('\n').at(-1) as string
  process.env['DATABASE_URL'] = url
  return url
}

export const BENCH_PG_STOP_HINT = `VECSTORE_PG_DIR=${BENCH_PG_DIR} bash scripts/stop-postgres.sh`
