/** Wall time of an async call, in milliseconds. */
export async function timed<T>(body: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now()
  const result = await body()
  return [result, performance.now() - start]
}

/** Prints rows as an aligned text table. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((cells) => (cells[i] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')
  console.log(line(headers))
  console.log(widths.map((width) => '-'.repeat(width)).join('  '))
  for (const cells of rows) console.log(line(cells))
}
