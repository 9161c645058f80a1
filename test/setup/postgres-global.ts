import type { TestProject } from 'vitest/node'
import { findPostgres, noPostgresMessage } from './postgres-server.js'

/**
 * vitest globalSetup of the projects that need Postgres: finds or starts one
 * server for the whole run and provides it to every test file. Without one,
 * the run stops here with a single message saying what to set.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = await findPostgres()
  if ('skip' in found) throw quietError(noPostgresMessage(found.skip))
  project.provide('vecstorePostgres', { url: found.url, source: found.source })
  // The other tiers of this run then use the same server (and stop nothing of it).
  process.env['DATABASE_URL'] = found.url
  return found.stop
}

/** An error whose stack is its message: the reader needs what to do, not where it was thrown. */
export function quietError(message: string): Error {
  const error = new Error(message)
  error.stack = message
  return error
}
