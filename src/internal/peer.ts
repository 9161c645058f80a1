import { MissingDependencyError } from '../core/errors.js'

/**
 * Loads an optional peer dependency. When the peer itself is not installed,
 * throws {@link MissingDependencyError} naming it; any other failure (one of
 * the peer's own imports missing, an error while it loads) passes through.
 */
export async function importPeer<T>(
  load: () => Promise<T>,
  packageName: string,
  feature: string,
): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if (isMissing(error, packageName)) {
      throw new MissingDependencyError(packageName, feature, { cause: error })
    }
    throw error
  }
}

/** True when `error` says that `packageName` (or a path inside it) cannot be found. */
export function isMissing(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false
  const message = String((error as { message?: unknown }).message)
  return message.includes(`'${packageName}'`) || message.includes(`'${packageName}/`)
}
