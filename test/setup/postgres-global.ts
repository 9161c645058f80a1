import type { TestProject } from 'vitest/node'
import { findPostgres } from './postgres-server.js'

/**
 * Optional vitest globalSetup: finds (or starts, with Testcontainers) one
 * Postgres for the whole run and provides it to every test file, instead of
 * each file resolving its own. Wire it into the `integration` project.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = await findPostgres()
  project.provide(
    'vecstorePostgres',
    'url' in found ? { url: found.url, source: found.source } : { skip: found.skip },
  )
  return async () => {
    if ('stop' in found) await found.stop()
  }
}
