import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { BindingCandidate } from './server-runner.js'

/**
 * The fallback binding: `chromadb-js-bindings-linux-x64-gnu@1.0.5` (Chroma
 * server 1.0.0, needs glibc 2.34) installed under this alias, pinned exactly.
 */
export const LEGACY_BINDING = 'chroma-server-legacy'

// The per-platform binding packages `chromadb` lists as optional dependencies.
const PLATFORM_BINDINGS: Readonly<Record<string, string>> = {
  'darwin-arm64': 'chromadb-js-bindings-darwin-arm64',
  'darwin-x64': 'chromadb-js-bindings-darwin-x64',
  'linux-arm64': 'chromadb-js-bindings-linux-arm64-gnu',
  'linux-x64': 'chromadb-js-bindings-linux-x64-gnu',
  'win32-x64': 'chromadb-js-bindings-win32-x64-msvc',
}

/** Bindings found on disk, in the order to try, and the ones that were not. */
export interface ResolvedBindings {
  readonly candidates: BindingCandidate[]
  readonly missing: { readonly name: string; readonly reason: string }[]
}

const ownRequire = createRequire(import.meta.url)

/**
 * Finds the bindings to try. By default: the one `chromadb` brings for this
 * platform (resolved from `chromadb`'s own location, as its CLI does), then
 * {@link LEGACY_BINDING}. Whether a binding actually loads is only known in
 * the child process (loading it here would map the whole server into this one).
 */
export function resolveBindings(requested?: readonly string[]): ResolvedBindings {
  const resolved: ResolvedBindings = { candidates: [], missing: [] }
  for (const [name, resolveFrom] of requested?.map((name) => [name, ownRequire] as const) ??
    defaultBindings()) {
    try {
      resolved.candidates.push(candidate(name, resolveFrom))
    } catch (error) {
      resolved.missing.push({ name, reason: reasonOf(error) })
    }
  }
  return resolved
}

/** The binding package `chromadb` brings for this platform, if it has one. */
export function platformBinding(): string | undefined {
  return PLATFORM_BINDINGS[`${process.platform}-${process.arch}`]
}

function defaultBindings(): (readonly [string, NodeJS.Require])[] {
  const binding = platformBinding()
  const list: (readonly [string, NodeJS.Require])[] = []
  if (binding !== undefined) {
    let chromadbRequire = ownRequire
    try {
      chromadbRequire = createRequire(ownRequire.resolve('chromadb'))
    } catch {
      // chromadb itself is missing: resolving its binding below reports that.
    }
    list.push([binding, chromadbRequire])
  }
  list.push([LEGACY_BINDING, ownRequire])
  return list
}

function candidate(name: string, resolveFrom: NodeJS.Require): BindingCandidate {
  // A package name, or an absolute path to a package directory.
  const packageJson = resolveFrom.resolve(`${name}/package.json`)
  const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }
  return {
    name,
    path: dirname(packageJson),
    version: typeof manifest.version === 'string' ? manifest.version : 'unknown',
  }
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'MODULE_NOT_FOUND') return 'not installed'
  return String((error as Error | undefined)?.message ?? error).split('\n')[0] ?? 'unknown error'
}
