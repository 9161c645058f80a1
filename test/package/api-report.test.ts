import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')
const docs = [
  read('README.md'),
  ...readdirSync(new URL('docs/', root)).map((file) => read(`docs/${file}`)),
].join('\n')

// The reports API Extractor keeps in etc/ (npm run api:check compares them with the build).
const reports = readdirSync(new URL('etc/', root)).filter((file) => file.endsWith('.api.md'))

describe('the public API', () => {
  it('has a report for every entry point', () => {
    expect(reports.sort()).toEqual([
      'vecstore.api.md',
      'vecstore.chroma.api.md',
      'vecstore.pgvector.api.md',
      'vecstore.testing.api.md',
    ])
  })

  it('lists only names the documentation describes', () => {
    for (const report of reports) {
      const names = [
        ...read(`etc/${report}`).matchAll(
          /^export (?:declare )?(?:abstract )?(?:class|interface|type|function|const|enum) (\w+)/gm,
        ),
      ].map((match) => match[1] as string)
      expect(names.length, report).toBeGreaterThan(5)
      const undocumented = names.filter((name) => !new RegExp(`\\b${name}\\b`).test(docs))
      expect(
        undocumented,
        `${report}: exported names no page of README.md or docs/ mentions`,
      ).toEqual([])
    }
  })
})
