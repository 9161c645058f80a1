import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A running Postgres + pgvector: its URL, where it came from, and how to let it go. */
export interface PostgresServer {
  readonly url: string
  readonly source: string
  readonly stop: () => Promise<void>
}

/** True when the setup scripts can install what they need here: root, with apt. */
export function isRootWithApt(): boolean {
  return process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')
}

/**
 * Installs (first time only) and starts the throwaway cluster of
 * scripts/setup-postgres.sh, honouring its VECSTORE_PG_DIR and PGPORT_VECSTORE.
 * `stop()` stops it only when this call started it: a cluster that was
 * already running (CI's, a developer's) is left as it was.
 */
export async function startNativeCluster(): Promise<PostgresServer> {
  const dir = process.env['VECSTORE_PG_DIR'] ?? '/tmp/vecstore-pg'
  const wasRunning = clusterRunning(dir)
  console.log(
    `DATABASE_URL is not set: ${wasRunning ? 'using' : 'starting'} the local Postgres + pgvector of scripts/setup-postgres.sh in ${dir}` +
      (wasRunning ? '' : ' (the first run installs packages: about a minute)'),
  )
  const url = (await runScript('scripts/setup-postgres.sh')).trim().split('\n').at(-1) ?? ''
  return {
    url,
    source: 'scripts/setup-postgres.sh',
    stop: async () => {
      if (!wasRunning) await runScript('scripts/stop-postgres.sh')
    },
  }
}

// postmaster.pid's first line is the server's pid; the file stays behind after a crash.
function clusterRunning(dir: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(`${dir}/data/postmaster.pid`, 'utf8'), 10)
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Runs a script of the repo, showing its progress (stderr); resolves with its stdout, rejects with its last words. */
export function runScript(script: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let tail = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      process.stderr.write(chunk)
      tail = (tail + chunk).slice(-600)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(stdout)
      else reject(new Error(`${script} exited with ${code}: ${tail.trim().split('\n').at(-1)}`))
    })
  })
}
