/** Writes one line of results to stdout. */
export function print(line = ''): void {
  process.stdout.write(`${line}\n`)
}

/** Writes one line of status to stderr (results stay alone on stdout). */
export function note(line: string): void {
  process.stderr.write(`${line}\n`)
}

/** Bytes as B, kB, MB or GB (powers of 1024, like Postgres' pg_size_pretty). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`
}

/** Aligned `key  value` lines. */
export function printTable(rows: readonly (readonly [string, string])[]): void {
  const width = Math.max(...rows.map(([key]) => key.length))
  for (const [key, value] of rows) print(`${key.padEnd(width)}  ${value}`)
}
