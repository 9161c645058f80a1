import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const RESULTS_DIR = new URL('../results/', import.meta.url).pathname

/** Writes bench/results/<name>.json with the date of the run. */
export function writeResult(name: string, body: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const file = join(RESULTS_DIR, `${name}.json`)
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), ...body }, null, 2)}\n`)
  console.log(`written to bench/results/${name}.json`)
}

/** bench/results/<name>.json, or undefined when that benchmark has not run. */
export function readResult<T>(name: string): T | undefined {
  const file = join(RESULTS_DIR, `${name}.json`)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined
}
