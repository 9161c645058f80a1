import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const BIN = '/usr/lib/postgresql/15/bin'
const PRIMARY_DIR = '/tmp/vecstore-bench-primary'
const REPLICA_DIR = '/tmp/vecstore-bench-replica'

/** A primary and its streaming replica, both of the benchmark's own, on this machine. */
export interface ReplicaCluster {
  readonly primaryUrl: string
  readonly replicaUrl: string
  /** `synchronous_commit` on the primary (`off` is what scripts/setup-postgres.sh sets). */
  setSynchronousCommit(value: 'on' | 'off'): void
  /** Stops both and removes their directories. */
  stop(): void
}

const asPostgres = (command: string, args: string[]) =>
  execFileSync('runuser', ['-u', 'postgres', '--', `${BIN}/${command}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })

const psql = (url: string, sql: string) =>
  execFileSync(`${BIN}/psql`, [url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8',
  }).trim()

/**
 * Starts a primary with scripts/setup-postgres.sh (as root: it installs what
 * is missing) and a replica of it made with `pg_basebackup -R`, as the tests
 * do. Both use 256 MB of shared buffers: two clusters share the machine.
 */
export function startReplicaCluster(primaryPort = 55640, replicaPort = 55641): ReplicaCluster {
  for (const dir of [PRIMARY_DIR, REPLICA_DIR]) rmSync(dir, { recursive: true, force: true })
  const primaryUrl = execFileSync('bash', ['scripts/setup-postgres.sh'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, VECSTORE_PG_DIR: PRIMARY_DIR, PGPORT_VECSTORE: String(primaryPort) },
  })
    .trim()
    .split('\n')
    .at(-1) as string
  const port = new URL(primaryUrl).port
  psql(primaryUrl, `ALTER SYSTEM SET shared_buffers = '256MB'`)
  const pgCtl = (data: string, ...args: string[]) => asPostgres('pg_ctl', [...args, '-D', data])
  pgCtl(
    `${PRIMARY_DIR}/data`,
    'restart',
    '-m',
    'fast',
    '-w',
    '-l',
    `${PRIMARY_DIR}/postgres.log`,
    '-o',
    `-p ${port}`,
  )
  mkdirSync(REPLICA_DIR, { recursive: true })
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  chownSync(REPLICA_DIR, uid, gid)
  const data = `${REPLICA_DIR}/data`
  asPostgres('pg_basebackup', ['-d', primaryUrl, '-D', data, '-R', '-X', 'stream', '-c', 'fast'])
  const options = `-p ${replicaPort} -c listen_addresses=127.0.0.1 -k ${REPLICA_DIR}`
  pgCtl(data, 'start', '-w', '-l', `${REPLICA_DIR}/postgres.log`, '-o', options)
  return {
    primaryUrl,
    replicaUrl: `postgres://postgres@127.0.0.1:${replicaPort}/vecstore`,
    setSynchronousCommit(value) {
      psql(primaryUrl, `ALTER SYSTEM SET synchronous_commit = ${value}`)
      psql(primaryUrl, 'SELECT pg_reload_conf()')
    },
    stop() {
      for (const dir of [REPLICA_DIR, PRIMARY_DIR]) {
        pgCtl(`${dir}/data`, 'stop', '-m', 'fast', '-w')
        rmSync(dir, { recursive: true, force: true })
      }
    },
  }
}
