import { type Embedder, reembed } from '../../index.js'
import { UsageError } from '../cli-errors.js'
import {
  type Command,
  integerOption,
  positionals,
  requiredOption,
  stringOption,
} from '../command.js'
import { EMBEDDER_FORMS, loadEmbedder } from '../embedder-spec.js'
import { note, print } from '../output.js'
import { ProgressBar } from '../progress.js'
import { parseStoreUri, type StoreLocation, URI_FORMS } from '../store-uri.js'
import type { OpenStore } from '../stores/open-store.js'
import { checkDistinct, withStorePair } from '../stores/store-pair.js'

/** `vecstore reembed --from URI --to URI --embedder SPEC`: a new model or dimension, in a new store. */
export const reembedCommand: Command = {
  name: 'reembed',
  summary: 'copy a store into a new one, re-embedding every entry with another model',
  help: `Usage: vecstore reembed --from URI --to URI --embedder SPEC [--text-key KEY]
                        [--batch N] [--overwrite] [--switch VIEW]

Copies every entry of the source into the target, re-embedding its text with
the embedder: the way to a new embedding model or dimension without downtime.
The target is created when missing (the embedder's dimension, the source's
metric, the embedder's model recorded with it), or is the table your
migrations made. A page at a time in id order, embedding the next batch while
the last is written; rate-limited calls (status 429) are retried with backoff.
Ids the target already holds are skipped, so an interrupted run continues
where it stopped. With --switch, a view then reads the target, switched in one
transaction: readers of the view see the old table or the new one, never
neither. The source is left as it is.

Options:
  --from URI       the store to re-embed (read only)
  --to URI         the new store
  --embedder SPEC  the new model (see below)
  --text-key KEY   the payload field holding each entry's text (default: content,
                   where VectorStore keeps it)
  --batch N        entries per batch (1-10000, default 500)
  --overwrite      re-embed entries the target already has instead of skipping them
  --switch VIEW    Postgres: afterwards, point VIEW at the target (in the target's schema)
  -h, --help       show this help

${EMBEDDER_FORMS}

${URI_FORMS}

Example:
  vecstore reembed --from "$DATABASE_URL?table=chunks" --to "$DATABASE_URL?table=chunks_v2" \\
    --embedder ./embedder.ts --switch chunks_live`,
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    embedder: { type: 'string' },
    'text-key': { type: 'string' },
    batch: { type: 'string' },
    overwrite: { type: 'boolean' },
    switch: { type: 'string' },
  },
  async run(args) {
    positionals(args, [])
    const from = requiredOption(args, 'from')
    const to = requiredOption(args, 'to')
    checkDistinct(from, to)
    const view = stringOption(args, 'switch')
    const location = parseStoreUri(to)
    if (view !== undefined && location.kind !== 'postgres' && location.kind !== 'pglite') {
      throw new UsageError('--switch needs a Postgres target (postgres:// or pglite:)')
    }
    const embedder = await loadEmbedder(requiredOption(args, 'embedder'))
    const overwrite = args.values['overwrite'] === true
    const options = {
      textKey: stringOption(args, 'text-key') ?? 'content',
      batchSize: integerOption(args, 'batch', 500, 1, 10_000),
      overwrite,
    }
    const targetOptions = (source: OpenStore) => ({
      metric: source.backend.metric,
      dim: embedder.dimensions,
      model: embedder.model,
    })
    const report = await withStorePair(from, to, targetOptions, (source, target) => {
      note(
        `re-embedding ${source.label} -> ${target.label} with '${embedder.model}' (${embedder.dimensions} dims)`,
      )
      return runReembed(source, target, embedder, options)
    })
    print(
      `re-embedded ${report.written} entries with '${embedder.model}' (${report.skipped} already in the target, ${overwrite ? 'rewritten' : 'skipped'}; ${report.retries} rate-limit retries)`,
    )
    if (view !== undefined) await switchReaders(location, view)
    return 0
  },
}

// The view readers read now reads the target table, switched in one transaction.
async function switchReaders(location: StoreLocation, view: string): Promise<void> {
  if (location.kind !== 'postgres' && location.kind !== 'pglite') return
  const { switchView } = await import('../../pgvector/index.js')
  const table = location.table ?? 'vecstore_vectors'
  const { previous } = await switchView(
    location.kind === 'postgres' ? location.dsn : { pglite: location.dir },
    { view, table, ...(location.schema !== undefined && { schema: location.schema }) },
  )
  print(
    `view ${view} now reads ${table} (${previous === undefined ? 'new view' : `was ${previous.table}`})`,
  )
}

async function runReembed(
  source: OpenStore,
  target: OpenStore,
  embedder: Embedder,
  options: { textKey: string; batchSize: number; overwrite: boolean },
) {
  const bar = new ProgressBar('reembed', await source.backend.count({}))
  let done = 0
  const report = await reembed(source.backend, target.backend, {
    embedder,
    batchSize: options.batchSize,
    overwrite: options.overwrite,
    text: (entry) => textOf(entry, options.textKey),
    onProgress: (progress) => {
      bar.advance(progress.done - done)
      done = progress.done
    },
  })
  bar.finish()
  return report
}

function textOf(entry: { id: string; payload: Record<string, unknown> }, key: string): string {
  const text = entry.payload[key]
  if (typeof text !== 'string') {
    throw new UsageError(
      `entry ${JSON.stringify(entry.id.slice(0, 80))} has no string '${key}' in its payload: pass --text-key with the field holding its text`,
    )
  }
  return text
}
