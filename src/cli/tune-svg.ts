import type { TuneResult } from '../pgvector/index.js'

const WIDTH = 640
const HEIGHT = 400
const MARGIN = { left: 60, right: 20, top: 30, bottom: 50 }

/**
 * The recall/latency curve as an SVG line chart: recall across, queries per
 * second up (logarithmic), one labelled point per value tried, the target as a
 * dashed line and the chosen value circled.
 */
export function tuneSvg(result: TuneResult, target: number): string {
  const points = result.curve
  const minRecall = Math.min(target, ...points.map((point) => point.recall)) - 0.02
  const qps = points.map((point) => Math.max(point.qps, 1))
  const [low, high] = [Math.log10(Math.min(...qps)) - 0.1, Math.log10(Math.max(...qps)) + 0.1]
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const x = (recall: number) => MARGIN.left + ((recall - minRecall) / (1 - minRecall)) * plotWidth
  const y = (value: number) =>
    MARGIN.top +
    plotHeight -
    ((Math.log10(Math.max(value, 1)) - low) / (high - low || 1)) * plotHeight
  const path = points.map(
    (point, i) => `${i === 0 ? 'M' : 'L'}${x(point.recall).toFixed(1)},${y(point.qps).toFixed(1)}`,
  )
  const marks = points.map((point) => {
    const chosen = point.value === result.setting?.value
    return `<circle cx="${x(point.recall).toFixed(1)}" cy="${y(point.qps).toFixed(1)}" r="${chosen ? 6 : 3}" fill="${chosen ? 'none' : '#1f77b4'}" stroke="#1f77b4"/><text x="${(x(point.recall) + 6).toFixed(1)}" y="${(y(point.qps) - 6).toFixed(1)}" font-size="11">${point.value}</text>`
  })
  const targetX = x(target).toFixed(1)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif">
<text x="${MARGIN.left}" y="18" font-size="13">recall@k vs QPS, one point per ${result.parameter}</text>
<line x1="${MARGIN.left}" y1="${MARGIN.top + plotHeight}" x2="${WIDTH - MARGIN.right}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>
<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>
<line x1="${targetX}" y1="${MARGIN.top}" x2="${targetX}" y2="${MARGIN.top + plotHeight}" stroke="#d62728" stroke-dasharray="4 3"/>
<text x="${targetX}" y="${HEIGHT - 30}" font-size="11" text-anchor="middle">target ${target}</text>
<text x="${WIDTH / 2}" y="${HEIGHT - 8}" font-size="12" text-anchor="middle">recall (${minRecall.toFixed(2)} to 1)</text>
<text x="14" y="${MARGIN.top + plotHeight / 2}" font-size="12" transform="rotate(-90 14 ${MARGIN.top + plotHeight / 2})" text-anchor="middle">QPS (log)</text>
<path d="${path.join(' ')}" fill="none" stroke="#1f77b4"/>
${marks.join('\n')}
</svg>
`
}
