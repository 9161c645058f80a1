import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { makeTempDir } from '../setup/temp-dir.js'

// An app that installed vecstore with only the peers it uses, type-checked with
// `skipLibCheck: false`: the published .d.ts files must not name a package it lacks.
const root = fileURLToPath(new URL('../../', import.meta.url))
const temp = makeTempDir('vecstore-dts-')
afterAll(temp.cleanup)

function app(name: string, installed: string[], source: string): string {
  const dir = join(temp.dir, name)
  mkdirSync(join(dir, 'node_modules', '@types'), { recursive: true })
  symlinkSync(root, join(dir, 'node_modules', 'vecstore'))
  for (const pkg of [...installed, '@types/node']) {
    mkdirSync(join(dir, 'node_modules', pkg, '..'), { recursive: true })
    symlinkSync(join(root, 'node_modules', pkg), join(dir, 'node_modules', pkg))
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  writeFileSync(join(dir, 'app.ts'), source)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        types: ['node'],
      },
      files: ['app.ts'],
    }),
  )
  return dir
}

// The errors in vecstore's own declarations and in the app (drizzle-orm's own .d.ts files do not
// pass skipLibCheck: false without its other peers, gel and mysql2: that is for apps to weigh).
// tsc runs in a child process without blocking this one (a blocked test worker misses vitest's calls).
async function typecheck(dir: string): Promise<string[]> {
  try {
    await promisify(execFile)(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      dir,
    ])
    return []
  } catch (error) {
    const lines = String((error as { stdout?: string }).stdout).split('\n')
    return lines.filter((line) => /^(node_modules\/vecstore\/|app\.ts)/.test(line))
  }
}

describe('the published declarations, with skipLibCheck: false', () => {
  it('need no optional peer for the root entry and the conformance suite', async () => {
    const dir = app(
      'root',
      [],
      `import { InMemoryVectorBackend, VectorStore } from 'vecstore'
import { describeBackend } from 'vecstore/testing'
const store = new VectorStore(new InMemoryVectorBackend())
void store
void describeBackend`,
    )
    expect(await typecheck(dir)).toEqual([])
  }, 60_000)

  it('need drizzle-orm and nothing else for vecstore/pgvector (no PGlite, pg or postgres)', async () => {
    const dir = app(
      'pgvector',
      ['drizzle-orm'],
      `import { PgvectorBackend, vectorTable } from 'vecstore/pgvector'
interface Doc { title: string }
const docs = vectorTable<Doc>('docs', { dimensions: 3 })
const backend = await PgvectorBackend.create({ dsn: 'postgres://localhost/app', table: docs })
const [hit] = await backend.search([1, 0, 0], 1, { title: 'x' })
const title: string | undefined = hit?.payload.title
void title`,
    )
    expect(await typecheck(dir)).toEqual([])
  }, 60_000)

  it('need no chromadb for vecstore/chroma', async () => {
    const dir = app(
      'chroma',
      [],
      `import { ChromaBackend } from 'vecstore/chroma'
const backend = await ChromaBackend.create('docs', { host: 'localhost' })
void backend`,
    )
    expect(await typecheck(dir)).toEqual([])
  }, 60_000)
})
