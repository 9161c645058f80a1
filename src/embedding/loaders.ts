import { readdir, readFile, stat } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import { InvalidArgumentError } from '../core/errors.js'
import type { Payload } from '../core/json.js'
import { parseFrontMatter } from './front-matter.js'

/**
 * A source document for `VectorStore.index`: `id` names the source (a file
 * path, a URL, a database key), `content` is its whole text, `metadata` is
 * stored with each of its chunks.
 */
export interface SourceDocument<M extends object = Payload> {
  /** The source's id, unique within a scope. */
  readonly id: string
  /** The document's text. */
  readonly content: string
  /** Fields stored with every chunk (filterable at retrieval). */
  readonly metadata?: M
}

/** Options of the file loaders. */
export interface LoadOptions {
  /** Document ids are paths relative to this directory, with `/` separators. Default: the working directory. */
  readonly base?: string
}

/** Options of {@link loadDocuments}. */
export interface LoadDocumentsOptions extends LoadOptions {
  /** File extensions read from directories (lower case, with the dot). Default: `.md`, `.markdown`, `.txt`. */
  readonly extensions?: readonly string[]
}

const MARKDOWN = ['.md', '.markdown', '.mdx']
const DEFAULT_EXTENSIONS = ['.md', '.markdown', '.txt']

/** A text file as one document, its id the path relative to `base`. */
export async function loadTextFile(
  path: string,
  options: LoadOptions = {},
): Promise<SourceDocument> {
  return { id: documentId(path, options), content: await readText(path), metadata: {} }
}

/**
 * A markdown file as one document: its YAML front matter becomes the
 * metadata (strings, numbers, booleans, lists) and the rest the content.
 */
export async function loadMarkdownFile(
  path: string,
  options: LoadOptions = {},
): Promise<SourceDocument> {
  const { metadata, body } = parseFrontMatter(await readText(path), path)
  return { id: documentId(path, options), content: body, metadata }
}

/**
 * Files and directories (searched recursively, skipping dot-entries and
 * `node_modules`) as documents, in path order: markdown files through
 * {@link loadMarkdownFile}, others through {@link loadTextFile}.
 */
export async function loadDocuments(
  paths: readonly string[],
  options: LoadDocumentsOptions = {},
): Promise<SourceDocument[]> {
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS
  const files: string[] = []
  for (const path of paths) files.push(...(await filesUnder(path, extensions)))
  const unique = [...new Set(files)].sort()
  return Promise.all(
    unique.map((file) =>
      MARKDOWN.includes(extname(file).toLowerCase())
        ? loadMarkdownFile(file, options)
        : loadTextFile(file, options),
    ),
  )
}

async function filesUnder(path: string, extensions: readonly string[]): Promise<string[]> {
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) throw new InvalidArgumentError(`${path}: no such file or directory`)
  if (!info.isDirectory()) return [path]
  const entries = await readdir(path, { withFileTypes: true })
  const nested = await Promise.all(
    entries
      .filter((entry) => !entry.name.startsWith('.') && entry.name !== 'node_modules')
      .map(async (entry) => {
        const full = join(path, entry.name)
        if (entry.isDirectory()) return filesUnder(full, extensions)
        const wanted = entry.isFile() && extensions.includes(extname(entry.name).toLowerCase())
        return wanted ? [full] : []
      }),
  )
  return nested.flat()
}

function documentId(path: string, options: LoadOptions): string {
  const id = relative(options.base ?? process.cwd(), path)
    .split(sep)
    .join('/')
  return id === '' ? path : id
}

async function readText(path: string): Promise<string> {
  // A byte order mark is not part of the text.
  return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '')
}
