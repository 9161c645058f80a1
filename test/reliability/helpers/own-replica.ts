import { execFile } from 'node:child_process'
import { chownSync, mkdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { promisify } from 'node:util'
import type { OwnPostgres } from './own-postgres.js'

const run = promisify(execFile)
const BIN = '/usr/lib/postgresql/15/bin'

/** A streaming replica of an {@link OwnPostgres} cluster, made with `pg_basebackup -R`. */
export interface OwnReplica {
  /** `postgres://postgres@127.0.0.1:<port>/vecstore` (trust auth, read-only). */
  readonly url: string
  /** `pg_ctl stop -m fast`: its sessions are cut. */
  stop(): Promise<void>
  /** `pg_ctl start` on the same port; resolves once it accepts connections. */
  start(): Promise<void>
  /** Runs SQL through psql (TCP, the URL above). */
  psql(sql: string): Promise<string>
  /** Stops it and removes its directory. */
  destroy(): Promise<void>
}

/**
 * Settings for a primary that feeds replicas in these tests: commits wait for
 * their WAL to be written (the setup script's `synchronous_commit = off` would
 * hold WAL back from replicas for up to `wal_writer_delay`), and small shared
 * buffers, since the machine runs two clusters. Restarts the primary.
 */
export async function configurePrimary(primary: OwnPostgres): Promise<void> {
  await primary.psql(`ALTER SYSTEM SET synchronous_commit = on`)
  await primary.psql(`ALTER SYSTEM SET shared_buffers = '128MB'`)
  await primary.restart()
}

/** Copies the primary with `pg_basebackup -R` and starts the copy as a hot standby on a free port. */
export async function startReplica(
  primary: OwnPostgres,
  preferredPort: number,
): Promise<OwnReplica> {
  const dir = `${primary.dir}-replica`
  const data = `${dir}/data`
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const { uid, gid } = await postgresUser()
  chownSync(dir, uid, gid)
  const asPostgres = (command: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', `${BIN}/${command}`, ...args], { timeout: 120_000 })
  // -c fast: start at once instead of waiting for a spread checkpoint (minutes).
  await asPostgres('pg_basebackup', [
    '-d',
    primary.url,
    '-D',
    data,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
  ])
  const port = await freePort(preferredPort)
  const url = `postgres://postgres@127.0.0.1:${port}/vecstore`
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`
  const pgCtl = (...args: string[]) => asPostgres('pg_ctl', [...args, '-D', data])
  const psql = async (sql: string) => {
    const { stdout } = await run(
      `${BIN}/psql`,
      [url, '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      {
        timeout: 30_000,
      },
    )
    return stdout.trim()
  }
  const start = async () => {
    await pgCtl('start', '-w', '-t', '60', '-l', `${dir}/postgres.log`, '-o', options)
  }
  const stop = async () => {
    await pgCtl('stop', '-m', 'fast', '-w', '-t', '60')
  }
  await start()
  if ((await psql('SELECT pg_is_in_recovery()')) !== 't')
    throw new Error('the copy is not a standby')
  return {
    url,
    start,
    stop,
    psql,
    destroy: async () => {
      await pgCtl('status').then(stop, () => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', 'postgres'])
  const { stdout: group } = await run('id', ['-g', 'postgres'])
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) }
}

/** The first port from `preferred` on that nothing listens on at 127.0.0.1. */
export async function freePort(preferred: number): Promise<number> {
  for (let port = preferred; port < preferred + 100; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (free) return port
  }
  throw new Error(`no free port from ${preferred}`)
}
