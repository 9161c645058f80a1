import { type SQL, sql } from 'drizzle-orm'
import { BM25_B, BM25_K1, type HybridFusion, TEXT_SCORE_DECIMALS } from '../core/hybrid.js'
import type { QueryTarget } from './sql.js'
import { FULL_TEXT_COLUMN } from './table-spec.js'
import { METRIC_SQL } from './vector-table.js'

/** What one hybrid statement needs besides the table. */
export interface HybridStatement {
  /** The query vector as a pgvector literal. */
  readonly literal: string
  readonly text: string
  readonly language: string
  readonly topK: number
  readonly where: SQL
  readonly fusion: HybridFusion
}

/**
 * Hybrid search as ONE statement:
 * - `vector_side`: the `candidates` nearest rows (`ORDER BY embedding <op> $q
 *   LIMIT n`, which the HNSW index serves), ranked by distance, then id;
 * - `text_side`: rows whose `fulltext` matches `websearch_to_tsquery(language,
 *   text)` (the GIN index), ranked by BM25 over those matches, then id;
 * - the two joined (full outer join) and fused: Σ weight / (k + rank).
 * Both sides apply the filter before ranking. Ids order by code points (`COLLATE "C"`).
 */
export function hybridQuery(target: QueryTarget, statement: HybridStatement): SQL {
  const { fusion, where } = statement
  const table = target.table
  const column = sql.raw(`"${FULL_TEXT_COLUMN}"`)
  const operator = sql.raw(METRIC_SQL[target.metric].operator)
  const vector = sql`${statement.literal}::${sql.raw(target.vectorType)}`
  const tsquery = sql`websearch_to_tsquery(${statement.language}::regconfig, ${statement.text})`
  const n = fusion.candidates
  const k1 = sql.raw(`${BM25_K1}::float8`)
  const k1Plus1 = sql.raw(`${BM25_K1 + 1}::float8`)
  const b = sql.raw(`${BM25_B}::float8`)
  // BM25 per (entry, query term) row; df per term, N and the mean length over the matching entries.
  const term = sql`(ln(1 + (w."n" - w."df" + 0.5) / (w."df" + 0.5)) * (w."tf" * ${k1Plus1}))
      / (w."tf" + ${k1} * (1 - ${b} + (${b} * w."length") / (w."total" / w."n")))`
  return sql`WITH "vector_side" AS (
  SELECT "id", row_number() OVER (ORDER BY "distance", "id" COLLATE "C") AS "rank"
  FROM (SELECT "id", "embedding" ${operator} ${vector} AS "distance" FROM ${table}
    WHERE ${where} ORDER BY "distance" LIMIT ${n}) AS "nearest"
), "hits" AS MATERIALIZED (
  SELECT m."id", u."lexeme", cardinality(u."positions")::float8 AS "tf",
    (SELECT sum(cardinality(a."positions")) FROM unnest(m."tsv") AS a)::float8 AS "length"
  FROM (SELECT "id", ${column} AS "tsv" FROM ${table} WHERE ${column} @@ ${tsquery} AND ${where}) AS m
  CROSS JOIN LATERAL unnest(m."tsv") AS u
  WHERE u."lexeme" = ANY ((
    SELECT array_agg(DISTINCT replace(replace(q[1], '''''', ''''), '\\\\', '\\'))
    FROM regexp_matches((${tsquery})::text, '''((?:[^''\\\\]|''''|\\\\.)*)''', 'g') AS q
  )::text[])
), "text_side" AS (
  SELECT "id", row_number() OVER (ORDER BY "score" DESC, "id" COLLATE "C") AS "rank"
  FROM (
    SELECT w."id", round(sum(${term})::numeric, ${sql.raw(String(TEXT_SCORE_DECIMALS))}) AS "score"
    FROM (
      SELECT h.*, count(*) OVER (PARTITION BY h."lexeme")::float8 AS "df",
        (count(*) FILTER (WHERE h."first") OVER ())::float8 AS "n",
        (sum(h."length") FILTER (WHERE h."first") OVER ())::float8 AS "total"
      FROM (SELECT *, row_number() OVER (PARTITION BY "id") = 1 AS "first" FROM "hits") AS h
    ) AS w
    GROUP BY w."id"
  ) AS "scored"
  ORDER BY "score" DESC, "id" COLLATE "C" LIMIT ${n}
), "fused" AS (
  SELECT coalesce(v."id", t."id") AS "id",
    coalesce(${fusion.vectorWeight}::float8 / (${fusion.k}::float8 + v."rank"), 0)
      + coalesce(${fusion.textWeight}::float8 / (${fusion.k}::float8 + t."rank"), 0) AS "fused_score"
  FROM "vector_side" AS v FULL OUTER JOIN "text_side" AS t ON t."id" = v."id"
), "best" AS (
  SELECT "id", "fused_score" FROM "fused" ORDER BY "fused_score" DESC, "id" COLLATE "C" LIMIT ${statement.topK}
)
SELECT "best"."id", "best"."fused_score", ${target.payload}
FROM "best" JOIN ${table} USING ("id")
ORDER BY "best"."fused_score" DESC, "best"."id" COLLATE "C"`
}
