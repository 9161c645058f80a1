import { type Command, positionals } from '../command.js'
import { formatBytes, print, printTable } from '../output.js'
import { URI_FORMS } from '../store-uri.js'
import type { BackendStats } from '../../index.js'
import { openStore } from '../stores/open-store.js'

/** `vecstore stats URI`: count, dimension, metric, index and size. */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'print count, dimension, metric, model, index and size of a store',
  help: `Usage: vecstore stats URI [--json]

Prints a store's entry count, dimension, metric, embedding model (when one is
recorded), vector index (kind and parameters) and size on disk. Reads only: a
missing store is an error.

Options:
  --json        print one JSON object instead of a table
  -h, --help    show this help

${URI_FORMS}`,
  options: { json: { type: 'boolean' } },
  async run(args) {
    const [uri] = positionals(args, ['URI'])
    const store = await openStore(uri as string, { mode: 'read' })
    try {
      const stats = await store.backend.stats()
      if (args.values['json'] === true)
        print(JSON.stringify({ store: store.label, ...statsJson(stats) }))
      else printTable([['store', store.label], ...statsRows(stats)])
      return 0
    } finally {
      await store.close()
    }
  },
}

function statsJson(stats: BackendStats) {
  return {
    count: stats.count,
    dimensions: stats.dimensions ?? null,
    metric: stats.metric,
    model: stats.model ?? null,
    index: stats.kind,
    indexParameters: Object.fromEntries([
      ...(stats.name === undefined ? [] : [['name', stats.name]]),
      ...stats.parameters,
    ]),
    sizes: Object.fromEntries(stats.sizes),
  }
}

function statsRows(stats: BackendStats): [string, string][] {
  const named = stats.name === undefined ? [] : [['name', stats.name] as const]
  const params = [...named, ...stats.parameters].map(([key, value]) => `${key}=${value}`).join(', ')
  const sizes = stats.sizes.map(([label, bytes]) => `${label} ${formatBytes(bytes)}`).join(', ')
  return [
    ['count', String(stats.count)],
    ['dimensions', stats.dimensions === undefined ? 'not fixed yet' : String(stats.dimensions)],
    ['metric', stats.metric],
    ['model', stats.model ?? 'not recorded'],
    ['index', params === '' ? stats.kind : `${stats.kind} (${params})`],
    ['size', sizes === '' ? 'not reported by the server' : sizes],
  ]
}
