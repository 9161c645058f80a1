import type { TunePoint } from './tune.js'

const BAR_WIDTH = 40

/**
 * The recall/latency curve as text: one line per value tried, a bar for the
 * recall (`|` marks the target), then median latency and QPS.
 */
export function tuneChart(
  parameter: string,
  curve: readonly TunePoint[],
  target: number,
  chosen: number | undefined,
): string {
  const mark = Math.min(BAR_WIDTH - 1, Math.round(target * BAR_WIDTH))
  const bar = (recall: number) => {
    const filled = Math.round(recall * BAR_WIDTH)
    return Array.from({ length: BAR_WIDTH }, (_, i) =>
      i === mark ? '|' : i < filled ? '#' : ' ',
    ).join('')
  }
  const width = Math.max(parameter.length, ...curve.map((point) => String(point.value).length))
  const lines = [
    `${parameter.padStart(width)}  recall  ${'0'.padEnd(BAR_WIDTH - 1)}1  p50 ms      QPS`,
    ...curve.map(
      (point) =>
        `${String(point.value).padStart(width)}  ${point.recall.toFixed(3)}   ${bar(point.recall)}  ${point.p50Ms.toFixed(2).padStart(6)}  ${point.qps.toFixed(0).padStart(7)}${point.value === chosen ? '  <- chosen' : ''}`,
    ),
  ]
  return lines.join('\n')
}
