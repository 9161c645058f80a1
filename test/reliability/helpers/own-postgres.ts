import { execFile } from 'node:child_process'
import { rmSync } from 'node:fs'
import { promisify } from 'node:util'

const run = promisify(execFile)
const PG_CTL = '/usr/lib/postgresql/15/bin/pg_ctl'

/** A throwaway native Postgres cluster on 127.0.0.1 that a test file starts, faults and removes itself. */
export interface OwnPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/vecstore` (trust auth). */
  readonly url: string
  readonly port: number
  readonly dir: string
  /** `pg_ctl restart -m fast`: every session is cut, the server is back when this resolves. */
  restart(): Promise<void>
  /** `pg_ctl stop -m fast`. */
  stop(): Promise<void>
  /** `pg_ctl start` on the same port. */
  start(): Promise<void>
  /** Runs SQL as the superuser through psql (TCP, the URL above). */
  psql(sql: string): Promise<string>
  /** Stops the cluster and removes its directory. */
  destroy(): Promise<void>
}

/** Why native Postgres cannot run here, or undefined when it can (root and PostgreSQL 15 present). */
export function ownPostgresUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the cluster runs as user postgres)'
  return undefined
}

/**
 * Starts a cluster of its own with scripts/setup-postgres.sh, in a fresh
 * directory and on a port near `preferredPort`: never the shared one.
 */
export async function startOwnPostgres(name: string, preferredPort: number): Promise<OwnPostgres> {
  const dir = `/tmp/vecstore-${name}-${process.pid}`
  rmSync(dir, { recursive: true, force: true })
  const { stdout } = await run('bash', ['scripts/setup-postgres.sh'], {
    env: { ...process.env, VECSTORE_PG_DIR: dir, PGPORT_VECSTORE: String(preferredPort) },
    maxBuffer: 16 * 1024 * 1024,
  })
  const url = stdout.trim().split('\n').at(-1) ?? ''
  const port = Number(new URL(url).port)
  const data = `${dir}/data`
  const pgCtl = (...args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', PG_CTL, ...args, '-D', data], { timeout: 90_000 })
  const start = async () => {
    await pgCtl('start', '-w', '-t', '60', '-l', `${dir}/postgres.log`, '-o', `-p ${port}`)
  }
  const stop = async () => {
    await pgCtl('stop', '-m', 'fast', '-w', '-t', '60')
  }
  return {
    url,
    port,
    dir,
    start,
    stop,
    restart: async () => {
      await pgCtl(
        'restart',
        '-m',
        'fast',
        '-w',
        '-t',
        '60',
        '-l',
        `${dir}/postgres.log`,
        '-o',
        `-p ${port}`,
      )
    },
    psql: async (sql: string) => {
      const { stdout: out } = await run(
        '/usr/lib/postgresql/15/bin/psql',
        [url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql],
        { timeout: 30_000 },
      )
      return out.trim()
    },
    destroy: async () => {
      await pgCtl('status').then(stop, () => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
