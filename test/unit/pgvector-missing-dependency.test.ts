import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// vecstore/pgvector needs drizzle-orm; postgres (dsn) and PGlite (pglite) are loaded only
// when used. Without them the backend still imports, and says what to install.
const root = fileURLToPath(new URL('../../', import.meta.url))
const entry = new URL('../../src/pgvector/index.ts', import.meta.url).href

function blockHook(blocked: string[]): string {
  const hooks = `
const BLOCKED = ${JSON.stringify(blocked)}
export async function resolve(specifier, context, next) {
  if (BLOCKED.some((name) => specifier === name || specifier.startsWith(name + '/'))) {
    const error = new Error("Cannot find package '" + specifier + "'")
    error.code = 'ERR_MODULE_NOT_FOUND'
    throw error
  }
  return next(specifier, context)
}`
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`
  return `data:text/javascript,${encodeURIComponent(register)}`
}

describe('PgvectorBackend without its optional drivers', () => {
  it('dsn without postgres, pglite without @electric-sql/pglite: MissingDependencyError', () => {
    const script = `
      const { PgvectorBackend } = await import(${JSON.stringify(entry)})
      const report = async (config) => {
        try { await PgvectorBackend.create(config); return 'created' }
        catch (e) { return [e.constructor.name, e.packageName].join(' ') }
      }
      console.log(JSON.stringify([
        await report({ dsn: 'postgres://localhost/x' }),
        await report({ pglite: true }),
        await report({}),
      ]))`
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--import',
        blockHook(['postgres', '@electric-sql/pglite']),
        '--input-type=module',
        '-e',
        script,
      ],
      { cwd: root, encoding: 'utf8' },
    )
    expect(JSON.parse(out.trim())).toEqual([
      'MissingDependencyError postgres',
      'MissingDependencyError @electric-sql/pglite',
      'MissingDependencyError @electric-sql/pglite',
    ])
  })
})
