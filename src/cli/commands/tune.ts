import { readFileSync, writeFileSync } from 'node:fs'
import { type TuneResult, PgvectorBackend } from '../../pgvector/index.js'
import { inContext, UsageError } from '../cli-errors.js'
import {
  type Command,
  integerOption,
  positionals,
  requiredOption,
  stringOption,
} from '../command.js'
import { note, print } from '../output.js'
import { parseStoreUri, URI_FORMS } from '../store-uri.js'
import { openStore } from '../stores/open-store.js'
import { tuneSvg } from '../tune-svg.js'

/** `vecstore tune URI --recall R`: the cheapest ef_search/probes that reaches R, recorded. */
export const tuneCommand: Command = {
  name: 'tune',
  summary: 'find and record the cheapest ef_search/probes reaching a recall',
  help: `Usage: vecstore tune URI --recall R [--sample N | --queries FILE] [--k N] [--svg FILE] [--json]
       vecstore tune URI --clear

Sweeps HNSW's ef_search (IVFFlat's probes) from cheap to costly, measuring
recall@k against exact searches, and records with the table the first value
whose recall reaches R on half the queries and again on the other half (held
out). Every search then uses it unless the app sets its own. Prints the
recall/latency curve. Reads only, apart from that record: writers are never
blocked. Exits 1 when no value reaches R (nothing is recorded).

Options:
  --recall R      recall@k to reach, in (0, 1], e.g. 0.95
  --sample N      stored vectors sampled as queries (2-10000, default 100)
  --queries FILE  queries of your own: a JSON array of vectors, or one JSON vector per line
  --k N           the k of recall@k (1-1000, default 10)
  --svg FILE      also write the curve as an SVG chart
  --clear         forget the recorded setting
  --json          print one JSON object
  -h, --help      show this help

Postgres stores only (postgres:// and pglite:).
${URI_FORMS}`,
  options: {
    recall: { type: 'string' },
    sample: { type: 'string' },
    queries: { type: 'string' },
    k: { type: 'string' },
    svg: { type: 'string' },
    clear: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(args) {
    const [uri] = positionals(args, ['URI'])
    const kind = parseStoreUri(uri as string).kind
    if (kind !== 'postgres' && kind !== 'pglite') {
      throw new UsageError('tune applies to Postgres stores (postgres:// and pglite:)')
    }
    const clear = args.values['clear'] === true
    const options = clear ? undefined : tuneOptions(args)
    const store = await openStore(uri as string, { mode: 'read' })
    try {
      const backend = store.backend as unknown as PgvectorBackend
      if (options === undefined) {
        await backend.clearTuning()
        print(`${store.label}: the recorded setting is forgotten`)
        return 0
      }
      const result = await backend.tune(options).catch((error: unknown) => {
        throw inContext(error, store.label)
      })
      const svg = stringOption(args, 'svg')
      if (svg !== undefined) writeFileSync(svg, tuneSvg(result, options.recall))
      if (args.values['json'] === true)
        print(JSON.stringify({ store: store.label, ...jsonOf(result) }))
      else printResult(store.label, result, options.recall)
      return result.setting === undefined ? 1 : 0
    } finally {
      await store.close()
    }
  },
}

function tuneOptions(args: Parameters<Command['run']>[0]) {
  const recallText = requiredOption(args, 'recall')
  const recall = Number(recallText)
  if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(recallText) || recall <= 0) {
    throw new UsageError('expected --recall to be a number in (0, 1], e.g. 0.95')
  }
  const file = stringOption(args, 'queries')
  if (file !== undefined && stringOption(args, 'sample') !== undefined) {
    throw new UsageError('give either --sample or --queries, not both')
  }
  const k = integerOption(args, 'k', 10, 1, 1000)
  if (file !== undefined) return { recall, k, queries: readQueries(file) }
  return { recall, k, sample: integerOption(args, 'sample', 100, 2, 10_000) }
}

// A JSON array of vectors, or JSON lines of one vector each.
function readQueries(file: string): number[][] {
  const text = readFileSync(file, 'utf8').trim()
  let queries: unknown
  try {
    queries =
      text.startsWith('[[') || text.startsWith('[ [') || text.startsWith('[\n')
        ? JSON.parse(text)
        : text
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as unknown)
  } catch {
    throw new UsageError(`${file}: expected a JSON array of vectors, or one JSON vector per line`)
  }
  const valid =
    Array.isArray(queries) &&
    queries.every((query) => Array.isArray(query) && query.every((x) => typeof x === 'number'))
  if (!valid) throw new UsageError(`${file}: expected every query to be an array of numbers`)
  return queries as number[][]
}

function printResult(label: string, result: TuneResult, target: number): void {
  print(`store    ${label}`)
  print(result.chart)
  const { setting } = result
  if (setting === undefined) {
    const best = Math.max(...result.curve.map((point) => point.recall))
    note(
      `no ${result.parameter} tried reaches recall ${target} (best ${best.toFixed(3)}): nothing recorded. The index itself limits recall: rebuild it with a larger m or ef_construction (HNSW) or more lists (IVFFlat), then tune again`,
    )
    return
  }
  print(
    `recorded ${setting.parameter}=${setting.value}: recall@${setting.k} ${setting.recall.toFixed(3)} on ${setting.queries} held-out queries (target ${target})`,
  )
}

function jsonOf(result: TuneResult) {
  return {
    parameter: result.parameter,
    setting: result.setting ?? null,
    curve: result.curve,
    heldOut: result.heldOut,
  }
}
