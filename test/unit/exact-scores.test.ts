import { describe, expect, it } from 'vitest'
import { float32ErrorBound, referenceScore } from '../../src/core/metric.js'
import { TopK } from '../../src/memory/top-k.js'
import {
  engineQuery,
  exactScores,
  mayTie,
  parseVectorText,
  toHalf,
} from '../../src/pgvector/exact-scores.js'
import { exactSearchQuery, type QueryTarget, tableName } from '../../src/pgvector/sql.js'
import { compareIds } from '../../src/core/validate.js'
import { PgDialect } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'

describe('referenceScore', () => {
  it('ties duplicates and power-of-two multiples exactly under cosine, within [-1, 1]', () => {
    const base = Float32Array.from([0.1, 0.7, -0.3])
    const twice = base.map((x) => 2 * x)
    expect(referenceScore('cosine', base, base)).toBe(1)
    expect(referenceScore('cosine', base, twice)).toBe(1)
    expect(
      referenceScore(
        'cosine',
        twice,
        base.map((x) => -x),
      ),
    ).toBe(-1)
  })
})

describe('TopK near misses', () => {
  it('remembers rows within the slack below the final cut-off, not those further down', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f']
    const keys = [0.5, 0.9, 0.8999, 0.2, 0.8995, 0.95]
    const best = new TopK(2, ids, { absolute: 0.001, relative: 0 })
    keys.forEach((key, slot) => {
      if (best.admits(key, slot)) best.push(key, slot)
    })
    expect(best.sorted().map(({ slot }) => ids[slot])).toEqual(['f', 'b'])
    // c (0.8999) and e (0.8995) are within 0.001 of the cut-off 0.9; a and d are not.
    expect(
      best
        .nearMisses()
        .map((slot) => ids[slot])
        .sort(),
    ).toEqual(['c', 'e'])
  })
})

describe('pgvector exact scores', () => {
  it('reads the float32 values pgvector prints', () => {
    expect(Array.from(parseVectorText('[1,0.1,-2.5e-08]'))).toEqual(
      Array.from(Float32Array.from([1, 0.1, -2.5e-8])),
    )
  })

  it('rounds to half precision like pgvector (ties to even, subnormals)', () => {
    expect(toHalf(1)).toBe(1)
    expect(toHalf(0.1)).toBe(0.0999755859375)
    expect(toHalf(-65504)).toBe(-65504)
    expect(toHalf(1 + 2 ** -11)).toBe(1)
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9)
    expect(toHalf(2 ** -25)).toBe(0)
    expect(toHalf(3 * 2 ** -26)).toBe(2 ** -24)
    expect(toHalf(0.7 * 2 ** -14)).toBe(717 * 2 ** -24)
    expect(Array.from(engineQuery('[0.1,1]', 'halfvec'))).toEqual([0.0999755859375, 1])
  })

  it('sees a possible tie within float32 error, and none beyond', () => {
    const error = float32ErrorBound(384)
    expect(mayTie('cosine', 0.2, 0.2 + error, error, 0)).toBe(true)
    expect(mayTie('cosine', 0.2, 0.2 + 10 * error, error, 0)).toBe(false)
    expect(mayTie('l2', 100, 100 * (1 + error / 2), error, 0)).toBe(true)
    expect(mayTie('ip', -50, -50 + error * 40, error, 50)).toBe(true)
    expect(mayTie('ip', -50, -50 + error * 200, error, 50)).toBe(false)
  })

  it('ranks by exact score, then id, NaN last', () => {
    const rows = [
      { id: 'b', vector: '[1,1]' },
      { id: 'n', vector: '[0,0]' },
      { id: 'a', vector: '[2,2]' },
      { id: 'c', vector: '[1,0]' },
    ]
    const scored = exactScores('cosine', Float32Array.from([1, 1]), rows, compareIds)
    expect(scored.map(({ row }) => row.id)).toEqual(['a', 'b', 'c', 'n'])
    expect(scored[0]?.score).toBe(1)
  })

  it('orders the exact pass by the distance function, which no vector index serves', () => {
    const target: QueryTarget = {
      table: tableName({ name: 'items', schema: 'app' }),
      schema: 'app',
      metric: 'ip',
      vectorType: 'vector',
      hasUpdatedAt: false,
      columns: [],
      payload: sql`"payload"`,
    }
    const { sql: text, params } = new PgDialect().sqlToQuery(
      exactSearchQuery(target, '[1,2]', 27, 11, sql`TRUE`),
    )
    expect(text).toBe(
      'SELECT "vecstore_nearest"."id", "vecstore_stored"."payload", "vecstore_distance" AS "distance", CASE WHEN row_number() OVER (ORDER BY "vecstore_distance") <= $1 THEN "embedding"::text END AS "vector" FROM (SELECT "id", "embedding", vector_negative_inner_product("embedding", $2::vector) AS "vecstore_distance" FROM "app"."items" WHERE TRUE ORDER BY "vecstore_distance" LIMIT $3) AS "vecstore_nearest" CROSS JOIN LATERAL (SELECT "payload" FROM "app"."items" AS "vecstore_row" WHERE "vecstore_row"."id" = "vecstore_nearest"."id" OFFSET 0) AS "vecstore_stored"',
    )
    expect(params).toEqual([11, '[1,2]', 27])
  })
})
