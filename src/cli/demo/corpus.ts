import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDocuments, loadMarkdownFile, type SourceDocument } from '../../index.js'
import { UsageError } from '../cli-errors.js'

// src/cli/demo/ and dist/cli/demo/ both sit three levels below the package root.
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

/** The demo's default corpus: this package's README and docs/ (both ship in every install), ids relative to the package. */
export async function defaultCorpus(): Promise<SourceDocument[]> {
  const docs = join(PACKAGE_ROOT, 'docs')
  const pages = existsSync(docs)
    ? readdirSync(docs)
        .filter((name) => name.endsWith('.md'))
        .sort()
    : []
  const paths = [join(PACKAGE_ROOT, 'README.md'), ...pages.map((name) => join(docs, name))]
  return Promise.all(paths.map((path) => loadMarkdownFile(path, { base: PACKAGE_ROOT })))
}

/** The text files named on the command line: files, or directories searched for .md/.txt files. */
export async function corpusFrom(paths: readonly string[]): Promise<SourceDocument[]> {
  for (const path of paths) {
    if (!existsSync(path)) throw new UsageError(`--corpus ${path}: no such file or directory`)
  }
  const documents = await loadDocuments(paths)
  if (documents.length === 0)
    throw new UsageError('--corpus: no .md, .markdown or .txt files found')
  return documents
}

/**
 * The heading a chunk sits under in its document: the last markdown heading
 * at or before the chunk's start (the document id when there is none).
 */
export function sectionOf(document: SourceDocument | undefined, chunk: string): string {
  const fallback = document?.id ?? ''
  const at = document?.content.indexOf(chunk) ?? -1
  if (document === undefined || at === -1) return fallback
  const firstLine = chunk.split('\n', 1)[0] ?? ''
  const before = document.content.slice(0, at) + firstLine
  let section = fallback
  let fenced = false
  for (const line of before.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    const heading = fenced ? null : /^#{1,6}\s+(.*)$/.exec(line)
    if (heading) section = (heading[1] as string).trim()
  }
  return section
}

/** The chunk without its leading heading lines (the section already names them). */
export function previewOf(chunk: string): string {
  return chunk.replace(/^(#{1,6}\s[^\n]*\n+)+/, '').replace(/\s+/g, ' ')
}
