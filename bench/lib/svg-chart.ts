// Line / scatter charts as standalone SVG text: axes with ticks, axis labels, a legend and
// optional per-point labels. Enough for the benchmark report; no plotting dependency.

export interface ChartPoint {
  readonly x: number
  readonly y: number
  /** Written next to the point (e.g. the ef_search value). */
  readonly label?: string
}

export interface ChartSeries {
  readonly name: string
  readonly points: readonly ChartPoint[]
  /** Dashed line, e.g. for a p95 next to its p50. */
  readonly dashed?: boolean
}

export interface ChartSpec {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly series: readonly ChartSeries[]
  readonly xLog?: boolean
  readonly yLog?: boolean
  readonly width?: number
  readonly height?: number
  /** The corner the legend sits in, away from the data. Default: top-left. */
  readonly legend?: 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right'
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#17becf']
const MARGIN = { left: 72, right: 24, top: 44, bottom: 56 }

interface Axis {
  readonly min: number
  readonly max: number
  readonly log: boolean
  readonly ticks: number[]
}

/** 1-2-5 steps for a linear axis, about five ticks, padded to round numbers. */
function linearAxis(lo: number, hi: number): Axis {
  if (lo === hi) [lo, hi] = [lo - Math.abs(lo || 1) * 0.1, hi + Math.abs(hi || 1) * 0.1]
  const rough = (hi - lo) / 5
  const power = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? rough
  const min = Math.floor(lo / step) * step
  const max = Math.ceil(hi / step) * step
  const ticks: number[] = []
  for (let t = min; t <= max + step / 2; t += step) ticks.push(Number(t.toPrecision(12)))
  return { min, max, log: false, ticks }
}

/** Whole decades for a log axis, with 2 and 5 in between when there are few decades. */
function logAxis(lo: number, hi: number): Axis {
  const first = Math.floor(Math.log10(lo))
  const last = Math.max(first + 1, Math.ceil(Math.log10(hi)))
  const ticks: number[] = []
  for (let e = first; e <= last; e++) {
    for (const m of last - first <= 2 ? [1, 2, 5] : [1]) {
      const t = m * 10 ** e
      if (t >= 10 ** first && t <= 10 ** last) ticks.push(t)
    }
  }
  return { min: 10 ** first, max: 10 ** last, log: true, ticks }
}

function axisFor(values: number[], log: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0))
  const lo = Math.min(...finite)
  const hi = Math.max(...finite)
  return log ? logAxis(lo, hi) : linearAxis(lo, hi)
}

function scale(axis: Axis, value: number, from: number, to: number): number {
  const f = axis.log
    ? (Math.log10(value) - Math.log10(axis.min)) / (Math.log10(axis.max) - Math.log10(axis.min))
    : (value - axis.min) / (axis.max - axis.min)
  return from + f * (to - from)
}

/** Short tick text: 10k, 1M, 0.95, 2.5. */
export function tickText(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`
  return String(Number(value.toPrecision(3)))
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The chart as a complete SVG document. */
export function renderChart(spec: ChartSpec): string {
  const width = spec.width ?? 720
  const height = spec.height ?? 440
  const plot = {
    left: MARGIN.left,
    right: width - MARGIN.right,
    top: MARGIN.top,
    bottom: height - MARGIN.bottom,
  }
  const points = spec.series.flatMap((s) => s.points)
  const xAxis = axisFor(
    points.map((p) => p.x),
    spec.xLog ?? false,
  )
  const yAxis = axisFor(
    points.map((p) => p.y),
    spec.yLog ?? false,
  )
  const px = (x: number) => scale(xAxis, x, plot.left, plot.right)
  const py = (y: number) => scale(yAxis, y, plot.bottom, plot.top)
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ]
  for (const t of xAxis.ticks) {
    const x = px(t).toFixed(1)
    out.push(
      `<line x1="${x}" y1="${plot.top}" x2="${x}" y2="${plot.bottom}" stroke="#e5e5e5"/>`,
      `<text x="${x}" y="${plot.bottom + 18}" text-anchor="middle">${tickText(t)}</text>`,
    )
  }
  for (const t of yAxis.ticks) {
    const y = py(t).toFixed(1)
    out.push(
      `<line x1="${plot.left}" y1="${y}" x2="${plot.right}" y2="${y}" stroke="#e5e5e5"/>`,
      `<text x="${plot.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickText(t)}</text>`,
    )
  }
  out.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#333"/>`,
    `<text x="${(plot.left + plot.right) / 2}" y="${height - 14}" text-anchor="middle">${escapeXml(spec.xLabel)}${spec.xLog ? ' (log scale)' : ''}</text>`,
    `<text transform="translate(18 ${(plot.top + plot.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}${spec.yLog ? ' (log scale)' : ''}</text>`,
  )
  spec.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length] as string
    const coords = series.points.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : ''
    if (coords.length > 1) {
      out.push(
        `<polyline points="${coords.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      )
    }
    for (const p of series.points) {
      const [x, y] = [px(p.x).toFixed(1), py(p.y).toFixed(1)]
      out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${color}"/>`)
      if (p.label) {
        out.push(
          `<text x="${x}" y="${Number(y) - 8}" text-anchor="middle" font-size="10" fill="${color}">${escapeXml(p.label)}</text>`,
        )
      }
    }
  })
  // Legend, inside the plot in the corner asked for.
  const corner = spec.legend ?? 'top-left'
  const boxWidth = 40 + 7 * Math.max(...spec.series.map((s) => s.name.length), 4)
  const boxHeight = spec.series.length * 18 + 8
  const left = corner.endsWith('left') ? plot.left + 10 : plot.right - 10 - boxWidth
  const top = corner.startsWith('top') ? plot.top + 10 : plot.bottom - 10 - boxHeight
  out.push(
    `<rect x="${left}" y="${top}" width="${boxWidth}" height="${boxHeight}" fill="white" fill-opacity="0.9" stroke="#bbb"/>`,
  )
  spec.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length] as string
    const y = top + 18 + i * 18
    const dash = series.dashed ? ' stroke-dasharray="6 4"' : ''
    out.push(
      `<line x1="${left + 8}" y1="${y - 4}" x2="${left + 28}" y2="${y - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${left + 34}" y="${y}">${escapeXml(series.name)}</text>`,
    )
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
