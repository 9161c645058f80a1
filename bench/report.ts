/**
 * Writes bench/results/report.md and its SVG charts from the JSON the benchmarks left in
 * bench/results/. `npx tsx bench/report.ts` (bench/run.ts calls it after the benchmarks).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  anchorComparisons,
  chromaComparisons,
  type Comparison,
  memoryComparisons,
  pgvectorComparisons,
  reembedComparisons,
} from './lib/comparisons.js'
import { describeMachine } from './lib/machine.js'
import { recallSection } from './lib/recall-report.js'
import { readResult, RESULTS_DIR } from './lib/results.js'
import { type ChartSeries, renderChart } from './lib/svg-chart.js'
import { sizeLabel } from './lib/synthetic.js'

type Json = Record<string, unknown>
const memory = readResult<Json>('memory')
const chroma = readResult<Json>('chroma')
const pgvector = readResult<Json>('pgvector')
const anchors = readResult<Json>('pgvector-anchors')
const sweep = readResult<Json>('pgvector-sweep')
const scaling = readResult<Json>('scaling')
const reembed = readResult<Json>('reembed')
const hybridEval = readResult<Json>('hybrid-eval')
const hybridLatency = readResult<Json>('hybrid-latency')
const run = readResult<Json>('run')

const f = (value: unknown, digits = 2) =>
  Number(value).toLocaleString('en-US', { maximumFractionDigits: digits })
const mib = (bytes: unknown) => `${f(Number(bytes) / 2 ** 20, 0)} MiB`

/** The installed version of a package under `from`/node_modules. */
function version(pkg: string, from: string): string {
  try {
    const file = join(from, 'node_modules', pkg, 'package.json')
    return (JSON.parse(readFileSync(file, 'utf8')) as Json)['version'] as string
  } catch {
    return 'not installed'
  }
}

function table(headers: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

function machineSection(): string {
  const machine = describeMachine()
  const server = (pgvector?.['server'] as Json | undefined) ?? {}
  const benchDir = new URL('./', import.meta.url).pathname
  const rootDir = new URL('../', import.meta.url).pathname
  const rows = [
    ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
    ['RAM', `${machine.ramGiB} GiB`],
    ['OS', `${machine.os} (Linux ${machine.kernel})`],
    ['Node', machine.node],
    ['PostgreSQL', String(server['version'] ?? 'not run').split(' on ')[0] as string],
    ['pgvector', String(server['pgvector'] ?? 'not run')],
    [
      'Chroma server',
      `${String(chroma?.['server'] ?? 'not run')} (${String(chroma?.['binding'] ?? '')})`,
    ],
    ['chromadb client', version('chromadb', rootDir)],
    ['postgres.js', version('postgres', rootDir)],
    ['@langchain/classic', version('@langchain/classic', benchDir)],
    ['@langchain/community', version('@langchain/community', benchDir)],
    ['@mastra/pg', version('@mastra/pg', benchDir)],
  ]
  return table(['', ''], rows)
}

function comparisonSection(rows: Comparison[]): string {
  const verdict = (c: Comparison) => (c.met === undefined ? '' : c.met ? 'met' : '**missed**')
  return table(
    ['where', 'measure', 'vecstore', 'anchor', 'anchor value', 'ratio', 'value', 'target', ''],
    rows.map((c) => [
      c.area,
      c.measure,
      c.vecstore,
      c.anchorName,
      c.anchor,
      c.ratioLabel,
      f(c.ratio, 3),
      c.target || '—',
      verdict(c),
    ]),
  )
}

function anchorsSection(): string {
  const libs = (anchors?.['libraries'] as Json[] | undefined) ?? []
  if (!libs.length) return '_Not run._'
  return [
    `${f(anchors?.['rows'], 0)} rows x 384 (clustered, cosine), ${f(anchors?.['queries'], 0)} queries taking turns per query; HNSW m 16, ef_construction 64 on every table; each library with its defaults at query time.`,
    '',
    table(
      [
        'library',
        'load + HNSW build, rows/s',
        'p50 ms',
        'p95 ms',
        'QPS (1 client)',
        'recall@10',
        'used the HNSW index',
      ],
      libs.map((l) => [
        String(l['name']),
        f(l['loadRowsPerSec'], 0),
        f(l['p50Ms'], 3),
        f(l['p95Ms'], 3),
        f(l['qps'], 0),
        f(l['recallAt10'], 3),
        l['usedHnswIndex'] ? 'yes' : 'no (exact scan)',
      ]),
    ),
  ].join('\n')
}

function sweepSection(): string {
  const points = (sweep?.['points'] as Json[] | undefined) ?? []
  if (!points.length) return '_Not run._'
  writeFileSync(
    join(RESULTS_DIR, 'recall-vs-qps.svg'),
    renderChart({
      title: `pgvector HNSW on Fashion-MNIST ${sizeLabel(Number(sweep?.['corpus']))} (L2): ef_search sweep`,
      xLabel: 'recall@10',
      yLabel: 'queries per second (1 client)',
      legend: 'bottom-left',
      series: [
        {
          name: 'PgvectorBackend, HNSW m 16, ef_construction 64',
          points: points.map((p) => ({
            x: Number(p['recallAt10']),
            y: Number(p['qps']),
            label: `ef ${String(p['efSearch'])}`,
          })),
        },
      ],
    }),
  )
  return [
    `Corpus ${f(sweep?.['corpus'], 0)} x 784, ${f(sweep?.['queries'], 0)} test images as queries, exact L2 top-10 as truth; load + index build ${f(sweep?.['loadSec'], 1)} s.`,
    '',
    '![recall@10 vs QPS](recall-vs-qps.svg)',
    '',
    table(
      ['ef_search', 'recall@10', 'QPS', 'p50 ms', 'p95 ms'],
      points.map((p) => [
        String(p['efSearch']),
        f(p['recallAt10'], 4),
        f(p['qps'], 0),
        f(p['p50Ms'], 3),
        f(p['p95Ms'], 3),
      ]),
    ),
  ].join('\n')
}

function scalingSection(): string {
  const mem = (scaling?.['memory'] as Json[] | undefined) ?? []
  const pg = (scaling?.['pgvector'] as Json[] | undefined) ?? []
  if (!mem.length) return '_Not run._'
  const series = (rows: Json[], key: string, name: string, dashed = false): ChartSeries => ({
    name,
    dashed,
    points: rows.map((r) => ({ x: Number(r['n']), y: Number(r[key]) })),
  })
  writeFileSync(
    join(RESULTS_DIR, 'latency-vs-size.svg'),
    renderChart({
      title: 'Top-10 query latency vs corpus size (384-dim, cosine)',
      xLabel: 'corpus size (vectors)',
      yLabel: 'latency, ms',
      xLog: true,
      yLog: true,
      series: [
        series(mem, 'p50Ms', 'in-memory (exact) p50'),
        series(mem, 'p95Ms', 'in-memory (exact) p95', true),
        series(pg, 'p50Ms', 'pgvector HNSW p50'),
        series(pg, 'p95Ms', 'pgvector HNSW p95', true),
      ],
    }),
  )
  writeFileSync(
    join(RESULTS_DIR, 'load-vs-size.svg'),
    renderChart({
      title: 'Load throughput vs corpus size (384-dim)',
      xLabel: 'corpus size (vectors)',
      yLabel: 'rows per second',
      xLog: true,
      yLog: true,
      legend: 'bottom-right',
      series: [
        series(mem, 'loadRowsPerSec', 'in-memory upsertMany'),
        series(pg, 'loadRowsPerSec', 'pgvector upsertMany (HNSW built in the call)'),
      ],
    }),
  )
  const rows = [
    ...mem.map(
      (m) =>
        [
          'in-memory (exact)',
          m,
          `${mib(m['peakRssBytes'])} peak RSS (vectors: ${mib(m['vectorBytes'])})`,
        ] as const,
    ),
    ...pg.map(
      (p) =>
        [
          'pgvector HNSW',
          p,
          `${mib(p['tableBytes'])} table + indexes (HNSW ${mib(p['indexBytes'])})`,
        ] as const,
    ),
  ]
  return [
    `Synthetic clustered set (100 gaussian clusters, 384 dims, cosine), ${f(scaling?.['queries'], 0)} queries per size. Recall of pgvector against the exact in-memory result; recall of the in-memory backend against a plain double-precision scan over 10 queries.`,
    '',
    '![latency vs corpus size](latency-vs-size.svg)',
    '',
    '![load throughput vs corpus size](load-vs-size.svg)',
    '',
    table(
      ['backend', 'n', 'load rows/s', 'p50 ms', 'p95 ms', 'QPS (1 client)', 'recall@10', 'memory'],
      rows.map(([name, r, memoryText]) => [
        name,
        sizeLabel(Number(r['n'])),
        f(r['loadRowsPerSec'], 0),
        f(r['p50Ms'], 3),
        f(r['p95Ms'], 3),
        f(r['qps'], 0),
        f(r['recallAt10'], 3),
        memoryText,
      ]),
    ),
  ].join('\n')
}

function hybridSection(): string {
  const parts: string[] = []
  const summary = hybridEval?.['summary'] as Record<string, Json> | undefined
  if (summary) {
    const cell = (group: Json, mode: string) => {
      const m = group[mode] as Json
      return `${f(100 * Number(m['recallAt10']), 1)} / ${f(m['mrrAt10'], 3)}`
    }
    parts.push(
      `Known-item search on ${f(hybridEval?.['documents'], 0)} Debian package descriptions (synopsis as query, \`textMatch: '${String(hybridEval?.['textMatch'])}'\`, ${String(hybridEval?.['backend'] ?? 'InMemoryVectorBackend')}), LSA ${f(hybridEval?.['dimensions'], 0)} dims as the dense side; recall@10 (%) / MRR@10:`,
      '',
      table(
        ['queries', 'n', 'vector-only', 'text-only (BM25)', 'hybrid (RRF)'],
        Object.entries(summary).map(([name, group]) => [
          name,
          f(group['queries'], 0),
          cell(group, 'vector'),
          cell(group, 'text'),
          cell(group, 'hybrid'),
        ]),
      ),
    )
  }
  const figures = hybridLatency?.['figures'] as Record<string, Json> | undefined
  if (figures) {
    const vectorP95 = Number((figures['vector'] as Json)['p95Ms'])
    parts.push(
      '',
      `PgvectorBackend at ${f(hybridLatency?.['rows'], 0)} rows, text search configuration '${String(hybridLatency?.['language'] ?? 'simple')}', ${f(hybridLatency?.['queries'], 0)} queries taking turns (target: hybrid p95 <= 1.5x vector-only p95):`,
      '',
      table(
        ['search', 'p50 ms', 'p95 ms', 'p95 / vector-only'],
        Object.entries(figures).map(([mode, m]) => [
          mode,
          f(m['p50Ms'], 2),
          f(m['p95Ms'], 2),
          f(Number(m['p95Ms']) / vectorP95, 2),
        ]),
      ),
    )
  }
  return parts.length ? parts.join('\n') : '_Not run._'
}

function runSection(): string {
  const steps = (run?.['steps'] as Json[] | undefined) ?? []
  if (!steps.length) return '_Benchmarks run one by one, not through bench/run.ts._'
  return table(
    ['script', 'seconds', 'status'],
    steps.map((s) => [String(s['script']), f(s['seconds'], 1), String(s['status'])]),
  )
}

const comparisons = [
  ...memoryComparisons(memory),
  ...pgvectorComparisons(pgvector),
  ...anchorComparisons(anchors),
  ...chromaComparisons(chroma),
  ...reembedComparisons(reembed),
]
const slower = comparisons.flatMap((c) => (c.slower ? [c.slower] : []))
const recall = Number((pgvector?.['recall'] as Json | undefined)?.['recallAt10'])
const snapshotMs = Number((memory?.['load'] as Json | undefined)?.['loadMs'])
const snapshotN = Number(memory?.['n'])
const snapshotVerdict =
  snapshotN === 100_000 ? (snapshotMs < 2000 ? 'met' : '**missed**') : 'the target is set at 100k'
const mode = String(run?.['mode'] ?? pgvector?.['mode'] ?? 'unknown')
// The 1M scaling point may come from a later `bench/scaling.ts --scale=1m` run: say how to get it.
const withMillion = String(scaling?.['mode']).includes('1m')
const reproduce = withMillion ? 'npm run bench -- --scale=1m' : 'npm run bench'
const report = `# vecstore benchmark report

Run ${String(run?.['date'] ?? new Date().toISOString())}, mode **${mode}**${run ? `, ${f(Number(run['seconds']) / 60, 1)} minutes in all` : ''}. Reproduce with \`${reproduce}\` (\`npm run bench:quick\` for the smaller run). Absolute timings depend on the machine and on what else ran on it; the ratios are measured side by side in one run.

## Machine

${machineSection()}

## Ratios against the anchors

Each row: the vecstore figure, the alternative measured next to it in the same run, the ratio the issues set a target for (or none), and whether the target was met.

${comparisonSection(comparisons)}

pgvector recall@10 with the default HNSW on Fashion-MNIST (L2, vs exact): **${f(recall, 4)}** (target >= 0.95: ${recall >= 0.95 ? 'met' : '**missed**'}).

In-memory snapshot load, ${f(snapshotN, 0)} x 384: **${f(snapshotMs, 0)} ms** (target < 2000 ms at 100k: ${snapshotVerdict}).

## Where vecstore is slower

${slower.length ? slower.map((s) => `- ${s}`).join('\n') : 'Nowhere in this run.'}

## PgvectorBackend, LangChain PGVectorStore and @mastra/pg on the same data

${anchorsSection()}

## Recall against speed: pgvector HNSW ef_search sweep

${sweepSection()}

## How cost grows with the corpus

${scalingSection()}

## Hybrid search: quality and cost

${hybridSection()}

## Recall at scale: tune, halfvec, binary quantization, million-row builds

From \`bench/recall-scale.ts\` and \`bench/recall-size.ts\` (run apart from \`npm run bench\`: see docs/recall.md).

${recallSection()}

## Run

${runSection()}
`
writeFileSync(join(RESULTS_DIR, 'report.md'), report)
console.log('written to bench/results/report.md (+ SVG charts)')
