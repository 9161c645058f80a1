import { InvalidArgumentError } from '../core/errors.js'
import type { LocalChromaServerOptions } from './chroma-backend-config.js'

/** Checks local server options; throws {@link InvalidArgumentError} on anything wrong. */
export function checkServerOptions(options: LocalChromaServerOptions): void {
  for (const name of ['startupTimeoutMs', 'shutdownGraceMs'] as const) {
    const value = options[name]
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 600_000)) {
      throw new InvalidArgumentError(
        `expected server.${name} to be a whole number of ms up to 600000`,
      )
    }
  }
  const bindings: unknown = options.bindings
  if (
    bindings !== undefined &&
    (!Array.isArray(bindings) || bindings.some((b) => typeof b !== 'string' || b === ''))
  ) {
    throw new InvalidArgumentError(
      'expected server.bindings to be an array of package names or paths',
    )
  }
}
