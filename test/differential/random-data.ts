import type { Filter, FilterScalar } from '../../src/core/filter.js'
import type { JsonValue, Payload } from '../../src/core/json.js'
import { seededRandom } from '../setup/seeded-random.js'

/** Random choices from one seed. */
export class Dice {
  readonly #random: () => number
  #spare: number | undefined

  constructor(seed: number) {
    this.#random = seededRandom(seed)
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.#random()
  }

  /** A whole number from 0 to n - 1. */
  below(n: number): number {
    return Math.floor(this.#random() * n)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T
  }

  chance(p: number): boolean {
    return this.#random() < p
  }

  /** A standard normal sample (Box-Muller). */
  gaussian(): number {
    if (this.#spare !== undefined) {
      const value = this.#spare
      this.#spare = undefined
      return value
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.#random()))
    const angle = 2 * Math.PI * this.#random()
    this.#spare = radius * Math.sin(angle)
    return radius * Math.cos(angle)
  }

  /** A gaussian vector with a scale from 0.5 to 5: norms differ, so IP ranks unlike cosine. */
  scaledGaussian(dim: number): number[] {
    const scale = 0.5 + 4.5 * this.#random()
    return Array.from({ length: dim }, () => scale * this.gaussian())
  }
}

/**
 * Payload keys: ASCII and unicode letters, the separators filter keys may
 * hold, the keys Chroma reserves (`chroma:*`, `__proto__`), and keys no
 * filter can name (stored, never filtered).
 */
export const FILTER_KEYS = [
  'kind',
  'n',
  'flag',
  'tag',
  'ключ',
  '名前',
  'é.x',
  'u:v',
  'p/q-1',
  'chroma:document',
  '__proto__',
] as const
const UNFILTERABLE_KEYS = ['', 'a b', '$x', 'emoji😀']

const STRINGS = [
  '',
  'a',
  'A',
  'é',
  'e\u0301',
  '名前',
  'ключ',
  'שלום',
  '😀',
  '👩‍💻',
  '1',
  'true',
  'null',
  "' OR '1'='1",
  '\\',
  'x'.repeat(40),
]
const NUMBERS = [0, 1, 2, 3, -1, 7, 0.5, -2.25, 1e15, 2 ** 53 - 1, 2 ** 62, -1e-7, 123456.789]

/** A scalar a payload may hold and a filter may compare with. */
export function scalar(dice: Dice): FilterScalar {
  const roll = dice.next()
  if (roll < 0.4) return dice.pick(STRINGS)
  if (roll < 0.8) return dice.pick(NUMBERS)
  if (roll < 0.92) return dice.chance(0.5)
  return null
}

function value(dice: Dice): JsonValue {
  const roll = dice.next()
  if (roll < 0.85) return scalar(dice)
  if (roll < 0.93) return [scalar(dice), scalar(dice)]
  return { inner: scalar(dice), list: [scalar(dice)] }
}

/** A payload with a few filterable keys (own `__proto__` included), an id number and sometimes unfilterable keys. */
export function payload(dice: Dice, i: number): Payload {
  const out: Payload = {}
  set(out, 'i', i)
  for (const key of FILTER_KEYS) if (dice.chance(0.35)) set(out, key, value(dice))
  if (dice.chance(0.1)) set(out, dice.pick(UNFILTERABLE_KEYS), value(dice))
  return out
}

// defineProperty: a key named __proto__ becomes an own key, as JSON.parse makes it.
function set(target: Record<string, unknown>, key: string, item: unknown): void {
  Object.defineProperty(target, key, {
    value: item,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}

/** An object with one own key (also for `__proto__`). */
export function entry(key: string, item: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  set(out, key, item)
  return out
}

function leaf(dice: Dice, size: number): Filter {
  const key = dice.chance(0.1) ? 'i' : dice.pick(FILTER_KEYS)
  const operand = () => (key === 'i' ? dice.below(size) : scalar(dice))
  const number = () => (key === 'i' ? dice.below(size) : dice.pick(NUMBERS))
  const roll = dice.below(10)
  const condition =
    roll === 0
      ? operand()
      : roll === 1
        ? { $eq: operand() }
        : roll === 2
          ? { $ne: operand() }
          : roll === 3
            ? { $in: [operand(), operand(), operand()] }
            : roll === 4
              ? { $nin: [operand(), operand()] }
              : roll === 5
                ? { $exists: dice.chance(0.5) }
                : { [dice.pick(['$gt', '$gte', '$lt', '$lte'])]: number() }
  return entry(key, condition) as Filter
}

/** A random filter: one condition, or `$and` / `$or` of a few, sometimes nested. */
export function filter(dice: Dice, size: number, depth = 0): Filter {
  const roll = dice.next()
  if (depth > 1 || roll < 0.5) return leaf(dice, size)
  const parts = Array.from({ length: 2 + dice.below(2) }, () => filter(dice, size, depth + 1))
  return roll < 0.75 ? { $and: parts } : { $or: parts }
}
