import type { SQL } from 'drizzle-orm'
import {
  EXACT_EXTRA_ROWS,
  type PlanNode,
  planOf,
  prefersExact,
  runWithSettings,
  type SearchContext,
  type SearchTuning,
  candidates,
  sessionSettings,
} from './search-runner.js'
import { exactSearchQuery, explainQuery, searchQuery } from './sql.js'

/** What `explain()` reports about a search's query plan. */
export interface SearchPlan {
  /** True when the plan scans the table's vector index (HNSW or IVFFlat). */
  readonly usesVectorIndex: boolean
  /** The vector index the table has, if any. */
  readonly vectorIndex: string | undefined
  /** The session settings the search applies with `SET LOCAL`. */
  readonly settings: readonly (readonly [string, string])[]
  /** The plan as indented text, one node per line. */
  readonly text: string
  /** The plan as Postgres reports it (`EXPLAIN (FORMAT JSON)`). */
  readonly plan: unknown
}

const VECTOR_TEXT = /'\[[^\]']*\]'/g

/**
 * Plans (and with `analyze`, runs) exactly the query `search()` runs first,
 * with the same `SET LOCAL` settings in the same kind of transaction.
 */
export async function explainSearch(
  context: SearchContext,
  literal: string,
  topK: number,
  where: SQL,
  options: SearchTuning & { readonly analyze?: boolean },
): Promise<SearchPlan> {
  const limit = topK + 1
  const exact =
    context.vectorIndex === undefined ||
    (options.filtered && (await prefersExact(context, where, topK, options)))
  const settings = exact ? [] : sessionSettings(context, limit, options)
  const search = exact
    ? exactSearchQuery(context.target, literal, limit + EXACT_EXTRA_ROWS, limit, where)
    : searchQuery(context.target, literal, limit, where, candidates(limit, options))
  const query = explainQuery(search, options.analyze ?? false)
  const rows = await runWithSettings(context, settings, query)
  const root = planOf(rows) ?? {}
  const indexName = context.vectorIndex?.name
  const nodes = flatten(root, 0)
  return {
    usesVectorIndex:
      indexName !== undefined &&
      nodes.some(
        ([node]) =>
          String(node['Node Type']).startsWith('Index') && node['Index Name'] === indexName,
      ),
    vectorIndex: indexName,
    settings,
    text: nodes.map(([node, depth]) => describe(node, depth)).join('\n'),
    plan: parsed(rows[0]?.['QUERY PLAN']),
  }
}

/** A plan's nodes, depth first, with their depth. */
export function flatten(node: PlanNode, depth: number): [PlanNode, number][] {
  return [[node, depth], ...(node.Plans ?? []).flatMap((child) => flatten(child, depth + 1))]
}

/** One plan node as a line of text. */
export function describe(node: PlanNode, depth: number): string {
  const parts = [String(node['Node Type'])]
  if (node['Index Name'] !== undefined) parts.push(`using ${String(node['Index Name'])}`)
  if (node['Relation Name'] !== undefined) parts.push(`on ${String(node['Relation Name'])}`)
  for (const key of ['Order By', 'Index Cond', 'Recheck Cond', 'Filter', 'Sort Key']) {
    // The query vector is inlined in the plan: shorten it, it is noise here.
    if (node[key] !== undefined)
      parts.push(`[${key}: ${String(node[key]).replace(VECTOR_TEXT, "'[…]'")}]`)
  }
  parts.push(`(rows=${String(node['Plan Rows'])}`)
  if (node['Actual Rows'] !== undefined) parts.push(`actual=${String(node['Actual Rows'])}`)
  return `${'  '.repeat(depth)}${parts.join(' ')})`
}

function parsed(raw: unknown): unknown {
  return typeof raw === 'string' ? JSON.parse(raw) : raw
}
