import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Without chromadb installed, vecstore/chroma still imports (the client is
// loaded lazily), and the first call that needs it says what to install.
const root = fileURLToPath(new URL('../../', import.meta.url))
const blockPeers = fileURLToPath(new URL('../package/block-peers.mjs', import.meta.url))
const entry = new URL('../../src/chroma/index.ts', import.meta.url).href

describe('ChromaBackend without chromadb', () => {
  it('imports, then throws MissingDependencyError naming the package', () => {
    const script = `
      const { ChromaBackend } = await import(${JSON.stringify(entry)})
      const report = async (config) => {
        try { await ChromaBackend.create('needs-client', config); return 'created' }
        catch (e) { return [e.constructor.name, e.code, e.packageName, e.message].join(' | ') }
      }
      console.log(JSON.stringify([await report({}), await report({ host: 'localhost' })]))`
    const out = execFileSync(
      process.execPath,
      ['--import', 'tsx', '--import', blockPeers, '--input-type=module', '-e', script],
      { cwd: root, encoding: 'utf8' },
    )
    const [ephemeral, http] = JSON.parse(out.trim()) as string[]
    for (const result of [ephemeral, http]) {
      expect(result).toBe(
        "MissingDependencyError | MISSING_DEPENDENCY | chromadb | ChromaBackend needs the package 'chromadb': npm install chromadb",
      )
    }
  })
})
