import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UsageError } from '../cli-errors.js'

/** A piece of a document small enough to embed, with where it came from. */
export interface Chunk {
  /** The file, relative to the working directory (or the package root for the README). */
  readonly source: string
  /** The nearest heading above the chunk. */
  readonly section: string
  readonly text: string
}

// src/cli/demo/ and dist/cli/demo/ both sit three levels below the package root.
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TEXT_FILE = /\.(md|markdown|txt)$/i
// Paragraphs are merged up to about this many characters: enough context per hit, still one topic.
const CHUNK_CHARS = 700

/** The demo's default corpus: this package's README and docs/ (both ship in every install). */
export function defaultCorpus(): { path: string; source: string }[] {
  const docs = join(PACKAGE_ROOT, 'docs')
  const pages = existsSync(docs) ? textFilesIn(docs).sort() : []
  return [
    { path: join(PACKAGE_ROOT, 'README.md'), source: 'README.md' },
    ...pages.map((path) => ({ path, source: relative(PACKAGE_ROOT, path) })),
  ]
}

/** The text files named on the command line: files, or directories searched for .md/.txt files. */
export function corpusFrom(paths: readonly string[]): { path: string; source: string }[] {
  const files: { path: string; source: string }[] = []
  for (const path of paths) {
    if (!existsSync(path)) throw new UsageError(`--corpus ${path}: no such file or directory`)
    for (const file of statSync(path).isDirectory() ? textFilesIn(path) : [path]) {
      files.push({ path: file, source: relative(process.cwd(), file) || file })
    }
  }
  if (files.length === 0) throw new UsageError('--corpus: no .md, .markdown or .txt files found')
  return files
}

function textFilesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => {
      const full = join(dir, entry.name)
      if (entry.isDirectory()) return textFilesIn(full)
      return entry.isFile() && TEXT_FILE.test(entry.name) ? [full] : []
    })
}

/** Splits a markdown or text file into paragraph chunks, each under its heading; code blocks stay whole. */
export function chunkFile(path: string, source: string): Chunk[] {
  const chunks: Chunk[] = []
  let section = source
  let pending = ''
  const flush = () => {
    if (pending.trim().length > 40) chunks.push({ source, section, text: pending.trim() })
    pending = ''
  }
  for (const block of blocks(readFileSync(path, 'utf8'))) {
    const heading = /^#{1,6}\s+(.*)$/.exec(block)
    if (heading) {
      flush()
      section = (heading[1] as string).trim()
    } else {
      if (pending.length + block.length > CHUNK_CHARS) flush()
      pending = pending === '' ? block : `${pending}\n\n${block}`
    }
  }
  flush()
  return chunks
}

// Blank-line separated blocks; a fenced code block is one block even with blank lines inside.
function blocks(text: string): string[] {
  const result: string[] = []
  let current: string[] = []
  let fenced = false
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    const isHeading = !fenced && /^#{1,6}\s/.test(line)
    if ((!fenced && line.trim() === '') || isHeading) {
      if (current.length > 0) result.push(current.join('\n'))
      current = []
      if (isHeading) result.push(line.trim())
      continue
    }
    current.push(line)
  }
  if (current.length > 0) result.push(current.join('\n'))
  return result
}
