import { type Command, positionals } from '../command.js'
import { formatBytes, print, printTable } from '../output.js'
import { URI_FORMS } from '../store-uri.js'
import type { BackendStats } from '../../index.js'
import type { PgvectorStats, ReplicaStatus, TunedSetting } from '../../pgvector/index.js'
import { openStore } from '../stores/open-store.js'

/** `vecstore stats URI`: count, dimension, metric, index and size. */
export const statsCommand: Command = {
  name: 'stats',
  summary: 'print count, dimension, metric, model, index and size of a store',
  help: `Usage: vecstore stats URI [--replica URL]... [--json]

Prints a store's entry count, dimension, metric, embedding model (when one is
recorded), vector index (kind and parameters), the search setting recorded by
\`vecstore tune\` (Postgres) with when it was measured, and size on disk. Reads only: a
missing store is an error.
With --replica (postgres:// stores), also each replica's state and lag.

Options:
  --replica URL  a read replica of the postgres:// store (repeatable)
  --json         print one JSON object instead of a table
  -h, --help     show this help

${URI_FORMS}`,
  options: { json: { type: 'boolean' }, replica: { type: 'string', multiple: true } },
  async run(args) {
    const [uri] = positionals(args, ['URI'])
    const replicas = (args.values['replica'] ?? []) as string[]
    const store = await openStore(uri as string, { mode: 'read', replicas })
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
    ...(tunedOf(stats) !== undefined && { tuned: tunedOf(stats) }),
    ...replicationOf(stats),
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
    ...tunedRows(tunedOf(stats)),
    ['size', sizes === '' ? 'not reported by the server' : sizes],
    ...replicaRows(stats),
  ]
}

// A pgvector table's recorded search setting, if any.
function tunedOf(stats: BackendStats): TunedSetting | undefined {
  return (stats as PgvectorStats).tuned
}

function tunedRows(tuned: TunedSetting | undefined): [string, string][] {
  if (tuned === undefined) return []
  return [
    [
      'tuned',
      `${tuned.parameter}=${tuned.value} for recall@${tuned.k} ${tuned.targetRecall} (measured ${tuned.recall.toFixed(3)} on ${tuned.queries} held-out queries, ${tuned.measuredAt})`,
    ],
  ]
}

/** What a pgvector backend with replicas adds to its stats. */
interface Replication {
  readonly replicas: readonly ReplicaStatus[]
  readonly primaryReads: number
}

function replicationOf(stats: BackendStats): Replication | Record<never, never> {
  const { replicas, primaryReads } = stats as Partial<Replication>
  return replicas === undefined ? {} : { replicas, primaryReads: primaryReads ?? 0 }
}

// One row per replica: state, then lag (bytes of WAL to replay, seconds behind).
function replicaRows(stats: BackendStats): [string, string][] {
  const replication = replicationOf(stats)
  if (!('replicas' in replication)) return []
  return replication.replicas.map((status) => {
    const lag =
      status.state === 'up'
        ? `, lag ${formatBytes(status.lagBytes ?? 0)}${status.lagSeconds === undefined ? '' : ` (${status.lagSeconds.toFixed(3)} s)`}`
        : ''
    return [status.replica, `${status.state}${lag}`]
  })
}
