/**
 * The Metrics view: a ring buffer of the members' readings and one uPlot chart per figure, with a
 * line per member (and per percentile, for the latency and fsync charts).
 * @module
 */
import type UPlot from 'uplot'
import type { EnsembleJson, MemberJson } from '../api-types.js'
import { $, el } from './core.js'
import { windowAverage, windowQuantile } from './quantiles.js'

/** The chart library, loaded by its own script tag before this module. */
const uPlot = (globalThis as unknown as { uPlot: typeof UPlot }).uPlot

/** Samples the charts keep: 10 minutes at one per poll. */
const samplesMax = 300

/** One chart: what each of its lines shows, per member. */
interface Chart {
  /** Its `data-chart` name. */
  readonly id: string
  /** Its heading. */
  readonly title: string
  /** The lines each member draws (`''`: one line, named after the member). */
  readonly lines: readonly string[]
  /** The value of `line` at reading `now`, given the reading before it, `seconds` earlier. */
  readonly value: (now: MemberJson, before: MemberJson | undefined, seconds: number, line: string) => number | null
  plot?: UPlot
}

const quantiles: Readonly<Record<string, number>> = { p50: 0.5, p95: 0.95, p99: 0.99 }

/** A latency percentile: over the interval from the member's histogram, else as the member computes it. */
function latencyPercentile(now: MemberJson, before: MemberJson | undefined, line: string): number | null {
  if (now.latencyHistogram !== undefined) return windowQuantile(now.latencyHistogram, before?.latencyHistogram, quantiles[line] ?? 0.5)
  return now.latencyPercentilesMs?.[line as 'p50' | 'p95' | 'p99'] ?? null
}

/** The fsync time: its average over the interval, or its 99th percentile from the member's histogram. */
function fsyncTime(now: MemberJson, before: MemberJson | undefined, line: string): number | null {
  if (line === 'avg') return windowAverage({ sum: now.fsyncSumMs, count: now.fsyncCount }, before === undefined ? undefined : { sum: before.fsyncSumMs, count: before.fsyncCount })
  return now.fsyncHistogram === undefined ? null : windowQuantile(now.fsyncHistogram, before?.fsyncHistogram, quantiles[line] ?? 0.99)
}

function requestRate(now: MemberJson, before: MemberJson | undefined, s: number): number | null {
  return now.packetsReceived === undefined || before?.packetsReceived === undefined || s <= 0 ? null : Math.max(0, (now.packetsReceived - before.packetsReceived) / s)
}

/** Every chart, in the order shown. */
const chartSpecs: Chart[] = [
  { id: 'requests', title: 'Requests/s', lines: [''], value: (now, before, s) => requestRate(now, before, s) },
  { id: 'avg-latency', title: 'Average latency (ms)', lines: [''], value: (now) => now.avgLatencyMs ?? null },
  { id: 'latency', title: 'Latency p50 / p95 / p99 (ms)', lines: ['p50', 'p95', 'p99'], value: (now, before, _s, line) => latencyPercentile(now, before, line) },
  { id: 'fsync', title: 'fsync time, average / p99 (ms)', lines: ['avg', 'p99'], value: (now, before, _s, line) => fsyncTime(now, before, line) },
  { id: 'outstanding', title: 'Outstanding requests', lines: [''], value: (now) => now.outstandingRequests ?? null },
  { id: 'znodes', title: 'Znodes', lines: [''], value: (now) => now.znodeCount ?? null },
  { id: 'watches', title: 'Watches', lines: [''], value: (now) => now.watchCount ?? null },
]

const palette = ['#1f5fbf', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490']

/** A line's dash: solid for the first of a member's lines, dashed and dotted for the next. */
const dashes: readonly (number[] | undefined)[] = [undefined, [6, 3], [2, 3]]

/** One series per member and line of `spec`, coloured by member. */
function seriesOf(spec: Chart, names: readonly string[]): UPlot.Series[] {
  return names.flatMap((name, m) =>
    spec.lines.map((line, l) => {
      const dash = dashes[l]
      return { label: line === '' ? name : `${name} ${line}`, stroke: palette[m % palette.length] ?? '#333', width: 2, spanGaps: true, ...(dash === undefined ? {} : { dash }) }
    }),
  )
}

/** The charts and their samples. */
export const charts = {
  names: [] as string[],
  times: [] as number[],
  /** By chart, by series (member × line), the samples. */
  values: chartSpecs.map(() => [] as (number | null)[][]),
  last: new Map<string, MemberJson>(),
  lastAtMs: 0,

  /** Adds a reading of every member, and redraws when the view shows. */
  add(ensemble: EnsembleJson): void {
    const names = ensemble.members.map((m) => m.name)
    if (names.join('\n') !== this.names.join('\n')) this.reset(names)
    const seconds = (ensemble.atMs - this.lastAtMs) / 1000
    this.times.push(ensemble.atMs / 1000)
    chartSpecs.forEach((spec, c) => {
      const series = this.values[c] ?? []
      ensemble.members.forEach((m, i) => spec.lines.forEach((line, l) => series[i * spec.lines.length + l]?.push(spec.value(m, this.last.get(m.name), seconds, line))))
    })
    if (this.times.length > samplesMax) {
      this.times.shift()
      for (const chart of this.values) for (const series of chart) series.shift()
    }
    this.last = new Map(ensemble.members.map((m) => [m.name, m]))
    this.lastAtMs = ensemble.atMs
    if (!$('view-metrics').hidden) this.draw()
  },

  /** Starts over with a chart per figure for the members `names`. */
  reset(names: string[]): void {
    this.names = names
    this.times = []
    this.values = chartSpecs.map((spec) => names.flatMap(() => spec.lines.map(() => [])))
    const box = $('charts')
    box.replaceChildren()
    for (const spec of chartSpecs) {
      spec.plot?.destroy()
      const panel = el('div', { class: 'panel chart', 'data-chart': spec.id, 'data-points': '0' }, el('h2', {}, spec.title))
      box.append(panel)
      const series = seriesOf(spec, names)
      spec.plot = new uPlot({ width: this.width(), height: 200, series: [{}, ...series], axes: [{}, { size: 60 }], legend: { live: false } }, [[], ...series.map(() => [])], panel)
    }
  },

  width(): number {
    const box = $('charts')
    const columns = box.clientWidth >= 980 ? 2 : 1
    return Math.max(280, Math.floor(box.clientWidth / columns) - 40)
  },

  /** Draws every chart; each panel's `data-points` counts the values it shows. */
  draw(): void {
    chartSpecs.forEach((spec, c) => {
      const series = this.values[c] ?? []
      spec.plot?.setData([this.times, ...series] as UPlot.AlignedData)
      const points = series.reduce((sum, s) => sum + s.filter((v) => v !== null).length, 0)
      spec.plot?.root.parentElement?.setAttribute('data-points', String(points))
    })
  },

  /** Fits the charts to the view's width. */
  resize(): void {
    for (const spec of chartSpecs) spec.plot?.setSize({ width: this.width(), height: 200 })
    this.draw()
  },
}
