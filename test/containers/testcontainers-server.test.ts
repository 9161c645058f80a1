import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { getContainerRuntimeClient } from 'testcontainers'
import { describe, expect, inject, it } from 'vitest'
import { postgresForTests } from '../setup/postgres.js'

// The containers tier runs the pgvector conformance suite and the drizzle-kit app test against
// the server its globalSetup started through Testcontainers: this file proves that server is
// that container, and not the native cluster the other tiers use.
const container = inject('vecstoreContainer')
const server = await postgresForTests()
if (!container || !('url' in server)) throw new Error('run this file in the containers project')
const url = server.url

/** Settings that tell one Postgres server from another. */
async function identity(target: string) {
  const sql = postgres(target, { max: 1, onnotice: () => {} })
  try {
    const [row] = await sql<{ dataDirectory: string; port: number; started: Date }[]>`
      SELECT current_setting('data_directory') AS "dataDirectory",
             inet_server_port() AS port, pg_postmaster_start_time() AS started`
    return row as { dataDirectory: string; port: number; started: Date }
  } finally {
    await sql.end()
  }
}

describe(`the Postgres of this tier is a container Testcontainers started (${container.image})`, () => {
  it('Docker runs it from the image, labelled by Testcontainers, serving the port of the URL', async () => {
    const client = await getContainerRuntimeClient()
    const info = await client.container.inspect(client.container.getById(container.id))
    expect(info.State.Running).toBe(true)
    expect(info.Config.Image).toBe(container.image)
    expect(info.Config.Labels['org.testcontainers']).toBe('true')
    expect(new URL(url).port).toBe(String(container.port))
    if (container.hostNetwork) {
      expect(info.HostConfig.NetworkMode).toBe('host')
      expect(info.Config.Env).toContain(`PGPORT=${container.port}`)
    }
    expect((await identity(url)).port).toBe(container.hostNetwork ? container.port : 5432)
  })

  it("a row written by psql inside the container is read over the tests' URL", async () => {
    const client = await getContainerRuntimeClient()
    const marker = randomUUID()
    const { username, pathname } = new URL(url)
    const result = await client.container.exec(client.container.getById(container.id), [
      'psql',
      '-X',
      '-v',
      'ON_ERROR_STOP=1',
      '-U',
      decodeURIComponent(username),
      '-d',
      decodeURIComponent(pathname.slice(1)),
      '-c',
      `CREATE TABLE container_proof AS SELECT '${marker}'::text AS marker`,
    ])
    expect(result.exitCode, result.output).toBe(0)
    const sql = postgres(url, { max: 1, onnotice: () => {} })
    try {
      expect(await sql`SELECT marker FROM container_proof`).toEqual([{ marker }])
      await sql`DROP TABLE container_proof`
    } finally {
      await sql.end()
    }
  })

  const native = process.env['DATABASE_URL']
  it.runIf(native)(
    'is not the native cluster of DATABASE_URL: another data directory, port and start',
    async () => {
      const [inContainer, onHost] = [await identity(url), await identity(native as string)]
      expect(inContainer.dataDirectory).toBe('/var/lib/postgresql/data')
      expect(inContainer.dataDirectory).not.toBe(onHost.dataDirectory)
      expect(inContainer.port).not.toBe(onHost.port)
      expect(inContainer.started.getTime()).not.toBe(onHost.started.getTime())
    },
  )
})
