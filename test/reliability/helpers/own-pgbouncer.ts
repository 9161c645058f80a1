import { execFile, spawn } from 'node:child_process'
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { freePort } from './own-replica.js'

const run = promisify(execFile)

/** A PgBouncer of a test's own, in transaction pooling mode, in front of one database. */
export interface OwnPgbouncer {
  /** The same database as the upstream URL, through PgBouncer. */
  readonly url: string
  /** Runs a command on PgBouncer's admin console (`SHOW POOLS`, ...). */
  admin(command: string): Promise<Record<string, unknown>[]>
  /** Stops it and removes its directory. */
  stop(): Promise<void>
}

/** Why PgBouncer cannot run here, or undefined when it can. */
export async function pgbouncerUnavailable(): Promise<string | undefined> {
  try {
    await run('bash', ['scripts/setup-pgbouncer.sh'], { timeout: 300_000 })
    return undefined
  } catch (error) {
    return `scripts/setup-pgbouncer.sh failed: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`
  }
}

/**
 * Starts PgBouncer (scripts/setup-pgbouncer.sh installs it when missing) on a
 * free port near `preferredPort`, in front of the database of `upstream`, with
 * `pool_mode = transaction` and `poolSize` server connections: clients share
 * them transaction by transaction.
 */
export async function startPgbouncer(
  upstream: string,
  { name, preferredPort, poolSize }: { name: string; preferredPort: number; poolSize: number },
): Promise<OwnPgbouncer> {
  const { stdout } = await run('bash', ['scripts/setup-pgbouncer.sh'], { timeout: 300_000 })
  const bin = stdout.trim().split('\n').at(-1) as string
  const dir = `/tmp/vecstore-${name}-${process.pid}`
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const target = new URL(upstream)
  const database = decodeURIComponent(target.pathname.slice(1))
  const user = decodeURIComponent(target.username)
  const port = await freePort(preferredPort)
  const password = target.password === '' ? '' : ` password=${decodeURIComponent(target.password)}`
  writeFileSync(`${dir}/users.txt`, `"${user}" ""\n`, { mode: 0o600 })
  writeFileSync(
    `${dir}/pgbouncer.ini`,
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database} user=${user}${password}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${dir}/users.txt`,
      `admin_users = ${user}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 1000',
      `logfile = ${dir}/pgbouncer.log`,
      // postgres.js sends extra_float_digits at startup; PgBouncer refuses parameters it does not know.
      'ignore_startup_parameters = extra_float_digits',
      '',
    ].join('\n'),
    { mode: 0o600 },
  )
  // PgBouncer refuses to run as root: as root it switches to the postgres user.
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const { stdout: ids } = await run('id', ['-u', 'postgres'])
    const { stdout: gids } = await run('id', ['-g', 'postgres'])
    for (const path of [dir, `${dir}/users.txt`, `${dir}/pgbouncer.ini`]) {
      chownSync(path, Number(ids.trim()), Number(gids.trim()))
    }
  }
  const child = spawn(bin, [...(asRoot ? ['-u', 'postgres'] : []), `${dir}/pgbouncer.ini`], {
    stdio: 'ignore',
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${encodeURIComponent(database)}`
  const adminClient = postgres(
    `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/pgbouncer`,
    {
      max: 1,
      fetch_types: false,
      onnotice: () => {},
    },
  )
  const admin = async (command: string) =>
    [...(await adminClient.unsafe(command))] as Record<string, unknown>[]
  await waitUntilUp(admin, exited)
  return {
    url,
    admin,
    stop: async () => {
      await adminClient.end({ timeout: 1 })
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function waitUntilUp(
  admin: (command: string) => Promise<unknown>,
  exited: Promise<void>,
): Promise<void> {
  let gone = false
  void exited.then(() => (gone = true))
  for (let attempt = 0; attempt < 100; attempt++) {
    if (gone) throw new Error('pgbouncer exited at start (see its log)')
    try {
      await admin('SHOW VERSION')
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error('pgbouncer did not answer within 10 s')
}
