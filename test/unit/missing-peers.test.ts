import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// One rule for optional packages (docs/semantics.md, "Optional packages"): vecstore/pgvector
// needs drizzle-orm to load; everything else loads when first needed and, when missing, throws
// MissingDependencyError naming the package. Each case runs in a child process where the
// listed packages cannot be resolved, as in an app that never installed them.
const root = fileURLToPath(new URL('../../', import.meta.url))
const src = (entry: string) => new URL(`../../src/${entry}`, import.meta.url).href

function withoutPackages(blocked: string[], script: string): unknown {
  const hooks = `
const BLOCKED = ${JSON.stringify(blocked)}
export async function resolve(specifier, context, next) {
  if (BLOCKED.some((name) => specifier === name || specifier.startsWith(name + '/'))) {
    const error = new Error("Cannot find package '" + specifier + "' imported from " + context.parentURL)
    error.code = 'ERR_MODULE_NOT_FOUND'
    throw error
  }
  return next(specifier, context)
}`
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)})`
  const hook = `data:text/javascript,${encodeURIComponent(register)}`
  const report = `const report = async (call) => {
    try { await call(); return 'ok' } catch (e) { return [e.constructor.name, e.packageName ?? e.code].join(' ') }
  }`
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--import', hook, '--input-type=module', '-e', `${report}\n${script}`],
    { cwd: root, encoding: 'utf8' },
  )
  return JSON.parse(out.trim())
}

describe('a missing optional package', () => {
  it('chromadb: vecstore/chroma imports; creating a backend names the package', () => {
    const result = withoutPackages(
      ['chromadb'],
      `const { ChromaBackend } = await import(${JSON.stringify(src('chroma/index.ts'))})
       console.log(JSON.stringify([
         await report(() => ChromaBackend.create('needs-client', {})),
         await report(() => ChromaBackend.create('needs-client', { host: 'localhost' })),
       ]))`,
    )
    expect(result).toEqual(['MissingDependencyError chromadb', 'MissingDependencyError chromadb'])
  })

  it('a driver: PgvectorBackend imports; creating one with that driver names it', () => {
    const result = withoutPackages(
      ['postgres', '@electric-sql/pglite'],
      `const { PgvectorBackend } = await import(${JSON.stringify(src('pgvector/index.ts'))})
       console.log(JSON.stringify([
         await report(() => PgvectorBackend.create({ dsn: 'postgres://localhost/x' })),
         await report(() => PgvectorBackend.create({ pglite: true })),
         await report(() => PgvectorBackend.create({})),
       ]))`,
    )
    expect(result).toEqual([
      'MissingDependencyError postgres',
      'MissingDependencyError @electric-sql/pglite',
      'MissingDependencyError @electric-sql/pglite',
    ])
  })

  it('fast-check: vecstore/testing imports; its property and fuzz cases name the package', () => {
    const result = withoutPackages(
      ['fast-check'],
      `const { describeBackend } = await import(${JSON.stringify(src('testing/index.ts'))})
       const { InMemoryVectorBackend } = await import(${JSON.stringify(src('index.ts'))})
       const cases = new Map()
       const harness = { describe: (_name, body) => body(), it: (name, body) => cases.set(name, body) }
       describeBackend('memory', async (o) => new InMemoryVectorBackend(o), harness)
       console.log(JSON.stringify([
         cases.size > 100,
         await report(cases.get('cosine')),
         await report(cases.get('random payloads and filters')),
         await report(cases.get('topK bounds the hits; a larger topK returns every entry')),
       ]))`,
    )
    expect(result).toEqual([
      true,
      'MissingDependencyError fast-check',
      'MissingDependencyError fast-check',
      'ok',
    ])
  })

  it('drizzle-orm: importing vecstore/pgvector fails at once, naming it', () => {
    const result = withoutPackages(
      ['drizzle-orm'],
      `const failure = await import(${JSON.stringify(src('pgvector/index.ts'))}).then(() => undefined, (e) => e)
       console.log(JSON.stringify([failure?.code, /'drizzle-orm/.test(String(failure?.message))]))`,
    )
    expect(result).toEqual(['ERR_MODULE_NOT_FOUND', true])
  })
})
