import { InvalidArgumentError } from '../core/errors.js'

/**
 * Checks a whole-number option within `[min, max]` and returns it. `name` is
 * the option as the caller wrote it (`hnsw.M`, `retry.attempts`); `owner`
 * prefixes the message with the class it belongs to.
 */
export function wholeNumber(
  name: string,
  value: unknown,
  [min, max]: readonly [number, number],
  owner?: string,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const message = `expected ${name} to be a whole number from ${min} to ${max}`
    throw new InvalidArgumentError(owner === undefined ? message : `${owner}: ${message}`)
  }
  return value
}
