import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { PostgreSqlContainer, StartedPostgreSqlContainer } from '@testcontainers/postgresql'
import type { PostgresServer } from './native-cluster.js'

/** The image Testcontainers starts unless VECSTORE_PG_IMAGE names another (e.g. a locally built one). */
export const DEFAULT_PG_IMAGE = 'pgvector/pgvector:pg17'

export function pgvectorImage(): string {
  return process.env['VECSTORE_PG_IMAGE'] || DEFAULT_PG_IMAGE
}

/** A Postgres + pgvector container started by Testcontainers, with its container id. */
export interface ContainerServer extends PostgresServer {
  readonly containerId: string
  readonly image: string
  readonly port: number
}

/** Cheap check first: Testcontainers' own probing is much slower when nothing is there. */
export function hasContainerRuntime(): boolean {
  if (process.env['DOCKER_HOST']) return true
  const home = process.env['HOME'] ?? ''
  return [
    '/var/run/docker.sock',
    `${home}/.docker/run/docker.sock`,
    `${home}/.colima/default/docker.sock`,
    `/run/user/${process.getuid?.() ?? 0}/podman/podman.sock`,
  ].some((path) => existsSync(path))
}

/**
 * Starts the pgvector image through `@testcontainers/postgresql`. With
 * VECSTORE_CONTAINER_NETWORK=host (a daemon without a bridge network, as
 * scripts/setup-containers.sh runs one) the container shares the host's
 * network on a port of its own; otherwise Docker maps the port as usual.
 */
export async function startPgvectorContainer(): Promise<ContainerServer> {
  const image = pgvectorImage()
  const hostNetwork = process.env['VECSTORE_CONTAINER_NETWORK'] === 'host'
  const container = hostNetwork
    ? new HostNetworkPostgreSqlContainer(image, await freePort())
    : new PostgreSqlContainer(image).withCommand(['postgres', '-c', 'fsync=off'])
  const started = await container
    .withDatabase('vecstore')
    .withEnvironment({ POSTGRES_INITDB_ARGS: '--no-sync' })
    .withStartupTimeout(180_000)
    .start()
  return {
    url: started.getConnectionUri(),
    source: `Testcontainers ${image}`,
    containerId: started.getId(),
    image,
    port: started.getPort(),
    stop: async () => {
      await started.stop()
    },
  }
}

/**
 * PostgreSqlContainer on the host's network: no exposed ports or bindings
 * (there is no bridge to map them through), Postgres told its port by
 * `PGPORT` and bound to loopback only, and host/port reported as such.
 */
class HostNetworkPostgreSqlContainer extends PostgreSqlContainer {
  readonly #port: number

  constructor(image: string, port: number) {
    super(image)
    this.#port = port
    this.withNetworkMode('host')
      .withEnvironment({ PGPORT: String(port) })
      .withCommand(['postgres', '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'])
  }

  override async start(): Promise<StartedPostgreSqlContainer> {
    this.exposedPorts = []
    this.createOpts.ExposedPorts = {}
    this.hostConfig.PortBindings = {}
    const started = await super.start()
    return new HostNetworkStartedContainer(started, this.#port)
  }
}

class HostNetworkStartedContainer extends StartedPostgreSqlContainer {
  readonly #port: number

  constructor(started: StartedPostgreSqlContainer, port: number) {
    super(started, started.getDatabase(), started.getUsername(), started.getPassword())
    this.#port = port
  }

  override getHost(): string {
    return '127.0.0.1'
  }

  override getPort(): number {
    return this.#port
  }
}

/** A port nothing listens on right now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}
