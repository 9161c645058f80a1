import type { Payload } from '../core/json.js'
import type { DistanceMetric } from '../core/metric.js'

/** Four vectors and a query whose scores are known by hand for every metric. */
export const SCORED_VECTORS: Readonly<Record<string, number[]>> = {
  a: [1, 0, 0],
  b: [0, 1, 0],
  c: [1, 1, 0],
  d: [3, 4, 0],
}
export const SCORED_QUERY = [1, 0, 0]

/** Expected hits for {@link SCORED_QUERY}, best first; IP ties a and c at 1, so a (smaller id) comes first. */
export const EXPECTED_SCORES: Readonly<Record<DistanceMetric, readonly [string, number][]>> = {
  cosine: [
    ['a', 1],
    ['c', Math.SQRT1_2],
    ['d', 0.6],
    ['b', 0],
  ],
  l2: [
    ['a', 1],
    ['c', 0.5],
    ['b', 1 / (1 + Math.SQRT2)],
    ['d', 1 / (1 + Math.sqrt(20))],
  ],
  ip: [
    ['d', 3],
    ['a', 1],
    ['c', 1],
    ['b', 0],
  ],
}

/** Payloads for the filter table: JSON types that must not be confused with each other. */
export const FILTER_PAYLOADS: Readonly<Record<string, Payload>> = {
  e1: { kind: 'a', n: 1, flag: true, s: '1', tag: null },
  e2: { kind: 'b', n: 2, flag: false, s: '2' },
  e3: { kind: 'a', n: 3.5, nested: { x: 1 }, arr: [1, 2] },
  e4: { kind: 'c', n: '3', flag: 1 },
  e5: {},
}

/** A payload with every JSON shape, to round-trip exactly. */
export const ROUND_TRIP_PAYLOAD: Payload = {
  text: 'héllo "wörld" \\ / \n\t 😀',
  int: -42,
  float: 0.1,
  big: 1e300,
  small: -2.5e-8,
  yes: true,
  no: false,
  nothing: null,
  list: [1, 'two', null, [3], { four: 4 }],
  nested: { deeper: { deepest: ['x'] }, empty: {} },
  emptyList: [],
  '': 'empty key',
}

/** Ids whose UTF-16 order differs from code point order (the order every backend lists in). */
export const ORDERED_IDS = ['B', 'a', 'b10', 'b9', 'é', '\uff5a', '😀']
