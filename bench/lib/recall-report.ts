// The report's "Recall at scale" section: tune at 10k/100k/1M, the 1M build against COPY +
// CREATE INDEX, and vector / halfvec / binary quantization at 1,536 dims. From the JSON that
// bench/recall-scale.ts and bench/recall-size.ts leave in bench/results/.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readResult, RESULTS_DIR } from './results.js'
import { renderChart } from './svg-chart.js'

type Json = Record<string, unknown>
const SIZES = ['10k', '100k', '1M']

const f = (value: unknown, digits = 2) =>
  Number(value).toLocaleString('en-US', { maximumFractionDigits: digits })
const mib = (bytes: unknown) => `${f(Number(bytes) / 2 ** 20, 0)} MiB`

function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

function tuneRows(): [string, Json][] {
  return SIZES.flatMap((size) => {
    const result = readResult<Json>(`recall-scale-tune-${size}`)
    return result === undefined ? [] : [[size, result] as [string, Json]]
  })
}

function tuneSection(): string {
  const rows = tuneRows()
  if (rows.length === 0) return '_bench/recall-scale.ts --step=tune has not run._'
  const point = (key: 'defaults' | 'tuned') =>
    rows.map(([, r]) => ({
      x: Number(r['rows']),
      y: Number((r[key] as Json)['recallAt10']),
      label: key === 'tuned' ? `ef ${String((r['setting'] as Json | null)?.['value'] ?? '-')}` : '',
    }))
  writeFileSync(
    join(RESULTS_DIR, 'recall-vs-size.svg'),
    renderChart({
      title: 'recall@10 vs corpus size, pgvector HNSW (clustered 384-dim, held-out queries)',
      xLabel: 'corpus size (vectors)',
      yLabel: 'recall@10',
      xLog: true,
      legend: 'bottom-left',
      series: [
        { name: 'pgvector defaults (ef_search 40)', points: point('defaults') },
        { name: 'after tune({ recall: 0.95 })', points: point('tuned') },
      ],
    }),
  )
  return [
    '![recall@10 vs corpus size, with and without tune](recall-vs-size.svg)',
    '',
    table(
      [
        'n',
        'recall@10 defaults',
        'QPS defaults',
        'tuned ef_search',
        'recall@10 tuned',
        'QPS tuned',
        'tune seconds',
        'target 0.95',
      ],
      rows.map(([size, r]) => {
        const defaults = r['defaults'] as Json
        const tuned = r['tuned'] as Json
        const setting = r['setting'] as Json | undefined
        return [
          size,
          f(defaults['recallAt10'], 3),
          f(defaults['qps'], 0),
          setting === undefined ? 'not reached' : String(setting['value']),
          f(tuned['recallAt10'], 3),
          f(tuned['qps'], 0),
          f(r['tuneSeconds'], 0),
          Number(tuned['recallAt10']) >= 0.95 ? 'met' : '**missed**',
        ]
      }),
    ),
    '',
    `Recall on ${String(rows[0]?.[1]['checkQueries'])} held-out queries that tune never saw (tune itself chose on ${String(rows[0]?.[1]['tuneQueries'])} others, half to choose and half to check).`,
  ].join('\n')
}

function buildSection(): string {
  const rows = ['100k', '1M'].flatMap((size) => {
    const load = readResult<Json>(`recall-scale-load-${size}`)
    const copy = readResult<Json>(`recall-scale-copy-${size}`)
    if (load === undefined || copy === undefined) return []
    const ratio = Number(load['seconds']) / Number(copy['seconds'])
    return [
      [
        size,
        `${f(load['seconds'], 1)} s (${f(load['rowsPerSec'], 0)} rows/s)`,
        `${f(copy['seconds'], 1)} s (\\copy ${f(copy['copySeconds'], 1)} s)`,
        f(ratio, 3),
        ratio <= 1.1 ? 'met' : '**missed**',
        mib(load['indexBytes']),
      ],
    ]
  })
  if (rows.length === 0) return '_The build steps have not both run._'
  return `${table(
    [
      'rows x 384',
      'upsertMany (index deferred)',
      'psql \\copy (binary) + CREATE INDEX',
      'ratio',
      'target <= 1.1',
      'HNSW index',
    ],
    rows,
  )}\n\nBoth sides with maintenance_work_mem 4GB and 1 parallel maintenance worker.`
}

function sizeSection(): string {
  const size = readResult<Json>('recall-size')
  const figures = (size?.['figures'] as Json[] | undefined) ?? []
  const vector = figures.find((row) => row['layout'] === 'vector')
  if (size === undefined || vector === undefined) return '_bench/recall-size.ts has not run._'
  const storage = (row: Json) => Number(row['tableBytes']) + Number(row['indexBytes'])
  return [
    `${f(size['rows'], 0)} rows x ${String(size['dim'])} dims (clustered), ${String(size['queries'])} queries, HNSW m 16 / ef_construction 64 on each.`,
    '',
    table(
      [
        'layout',
        'table + index',
        'vs vector',
        'index',
        'index vs vector',
        'recall@10 defaults',
        'QPS',
        'tuned ef_search',
        'recall@10 tuned',
        'QPS tuned',
      ],
      figures.map((row) => {
        const defaults = row['defaults'] as Json
        const tuned = row['tuned'] as Json
        const setting = tuned['setting'] as Json | undefined
        return [
          String(row['layout']),
          mib(storage(row)),
          `${f((100 * storage(row)) / storage(vector), 1)}%`,
          mib(row['indexBytes']),
          `${f((100 * Number(row['indexBytes'])) / Number(vector['indexBytes']), 1)}%`,
          f(defaults['recallAt10'], 3),
          f(defaults['qps'], 0),
          setting === undefined ? 'not reached' : String(setting['value']),
          f(tuned['recallAt10'], 3),
          f(tuned['qps'], 0),
        ]
      }),
    ),
  ].join('\n')
}

/** The section's markdown (and recall-vs-size.svg beside the report). */
export function recallSection(): string {
  return [
    '### tune: recall@10 with and without it',
    '',
    tuneSection(),
    '',
    '### Million-row build',
    '',
    buildSection(),
    '',
    '### Storage against recall at 1,536 dimensions',
    '',
    sizeSection(),
  ].join('\n')
}
