import {
  CLEANUP_MODES,
  type CleanupMode,
  loadDocuments,
  RecursiveTextSplitter,
  StoreScope,
  VectorStore,
} from '../../index.js'
import { UsageError } from '../cli-errors.js'
import {
  type Command,
  integerOption,
  stringList,
  stringOption,
  requiredOption,
} from '../command.js'
import { describeCounts, indexWithProgress, loadEmbedder } from '../indexing.js'
import { note, print } from '../output.js'
import { openStore } from '../stores/open-store.js'
import { URI_FORMS } from '../store-uri.js'

/** `vecstore index`: keep a store's chunks of files current, embedding only what changed. */
export const indexCommand: Command = {
  name: 'index',
  summary: 'index files into a store, embedding only what changed since the last run',
  help: `Usage: vecstore index PATH... --store URI [--embedder MODULE] [--cleanup MODE] [--scope KEY=VALUE]...

Loads the .md, .markdown and .txt files under each PATH (markdown front matter
becomes metadata; each file's id is its path from here), splits them into
chunks and keeps the store current: unchanged files cost nothing, changed ones
are replaced whole, and only chunks whose text the store does not hold yet are
embedded. Prints the counts: chunks added, updated, skipped and deleted, and
how many were embedded.

Options:
  --store URI          the store to index into (created when missing)
  --embedder MODULE    a module whose 'embedder' or default export is an Embedder
                       (or a function returning one); default: HashingEmbedder (256)
  --cleanup MODE       ${CLEANUP_MODES.join(' | ')} (default incremental):
                         incremental  replace changed files, delete nothing else
                         scoped_full  also delete the scope's files not given
                         full         also delete every file not given, in every scope
                         none         add and update only
  --scope KEY=VALUE    the scope label(s) the files belong to (repeatable)
  --chunk-size N       characters per chunk (default 1000)
  --chunk-overlap N    characters shared by neighbouring chunks (default 100)
  -h, --help           show this help

${URI_FORMS}`,
  options: {
    store: { type: 'string' },
    embedder: { type: 'string' },
    cleanup: { type: 'string' },
    scope: { type: 'string', multiple: true },
    'chunk-size': { type: 'string' },
    'chunk-overlap': { type: 'string' },
  },
  async run(args) {
    if (args.positionals.length === 0) throw new UsageError('missing PATH')
    const uri = requiredOption(args, 'store')
    const cleanup = cleanupOption(stringOption(args, 'cleanup'))
    const scope = scopeOption(stringList(args, 'scope'))
    const chunkSize = integerOption(args, 'chunk-size', 1000, 10, 1_000_000)
    const chunkOverlap = integerOption(args, 'chunk-overlap', 100, 0, chunkSize - 1)
    const documents = await loadDocuments(args.positionals).catch((error: unknown) => {
      throw new UsageError((error as Error).message)
    })
    if (documents.length === 0) throw new UsageError('no .md, .markdown or .txt files found')
    const embedder = await loadEmbedder(stringOption(args, 'embedder'))
    const opened = await openStore(uri, { mode: 'write', dim: embedder.dimensions })
    try {
      const splitter = new RecursiveTextSplitter({ chunkSize, chunkOverlap, format: 'markdown' })
      const store = new VectorStore(opened.backend, { embedder, splitter })
      const { result, seconds } = await indexWithProgress(store, documents, { cleanup, scope })
      note(
        `indexed ${documents.length} file${documents.length === 1 ? '' : 's'} into ${opened.label} with ${embedder.model} in ${seconds} s`,
      )
      print(describeCounts(result))
      return 0
    } finally {
      await opened.close()
    }
  },
}

function cleanupOption(value: string | undefined): CleanupMode {
  if (value === undefined) return 'incremental'
  if (!(CLEANUP_MODES as readonly string[]).includes(value)) {
    throw new UsageError(`expected --cleanup to be one of ${CLEANUP_MODES.join(', ')}`)
  }
  return value as CleanupMode
}

function scopeOption(values: readonly string[]): StoreScope {
  const labels: Record<string, string> = {}
  for (const value of values) {
    const at = value.indexOf('=')
    if (at < 1) throw new UsageError(`expected --scope KEY=VALUE, got ${JSON.stringify(value)}`)
    labels[value.slice(0, at)] = value.slice(at + 1)
  }
  try {
    return new StoreScope(labels)
  } catch (error) {
    throw new UsageError(`--scope: ${(error as Error).message}`)
  }
}
