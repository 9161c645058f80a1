import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { vecstoreIn } from '../setup/cli.js'
import { makeTempDir } from '../setup/temp-dir.js'

const root = new URL('../../', import.meta.url)
const temp = makeTempDir('vecstore-cli-index-')
const vecstore = vecstoreIn(temp.dir)
afterAll(temp.cleanup)

function write(path: string, text: string): void {
  mkdirSync(`${temp.dir}/${path.split('/').slice(0, -1).join('/')}`, { recursive: true })
  writeFileSync(`${temp.dir}/${path}`, text)
}

// An embedder module of the app's own: counts its calls in a file beside it.
const EMBEDDER_MODULE = `import { appendFileSync } from 'node:fs'
import { HashingEmbedder } from ${JSON.stringify(new URL('dist/index.js', root).href)}
const inner = new HashingEmbedder(32)
export const embedder = {
  model: 'app-hashing-32',
  dimensions: 32,
  embed: async (texts) => {
    appendFileSync(new URL('./calls.log', import.meta.url), texts.length + '\\n')
    return inner.embed(texts)
  },
}
`

describe('vecstore index', () => {
  it('indexes a folder with a progress bar and the counts; an unchanged re-run embeds nothing and says so', async () => {
    write(
      'notes/kitchen.md',
      '---\ntags: [home]\n---\n# Kitchen\n\nThe kettle boils water for tea.\n',
    )
    write('notes/garden.txt', 'Tomatoes need sun and water.\n\nBasil likes warmth.\n')
    write('notes/sub/ideas.md', '# Ideas\n\nPaint the fence blue.\n')
    write('embedder.mjs', EMBEDDER_MODULE)
    const args = [
      'index',
      'notes',
      '--store',
      'memory:store.json',
      '--embedder',
      'embedder.mjs',
      '--chunk-size',
      '45',
      '--chunk-overlap',
      '0',
    ]
    const first = await vecstore(...args)
    expect(first.code).toBe(0)
    expect(first.stderr).toContain('indexing: 3/3 (100%)')
    expect(first.stderr).toMatch(/indexed 3 files into memory:store\.json with app-hashing-32/)
    expect(first.stdout).toBe('4 added, 0 updated, 0 skipped, 0 deleted; 4 chunks embedded\n')
    const again = await vecstore(...args)
    expect(again.stdout).toBe(
      '0 added, 0 updated, 4 skipped, 0 deleted; nothing embedded: every chunk was current or found in the index\n',
    )
    expect(readFileSync(`${temp.dir}/calls.log`, 'utf8').trim().split('\n')).toHaveLength(1)

    write('notes/garden.txt', 'Tomatoes need sun and water.\n\nBasil likes shade.\n')
    rmSync(`${temp.dir}/notes/sub/ideas.md`)
    const changed = await vecstore(...args, '--cleanup', 'scoped_full')
    expect(changed.stdout).toBe('1 added, 0 updated, 2 skipped, 2 deleted; 1 chunk embedded\n')
  })

  it('refuses a bad command line with exit code 2', async () => {
    expect((await vecstore('index', '--store', 'memory:x.json')).stderr).toContain('missing PATH')
    expect((await vecstore('index', 'notes')).stderr).toContain('missing --store')
    const cleanup = await vecstore('index', 'notes', '--store', 'memory:x.json', '--cleanup', 'all')
    expect(cleanup.code).toBe(2)
    expect(cleanup.stderr).toContain(
      'expected --cleanup to be one of none, incremental, full, scoped_full',
    )
    const missing = await vecstore('index', 'nowhere', '--store', 'memory:x.json')
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('nowhere: no such file or directory')
    const help = await vecstore('index', '--help')
    expect(help.stdout.startsWith('Usage: vecstore index')).toBe(true)
  })
})
