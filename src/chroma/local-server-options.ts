import { InvalidArgumentError } from '../core/errors.js'
import { wholeNumber } from '../internal/options.js'
import type { LocalChromaServerOptions } from './chroma-backend-config.js'

/** Checks local server options; throws {@link InvalidArgumentError} on anything wrong. */
export function checkServerOptions(options: LocalChromaServerOptions): void {
  for (const name of ['startupTimeoutMs', 'shutdownGraceMs'] as const) {
    const value = options[name]
    if (value !== undefined) wholeNumber(`server.${name} (ms)`, value, [0, 600_000])
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
