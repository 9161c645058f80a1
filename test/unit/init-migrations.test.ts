import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { initMigrations } from '../../src/cli/migrations-folder.js'
import { makeTempDir } from '../setup/temp-dir.js'

// The extension as the first migration of an app's drizzle-kit folder, checked with drizzle-kit
// itself: after init-migrations, `generate` finds nothing to do and `check` finds the chain sound.
const root = fileURLToPath(new URL('../../', import.meta.url))
const temp = makeTempDir('vecstore-init-migrations-')
afterAll(() => temp.cleanup())
let folders = 0

function drizzleKit(out: string, ...args: string[]): string {
  return execFileSync(
    process.execPath,
    [
      'node_modules/drizzle-kit/bin.cjs',
      ...args,
      '--dialect=postgresql',
      `--out=${relative(root, out)}`,
    ],
    { cwd: root, encoding: 'utf8' },
  )
}
const generate = (out: string, ...args: string[]) =>
  drizzleKit(out, 'generate', '--schema=./test/integration/drizzle-app/schema.ts', ...args)

const sqlFiles = (out: string) => readdirSync(out).filter((file) => file.endsWith('.sql'))
const journal = (out: string) =>
  JSON.parse(readFileSync(join(out, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string; when: number }[]
  }
const snapshot = (out: string, n: string) =>
  JSON.parse(readFileSync(join(out, 'meta', `${n}_snapshot.json`), 'utf8')) as {
    id: string
    prevId: string
  }

describe('init-migrations', () => {
  it('starts an empty folder with the extension; generate then adds the schema as 0001', () => {
    const out = join(temp.dir, `app-${folders++}`)
    expect(initMigrations(out)).toEqual({ kind: 'created', file: '0000_enable_pgvector.sql' })
    expect(readFileSync(join(out, '0000_enable_pgvector.sql'), 'utf8')).toMatch(
      /^CREATE EXTENSION IF NOT EXISTS vector;\n$/m,
    )
    generate(out, '--name=schema')
    expect(sqlFiles(out)).toEqual(['0000_enable_pgvector.sql', '0001_schema.sql'])
    expect(generate(out)).toContain('No schema changes')
    expect(initMigrations(out)).toEqual({ kind: 'present', file: '0000_enable_pgvector.sql' })
    expect(sqlFiles(out)).toHaveLength(2)
  })

  it('puts itself before existing migrations, renumbered, and drizzle-kit agrees', () => {
    const out = join(temp.dir, `app-${folders++}`)
    generate(out, '--name=schema')
    generate(out, '--custom', '--name=seed')
    const before = journal(out).entries
    const schemaSql = readFileSync(join(out, '0000_schema.sql'), 'utf8')
    expect(initMigrations(out)).toEqual({
      kind: 'inserted',
      file: '0000_enable_pgvector.sql',
      renumbered: 2,
    })
    expect(sqlFiles(out)).toEqual(['0000_enable_pgvector.sql', '0001_schema.sql', '0002_seed.sql'])
    expect(readFileSync(join(out, '0001_schema.sql'), 'utf8')).toBe(schemaSql)
    const after = journal(out).entries
    expect(after.map((entry) => [entry.idx, entry.tag])).toEqual([
      [0, '0000_enable_pgvector'],
      [1, '0001_schema'],
      [2, '0002_seed'],
    ])
    // Databases that applied the old migrations skip it: its time is before theirs.
    expect(after[0]!.when).toBe(before[0]!.when - 1)
    expect(after.slice(1).map((entry) => entry.when)).toEqual(before.map((entry) => entry.when))
    expect(snapshot(out, '0001').prevId).toBe(snapshot(out, '0000').id)
    expect(snapshot(out, '0002').prevId).toBe(snapshot(out, '0001').id)
    expect(generate(out)).toContain('No schema changes')
    expect(drizzleKit(out, 'check')).toContain("Everything's fine")
    expect(initMigrations(out).kind).toBe('present')
  })

  it('refuses, with the fix, what it cannot renumber or would break', () => {
    const out = join(temp.dir, `app-${folders++}`)
    generate(out, '--name=schema')
    generate(out, '--custom', '--name=extension')
    writeFileSync(join(out, '0001_extension.sql'), 'CREATE EXTENSION vector;\n')
    expect(() => initMigrations(out)).toThrow(
      /0001_extension\.sql creates the extension without IF NOT EXISTS.*CREATE EXTENSION IF NOT EXISTS vector/,
    )
    writeFileSync(join(out, '0001_extension.sql'), 'CREATE EXTENSION IF NOT EXISTS vector;\n')
    const renamed = journal(out)
    renamed.entries[0]!.tag = 'init'
    writeFileSync(join(out, 'meta', '_journal.json'), JSON.stringify(renamed))
    writeFileSync(join(out, 'init.sql'), readFileSync(join(out, '0000_schema.sql')))
    expect(() => initMigrations(out)).toThrow(
      /cannot renumber init .*put this line first in init\.sql: CREATE EXTENSION IF NOT EXISTS vector;--> statement-breakpoint/,
    )
    expect(sqlFiles(out).sort()).toEqual(['0000_schema.sql', '0001_extension.sql', 'init.sql'])

    const mysql = join(temp.dir, `app-${folders++}`)
    initMigrations(mysql)
    writeFileSync(
      join(mysql, 'meta', '_journal.json'),
      JSON.stringify({ version: '5', dialect: 'mysql', entries: [] }),
    )
    expect(() => initMigrations(mysql)).toThrow(/not a drizzle-kit journal for PostgreSQL/)
  })
})
