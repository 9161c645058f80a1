import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { migrationsFolder } from '../../src/pgvector/index.js'
import { makeTempDir } from '../setup/temp-dir.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()
}

describe("vecstore's migrations", () => {
  it('the exported folder holds the journal, and 0000 creates the extension', () => {
    expect(migrationsFolder).toBe(join(root, 'migrations'))
    expect(existsSync(join(migrationsFolder, 'meta', '_journal.json'))).toBe(true)
    expect(readFileSync(join(migrationsFolder, '0000_enable_pgvector.sql'), 'utf8')).toContain(
      'CREATE EXTENSION IF NOT EXISTS vector;',
    )
  })

  it('match drizzle/schema.ts: drizzle-kit regenerates nothing (fails on any drift)', () => {
    const temp = makeTempDir('vecstore-drift-')
    try {
      const copy = join(temp.dir, 'migrations')
      cpSync(migrationsFolder, copy, { recursive: true })
      // drizzle-kit resolves `out` against the working directory: pass it relative.
      const out = relative(root, copy)
      const kit = (...args: string[]) =>
        execFileSync(process.execPath, ['node_modules/drizzle-kit/bin.cjs', ...args], {
          cwd: root,
          encoding: 'utf8',
        })
      const generated = kit(
        'generate',
        '--dialect=postgresql',
        '--schema=./drizzle/schema.ts',
        `--out=${out}`,
      )
      const added = listFiles(copy).filter((file) => !listFiles(migrationsFolder).includes(file))
      const drift = added.map((file) => `${file}:\n${readFileSync(join(copy, file), 'utf8')}`)
      expect(drift, 'run `npx drizzle-kit generate` and commit migrations/').toEqual([])
      expect(generated).toContain('No schema changes')
      for (const file of listFiles(migrationsFolder)) {
        if (file.includes('.')) {
          expect(readFileSync(join(copy, file), 'utf8'), file).toBe(
            readFileSync(join(migrationsFolder, file), 'utf8'),
          )
        }
      }
      expect(kit('check', '--dialect=postgresql', `--out=${out}`)).toContain("Everything's fine")
    } finally {
      temp.cleanup()
    }
  })
})
