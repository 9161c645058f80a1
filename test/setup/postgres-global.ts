import type { TestProject } from 'vitest/node'
import { findPostgres, noPostgresMessage } from './postgres-server.js'

/**
 * vitest globalSetup of the projects that need Postgres: finds or starts one
 * server for the whole run and provides it to every test file. Without one,
 * the run stops here with a single message saying what to set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = await findPostgres()
  if ('skip' in found) stopRun(noPostgresMessage(found.skip))
  project.provide('vecstorePostgres', { url: found.url, source: found.source })
  // The other tiers of this run then use the same server (and stop nothing of it).
  process.env['DATABASE_URL'] = found.url
  return found.stop
}

/**
 * Ends the run with this message alone. Thrown from a globalSetup, an error
 * would come wrapped in vitest's "no test files found" report; and no test
 * has started yet, so there is nothing to wind down.
 */
export function stopRun(message: string): never {
  process.stderr.write(`\n${message}\n\n`)
  process.exit(1)
}
