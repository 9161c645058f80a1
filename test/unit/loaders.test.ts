import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  InvalidArgumentError,
  loadDocuments,
  loadMarkdownFile,
  loadTextFile,
} from '../../src/index.js'
import { canonicalJson, sha256 } from '../../src/store/canonical-hash.js'
import { makeTempDir } from '../setup/temp-dir.js'

const temp = makeTempDir()
afterAll(temp.cleanup)

const FRONT_MATTER = `---
title: "Getting started: part 1"
year: 2026
draft: false
ratio: 0.5
nothing: null
tags: [guide, "setup", 3]
authors:
  - Ada
  - 'Grace'
# a comment
---
# Heading

Body text.
`

describe('loaders', () => {
  it('a markdown file: front matter becomes metadata, the rest the content', async () => {
    const path = join(temp.dir, 'guide.md')
    writeFileSync(path, `\uFEFF${FRONT_MATTER}`)
    const document = await loadMarkdownFile(path, { base: temp.dir })
    expect(document).toEqual({
      id: 'guide.md',
      content: '# Heading\n\nBody text.\n',
      metadata: {
        title: 'Getting started: part 1',
        year: 2026,
        draft: false,
        ratio: 0.5,
        nothing: null,
        tags: ['guide', 'setup', 3],
        authors: ['Ada', 'Grace'],
      },
    })
  })

  it('a text file and a directory tree, in path order, skipping dot entries and other extensions', async () => {
    const dir = join(temp.dir, 'tree')
    mkdirSync(join(dir, 'sub'), { recursive: true })
    mkdirSync(join(dir, '.hidden'), { recursive: true })
    writeFileSync(join(dir, 'b.txt'), 'plain --- text')
    writeFileSync(join(dir, 'sub', 'a.md'), 'no front matter')
    writeFileSync(join(dir, '.hidden', 'x.md'), 'hidden')
    writeFileSync(join(dir, 'image.png'), 'binary')
    const documents = await loadDocuments([dir], { base: dir })
    expect(documents.map((d) => d.id)).toEqual(['b.txt', 'sub/a.md'])
    expect(documents[1]).toEqual({ id: 'sub/a.md', content: 'no front matter', metadata: {} })
    expect(await loadTextFile(join(dir, 'b.txt'), { base: dir })).toEqual({
      id: 'b.txt',
      content: 'plain --- text',
      metadata: {},
    })
  })

  it('refuses front matter it cannot read, and paths that do not exist', async () => {
    const path = join(temp.dir, 'nested.md')
    writeFileSync(path, '---\nauthor:\n  name: Ada\n---\ntext')
    await expect(loadMarkdownFile(path)).rejects.toThrow(/front matter line 3/)
    await expect(loadDocuments([join(temp.dir, 'missing')])).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
  })
})

describe('canonical hashing', () => {
  it('ignores key order at every level and sees any nested change', () => {
    const a = { x: 1, meta: { list: [1, { b: 2, a: 1 }], s: 'v' } }
    const b = { meta: { s: 'v', list: [1, { a: 1, b: 2 }] }, x: 1 }
    expect(canonicalJson(a)).toBe(canonicalJson(b))
    expect(sha256(canonicalJson(a))).toBe(sha256(canonicalJson(b)))
    const changed = { x: 1, meta: { list: [1, { b: 3, a: 1 }], s: 'v' } }
    expect(canonicalJson(changed)).not.toBe(canonicalJson(a))
    // JSON.stringify with a sorted top-level key list (LangChain's) cannot see this change.
    const replacer = Object.keys(a).sort()
    expect(JSON.stringify(a, replacer)).toBe(JSON.stringify(changed, replacer))
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]))
    expect(canonicalJson({ v: '1' })).not.toBe(canonicalJson({ v: 1 }))
  })
})
