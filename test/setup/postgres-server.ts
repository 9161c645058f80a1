import { isRootWithApt, type PostgresServer, startNativeCluster } from './native-cluster.js'
import { hasContainerRuntime, pgvectorImage, startPgvectorContainer } from './pgvector-container.js'

/** A real Postgres + pgvector for the tests, or why there is none. */
export type PostgresForTests = PostgresServer | { readonly skip: string }

/**
 * Gets a real Postgres + pgvector, in this order: `DATABASE_URL`; the local
 * cluster of scripts/setup-postgres.sh (root with apt: installs what is
 * missing); a Testcontainers container when a container runtime exists.
 * Otherwise says what was tried and why it failed.
 */
export async function findPostgres(): Promise<PostgresForTests> {
  const url = process.env['DATABASE_URL']
  if (url) return { url, source: 'DATABASE_URL', stop: async () => {} }
  const tried: string[] = []
  if (isRootWithApt()) {
    try {
      return await startNativeCluster()
    } catch (error) {
      tried.push(`scripts/setup-postgres.sh failed (${(error as Error).message})`)
    }
  } else {
    tried.push('not root with apt-get, so scripts/setup-postgres.sh cannot set one up')
  }
  if (hasContainerRuntime()) {
    try {
      return await startPgvectorContainer()
    } catch (error) {
      tried.push(`Testcontainers could not start ${pgvectorImage()}: ${(error as Error).message}`)
    }
  } else {
    tried.push('no container runtime for Testcontainers (no Docker socket, DOCKER_HOST unset)')
  }
  return { skip: `DATABASE_URL is not set; ${tried.join('; ')}` }
}

/** What to do about it: the one message a run without Postgres stops with. */
export function noPostgresMessage(reason: string): string {
  return [
    `The tests need a Postgres server with pgvector, and none could be had: ${reason}.`,
    'Do one of these, then run the tests again:',
    '  - set DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DB (a database where CREATE EXTENSION vector works);',
    '  - run them as root on Debian with apt, so scripts/setup-postgres.sh installs and starts one;',
    '  - make a Docker daemon reachable (or DOCKER_HOST) for Testcontainers.',
  ].join('\n')
}
