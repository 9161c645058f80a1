import type { SQL } from 'drizzle-orm'
import type { SearchHit } from '../core/backend.js'
import { UnsupportedFeatureError } from '../core/errors.js'
import type { HybridFusion } from '../core/hybrid.js'
import { describe, flatten, type SearchPlan } from './explain.js'
import { hybridQuery } from './hybrid-query.js'
import {
  payloadOf,
  planOf,
  runWithSettings,
  type SearchContext,
  type SearchTuning,
  sessionSettings,
} from './search-runner.js'
import { explainQuery } from './sql.js'
import type { FullTextSpec } from './table-spec.js'
import { fullTextIndexName } from './vector-table.js'

/** What a hybrid search runs on: the search context and the table's full text. */
export interface HybridContext extends SearchContext {
  /** The table's declared full text, if any. */
  readonly fullText: FullTextSpec | undefined
  /** The generated `fulltext` column exists. */
  readonly hasFullText: boolean
  /** The table's name, for the full-text index name. */
  readonly tableName: string
}

/** One hybrid search's arguments, validated. */
export interface HybridArguments {
  readonly literal: string
  readonly text: string
  readonly topK: number
  readonly where: SQL
  readonly fusion: HybridFusion
  readonly tuning: SearchTuning
}

/** What `explainHybrid()` reports: a search plan, plus whether the text side uses the full-text index. */
export interface HybridPlan extends SearchPlan {
  /** True when the plan scans the table's GIN index on `fulltext`. */
  readonly usesFullTextIndex: boolean
}

/** Runs the hybrid statement (see `hybridQuery`) with the vector side's session settings. */
export async function runHybridSearch(
  context: HybridContext,
  args: HybridArguments,
): Promise<SearchHit[]> {
  const { query, settings } = prepare(context, args)
  const rows = await runWithSettings(context, settings, query)
  return rows.map((row) => ({
    id: String(row['id']),
    score: Number(row['fused_score']),
    payload: payloadOf(row['payload']),
  }))
}

/** Plans (with `analyze`, runs) the hybrid statement with its settings. */
export async function explainHybridSearch(
  context: HybridContext,
  args: HybridArguments,
  analyze: boolean,
): Promise<HybridPlan> {
  const { query, settings } = prepare(context, args)
  const rows = await runWithSettings(context, settings, explainQuery(query, analyze))
  const nodes = flatten(planOf(rows) ?? {}, 0)
  const uses = (name: string | undefined) =>
    name !== undefined &&
    nodes.some(
      ([node]) => String(node['Node Type']).includes('Index') && node['Index Name'] === name,
    )
  const raw = rows[0]?.['QUERY PLAN']
  return {
    usesVectorIndex: uses(context.vectorIndex?.name),
    usesFullTextIndex: uses(fullTextIndexName(context.tableName)),
    vectorIndex: context.vectorIndex?.name,
    settings,
    text: nodes.map(([node, depth]) => describe(node, depth)).join('\n'),
    plan: typeof raw === 'string' ? JSON.parse(raw) : raw,
  }
}

function prepare(context: HybridContext, args: HybridArguments) {
  if (context.fullText === undefined || !context.hasFullText) {
    throw new UnsupportedFeatureError(
      'hybridSearch',
      context.fullText === undefined
        ? 'this table declares no full text: declare it with fullText: { source } (vectorTable or PgvectorBackend options)'
        : 'the table has no "fulltext" column: apply your migrations (or let the backend manage the schema)',
    )
  }
  const n = args.fusion.candidates
  // The vector side must find `candidates` rows: ef_search at least that, iterative scans when filtered.
  const settings = context.vectorIndex === undefined ? [] : sessionSettings(context, n, args.tuning)
  const query = hybridQuery(context.target, {
    literal: args.literal,
    text: args.text,
    language: context.fullText.language,
    topK: args.topK,
    where: args.where,
    fusion: args.fusion,
  })
  return { query, settings }
}
