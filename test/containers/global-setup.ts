import type { TestProject } from 'vitest/node'
import { isRootWithApt, runScript } from '../setup/native-cluster.js'
import { hasContainerRuntime, startPgvectorContainer } from '../setup/pgvector-container.js'
import { stopRun } from '../setup/postgres-global.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The container behind `vecstorePostgres` in the containers tier. */
    vecstoreContainer?: { id: string; port: number; image: string; hostNetwork: boolean }
  }
}

/**
 * globalSetup of the containers tier: starts the pgvector image through
 * Testcontainers and provides it as the run's Postgres. Without a container
 * runtime, root with apt gets one from scripts/setup-containers.sh (stopped
 * again at the end); otherwise the run stops with what to do.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stopRuntime = await ensureContainerRuntime()
  const server = await startPgvectorContainer()
  project.provide('vecstorePostgres', { url: server.url, source: server.source })
  project.provide('vecstoreContainer', {
    id: server.containerId,
    port: server.port,
    image: server.image,
    hostNetwork: process.env['VECSTORE_CONTAINER_NETWORK'] === 'host',
  })
  return async () => {
    await server.stop()
    await stopRuntime()
  }
}

async function ensureContainerRuntime(): Promise<() => Promise<void>> {
  if (hasContainerRuntime()) return async () => {}
  if (!isRootWithApt()) {
    stopRun(
      'The containers tier needs a container runtime for Testcontainers, and none was found.\n' +
        'Start Docker (or set DOCKER_HOST), or as root on Debian run: eval "$(bash scripts/setup-containers.sh)"',
    )
  }
  console.log(
    'No container runtime: getting one with scripts/setup-containers.sh (about 2 minutes the first time)',
  )
  const exports = await runScript('scripts/setup-containers.sh')
  for (const [, name, value] of exports.matchAll(/^export (\w+)=(.*)$/gm))
    process.env[name as string] = value
  return async () => {
    await runScript('scripts/stop-containers.sh')
  }
}
