/**
 * Every ```ts block of README.md and of docs/**\/*.md is a sample that must work as written:
 * it is type-checked under the repo's strict tsconfig against the package's public entry points
 * (`vecstore`, `vecstore/pgvector`, `vecstore/chroma`, `vecstore/testing`, resolved to this
 * repo's package.json exports and dist/), then run with node in a directory of its own, and it
 * must exit by itself with status 0 (so it closes what it opens).
 *
 * An HTML comment on the line before a block (invisible on GitHub) can say more about it:
 *
 *   <!-- sample: no-run -->          type-check only: it needs what a test run has not (an API key,
 *                                    an app's migrated tables, a test runner)
 *   <!-- sample: needs-postgres -->  run with DATABASE_URL naming a fresh database of its own
 *                                    (Postgres + pgvector), dropped afterwards
 *   <!-- sample: needs-chroma -->    it starts a local Chroma server (the npm binding)
 *   <!-- sample: file=schema.ts -->  a module that later blocks of the same page import as
 *                                    './schema.js' (as an app's schema file); not run by itself
 *
 * Markers combine (`<!-- sample: file=backend.ts needs-postgres -->`), and a reason may follow
 * in parentheses (`<!-- sample: no-run (needs an API key) -->`). A block that is not
 * TypeScript to compile (a shell session, a signature sketch) uses another fence language.
 */
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresForTests } from '../setup/postgres.js'
import { extractSamples, type Sample, samplePages } from './extract-samples.js'
import { type SampleDiagnostic, SampleWorkspace } from './sample-workspace.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const RUN_TIMEOUT_MS = 60_000
const samples = samplePages(root).flatMap((page) => extractSamples(root, page))
const workspace = new SampleWorkspace(root)
workspace.add(samples)
let diagnostics: SampleDiagnostic[] = []

beforeAll(async () => {
  diagnostics = await workspace.compile()
}, 120_000)
afterAll(() => workspace.remove())

/** A fresh database for one sample, on the run's Postgres; dropped by the returned function. */
async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = await postgresForTests()
  if ('skip' in server) throw new Error(`this sample needs Postgres: ${server.skip}`)
  const name = `vecstore_sample_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const admin = postgres(server.url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  return {
    url: server.url.replace(/\/[^/?]*(\?|$)/, `/${name}$1`),
    drop: async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      await admin.end()
    },
  }
}

async function runSample(sample: Sample): Promise<void> {
  const database = sample.needs.includes('postgres') ? await freshDatabase() : undefined
  try {
    const env = { ...process.env, ...(database ? { DATABASE_URL: database.url } : {}) }
    const { ok, output } = await workspace.run(sample, env, RUN_TIMEOUT_MS)
    expect(ok, `${sample.doc}:${sample.line} failed when run:\n${output}`).toBe(true)
  } finally {
    await database?.drop()
  }
}

function label(sample: Sample): string {
  const how = sample.file ? `module ${sample.file}` : sample.run ? 'runs' : 'type-checks'
  const needs = sample.needs.length ? `, needs ${sample.needs.join(' and ')}` : ''
  return `${sample.doc}:${sample.line} (${sample.heading}) ${how}${needs}`
}

describe('code samples of the README and docs work as written', () => {
  it('README.md has samples, and every one is checked below', () => {
    expect(samples.filter((sample) => sample.doc === 'README.md').length).toBeGreaterThan(0)
  })

  for (const sample of samples) {
    it(
      label(sample),
      async () => {
        const errors = diagnostics.filter((d) => d.sample === sample).map((d) => d.message)
        expect(errors.join('\n'), 'type errors').toBe('')
        if (sample.run) await runSample(sample)
      },
      RUN_TIMEOUT_MS + 30_000,
    )
  }
})
