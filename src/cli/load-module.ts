import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MissingDependencyError } from '../index.js'
import { UsageError } from './cli-errors.js'

type TsImport = (specifier: string, parent: string) => Promise<Record<string, unknown>>

/**
 * Imports an app's module: a drizzle-kit config or schema file. TypeScript
 * goes through tsx, which drizzle-kit itself uses to load these files (so an
 * app with drizzle-kit has it); JavaScript is imported as is.
 */
export async function loadModule(path: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path)
  if (!existsSync(absolute)) throw new UsageError(`no file at ${path}`)
  const url = pathToFileURL(absolute).href
  if (!/\.[cm]?tsx?$/.test(absolute)) return (await import(url)) as Record<string, unknown>
  return (await tsImporter())(url, import.meta.url)
}

// The app's tsx first (beside its drizzle-kit), then one installed with vecstore. Its ESM entry
// is found through its package.json: resolving from here would pick the CommonJS one.
async function tsImporter(): Promise<TsImport> {
  for (const base of [join(process.cwd(), 'package.json'), import.meta.url]) {
    let manifest: string
    try {
      manifest = createRequire(base).resolve('tsx/package.json')
    } catch {
      continue
    }
    const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      exports: Record<string, { import?: { default?: string } }>
    }
    const entry = exports['./esm/api']?.import?.default
    if (entry === undefined) continue
    const api = (await import(pathToFileURL(join(dirname(manifest), entry)).href)) as {
      tsImport: TsImport
    }
    return api.tsImport
  }
  throw new MissingDependencyError('tsx', 'loading a TypeScript file (drizzle-kit installs it)')
}

/** A module's exported values, with those of a CommonJS `module.exports` object. */
export function exportedValues(module: Record<string, unknown>): unknown[] {
  const values = new Set<unknown>(Object.values(module))
  const fallback = module['default']
  if (typeof fallback === 'object' && fallback !== null) {
    for (const value of Object.values(fallback)) values.add(value)
  }
  return [...values]
}
