import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, { types: string; default: string } | string>
}

function runNode(script: string, blockPeers: boolean): string {
  const args = [
    ...(blockPeers ? ['--import', new URL('block-peers.mjs', import.meta.url).pathname] : []),
  ]
  return execFileSync(process.execPath, [...args, '--input-type=module', '-e', script], {
    cwd: root.pathname,
    encoding: 'utf8',
  }).trim()
}

describe('what ships', () => {
  it('every export entry points at built files, types first', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue
      expect(Object.keys(target), subpath).toEqual(['types', 'default'])
      expect(existsSync(new URL(target.types, root)), target.types).toBe(true)
      expect(existsSync(new URL(target.default, root)), target.default).toBe(true)
    }
  })

  it('the root entry loads with no optional peer installed', () => {
    const out = runNode(
      `const m = await import('vecstore'); const b = new m.InMemoryVectorBackend(); await b.upsert('a', [1, 2], {}); console.log(Object.keys(m).includes('VectorStore'), await b.count({}))`,
      true,
    )
    expect(out).toBe('true 1')
  })

  it('every subpath resolves by package name with the peers present', () => {
    const out = runNode(
      `for (const s of ['vecstore', 'vecstore/chroma', 'vecstore/pgvector', 'vecstore/testing']) await import(s); console.log('ok')`,
      false,
    )
    expect(out).toBe('ok')
  })

  it('entry points list their exports by name, and no name comes from two entry points', async () => {
    const seen = new Map<string, string>()
    for (const entry of ['index', 'chroma/index', 'pgvector/index', 'testing/index']) {
      const source = readFileSync(new URL(`src/${entry}.ts`, root), 'utf8')
      expect(source, entry).not.toMatch(/^export \*/m)
      const names = Object.keys(await import(new URL(`src/${entry}.ts`, root).href))
      for (const name of names) {
        expect(seen.get(name), `${name} in ${entry} and ${seen.get(name)}`).toBeUndefined()
        seen.set(name, entry)
      }
    }
  })
})
