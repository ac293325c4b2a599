// Method: the HTML report: one self-contained page (inline SVG charts and an inline stylesheet; no
// script, no external resource) with the run's machine and versions, every chart of charts.ts
// rendered by svg.ts, and every section's numbers as tables (tables.ts). The same SVGs can be
// written as files of their own for the docs.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chartsOf, type Chart } from './charts.js'
import { fmtInt, fmtNum, fmtSpread, type Summary } from './report.js'
import type { BenchResults } from './results.js'
import { renderSvg } from './svg.js'
import { sectionsOf, type ReportBlock, type SectionReport } from './tables.js'

/** A chart with its SVG. */
export interface RenderedChart extends Chart {
  /** The SVG document, ids prefixed with the chart's id. */
  svg: string
}

/** Where {@link writeReport} writes. */
export interface ReportTargets {
  /** The HTML report's path. */
  html?: string | undefined
  /** A directory for one `<chart id>.svg` per chart (created if missing; other files are left alone). */
  svgDir?: string | undefined
}

/** `text` with the characters HTML gives a meaning escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Renders every chart the results have numbers for. */
export async function renderCharts(results: BenchResults): Promise<RenderedChart[]> {
  const rendered: RenderedChart[] = []
  for (const chart of chartsOf(results)) rendered.push({ ...chart, svg: await renderSvg(chart.spec, chart.id) })
  return rendered
}

const style = `
body { font: 15px/1.45 Helvetica, Arial, sans-serif; color: #222; margin: 2em auto; max-width: 1100px; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1.05em; margin: 1.4em 0 0.4em; }
code { font: 13px Menlo, Consolas, monospace; background: #f4f4f4; padding: 0 0.2em; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #555; font-size: 0.9em; max-width: 60em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 13px; } th, td { padding: 0.25em 0.6em; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { text-align: left; background: #f6f6f6; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
p.note { margin: 0.2em 0; color: #8a4b00; font-size: 0.9em; }
`

/** One table, the first column as row labels, the others right-aligned. */
function htmlTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (tag: 'th' | 'td', value: string, i: number): string => `<${tag}${i === 0 ? '' : ' class="num"'}>${escapeHtml(value)}</${tag}>`
  const head = `<tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr>`
  const body = rows.map((r) => `<tr>${r.map((v, i) => cell('td', v, i)).join('')}</tr>`).join('\n')
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`
}

/** Label / value rows as a table with the labels as row headers. */
function factsTable(rows: readonly (readonly string[])[]): string {
  return `<table>\n${rows.map(([label = '', value = '']) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`).join('\n')}\n</table>`
}

function htmlBlock(block: ReportBlock): string {
  if (block.kind === 'table') return htmlTable(block.header, block.rows)
  return `<p${block.kind === 'note' ? ' class="note"' : ''}>${escapeHtml(block.text)}</p>`
}

function htmlSection(section: SectionReport): string {
  return `<section>\n<h3>${escapeHtml(section.title)}</h3>\n${section.blocks.map(htmlBlock).join('\n')}\n</section>`
}

function htmlFigure(chart: RenderedChart): string {
  return `<figure id="chart-${escapeHtml(chart.id)}">\n${chart.svg}\n<figcaption><strong>${escapeHtml(chart.title)}.</strong> ${escapeHtml(chart.caption)}</figcaption>\n</figure>`
}

/** Load averages as "1.00 0.80 0.50", or "–". */
const loads = (values: readonly number[] | undefined): string => (values === undefined ? '–' : values.map((l) => fmtNum(l, 2)).join(' '))

/** A disk rate as "1,234 /s (±3%)", or "–". */
const rate = (s: Summary | undefined): string => (s === undefined ? 'not measured (the durable section measures it)' : `${fmtInt(s.median)} /s${s.runs.length > 1 ? ` (${fmtSpread(s)})` : ''}`)

/** Whether any section has a number for Apache ZooKeeper. */
export function measuredApache(results: BenchResults): boolean {
  const wire = [results.wire, results.durable].some((r) => r?.rows.some((row) => Number.isFinite(row.apache.opsPerSec.median)) === true)
  const recovery = results.recovery?.runs.some((r) => r.kind === 'apache' && Number.isFinite(r.recoveryMs.median)) === true
  const ensemble = results.ensemble?.raw.some((r) => r.kind === 'apache') === true
  return wire || recovery || ensemble
}

/** The machine and the versions, as label / value rows. */
export function machineRows(results: BenchResults): string[][] {
  const m = results.meta
  const rows = [
    ['CPU', `${m.cpuModel ?? 'unknown'}, ${m.cpus} logical cores`],
    ['memory', m.totalMemBytes === undefined ? '–' : `${fmtNum(m.totalMemBytes / 1024 ** 3, 1)} GiB`],
    ['operating system', m.platform ?? '–'],
    ['load average (1, 5, 15 min) before / after', `${loads(m.loadavgBefore)} / ${loads(m.loadavgAfter)}`],
    ['disk: write(64 B) + fdatasync, appending', rate(results.durable?.fsyncPerSec)],
    ['disk: write(64 B) + fdatasync, preallocated file', rate(results.durable?.fsyncPreallocatedPerSec)],
    ['Node.js', m.node],
    ['Paddock', m.paddockVersion ?? '–'],
  ]
  if (measuredApache(results)) {
    rows.push(['Apache ZooKeeper', `${m.apacheVersion ?? 'version not recorded'}; ${m.apache}`])
    if (m.javaVersion !== undefined) rows.push(['Java (Apache ZooKeeper\'s JVM)', m.javaVersion])
  }
  return rows
}

/** The whole report page for `results` and its rendered charts. */
export function reportHtml(results: BenchResults, charts: readonly RenderedChart[]): string {
  const m = results.meta
  const run = `${m.quick ? 'Quick' : 'Full'} run of ${m.sections.join(', ')}, started ${m.date}` +
    (m.elapsedSec === undefined ? '' : `, ${fmtInt(m.elapsedSec)} s`)
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>Paddock benchmarks, ${escapeHtml(m.date.slice(0, 10))}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<h1>Paddock benchmarks</h1>',
    `<p>${escapeHtml(run)}: <code>${escapeHtml(m.command)}</code></p>`,
    '<h2>Machine and versions</h2>',
    factsTable(machineRows(results)),
    '<h2>Charts</h2>',
    charts.length === 0 ? '<p>No section with charts ran.</p>' : charts.map(htmlFigure).join('\n'),
    '<h2>Numbers</h2>',
    sectionsOf(results).map(htmlSection).join('\n'),
    '</body>',
    '</html>',
    '',
  ].join('\n')
}

/**
 * Renders the charts once and writes the HTML report and/or one SVG file per chart.
 * @returns the paths written.
 */
export async function writeReport(results: BenchResults, targets: ReportTargets): Promise<string[]> {
  const charts = await renderCharts(results)
  const written: string[] = []
  if (targets.svgDir !== undefined) {
    await mkdir(targets.svgDir, { recursive: true })
    for (const chart of charts) {
      const path = join(targets.svgDir, `${chart.id}.svg`)
      await writeFile(path, `${chart.svg}\n`)
      written.push(path)
    }
  }
  if (targets.html !== undefined) {
    await writeFile(targets.html, reportHtml(results, charts))
    written.push(targets.html)
  }
  return written
}
