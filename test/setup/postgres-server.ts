import { existsSync } from 'node:fs'

/** A real Postgres + pgvector for a test file, or why there is none. */
export type PostgresForTests =
  | { readonly url: string; readonly source: string; readonly stop: () => Promise<void> }
  | { readonly skip: string }

const IMAGE = 'pgvector/pgvector:pg17'

/** Resolves a server once (used by the globalSetup, or per file when it is not wired). */
export async function findPostgres(): Promise<PostgresForTests> {
  const url = process.env['DATABASE_URL']
  if (url) return { url, source: 'DATABASE_URL', stop: async () => {} }
  if (!hasContainerRuntime()) {
    return { skip: 'DATABASE_URL is not set and no container runtime was found (no Docker socket)' }
  }
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    const container = await new PostgreSqlContainer(IMAGE)
      .withDatabase('vecstore')
      .withStartupTimeout(120_000)
      .start()
    return {
      url: container.getConnectionUri(),
      source: `Testcontainers ${IMAGE}`,
      stop: async () => {
        await container.stop()
      },
    }
  } catch (error) {
    return { skip: `Testcontainers could not start ${IMAGE}: ${(error as Error).message}` }
  }
}

// Cheap check first: Testcontainers' own probing is much slower when nothing is there.
function hasContainerRuntime(): boolean {
  if (process.env['DOCKER_HOST']) return true
  const home = process.env['HOME'] ?? ''
  return [
    '/var/run/docker.sock',
    `${home}/.docker/run/docker.sock`,
    `${home}/.colima/default/docker.sock`,
    `/run/user/${process.getuid?.() ?? 0}/podman/podman.sock`,
  ].some((path) => existsSync(path))
}
