// Method: the bench's HTML report and chart files built from a fixture shaped as `--json` writes
// it (fixture.ts): the charts are real Vega renders, and the page and files are read back and
// searched for what a reader needs to see.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseBenchArgs, reportFromSaved } from '../../bench/cli.js'
import { renderCharts, reportHtml, type RenderedChart } from '../../bench/report-html.js'
import { parseResults, resultsJson } from '../../bench/results.js'
import { markdownOf, scaleSection } from '../../bench/tables.js'
import { apacheCreateOps, fixtureResults, paddockCreateOps, scaleFixture } from './fixture.js'

/** Every chart a full run draws, in report order. */
const allCharts = [
  'throughput-inprocess', 'throughput-wire', 'latency-wire', 'throughput-durable', 'latency-durable',
  'throughput-ensemble', 'latency-ensemble', 'failover', 'recovery', 'memory',
]

/** The `<figure>` of chart `id` in `html`. */
function figure(html: string, id: string): string {
  const match = new RegExp(`<figure id="chart-${id}">[\\s\\S]*?</figure>`).exec(html)
  if (match === null) throw new Error(`no figure for ${id}`)
  return match[0]
}

/** The texts of an SVG's <text> elements (labels, titles, legends). */
function textsOf(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1] ?? '')
}

const chart = (charts: readonly RenderedChart[], id: string): RenderedChart => {
  const found = charts.find((c) => c.id === id)
  if (found === undefined) throw new Error(`no chart ${id}`)
  return found
}

describe('the HTML report of a full run', () => {
  const results = fixtureResults()
  let charts: RenderedChart[]
  let html: string

  beforeAll(async () => {
    charts = await renderCharts(results)
    html = reportHtml(results, charts)
  })

  it('has one inline SVG per chart, each in its own figure', () => {
    expect(charts.map((c) => c.id)).toEqual(allCharts)
    expect(html.match(/<svg\b/g)).toHaveLength(allCharts.length)
    for (const id of allCharts) expect(figure(html, id).match(/<svg\b/g), id).toHaveLength(1)
  })

  it('is self-contained: no script, no external stylesheet, image or font', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|src=/i)
    for (const [ref] of html.matchAll(/(?:href="|url\()[^")]+/g)) expect(ref, ref).toMatch(/(href="|url\()#/)
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1])
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('names both servers in the comparisons and Paddock alone in process', () => {
    for (const id of ['throughput-wire', 'latency-wire', 'throughput-durable', 'throughput-ensemble', 'failover', 'recovery', 'memory']) {
      const texts = textsOf(chart(charts, id).svg)
      expect(texts, id).toContain('Paddock')
      expect(texts, id).toContain('Apache ZooKeeper')
    }
    const inProcess = textsOf(chart(charts, 'throughput-inprocess').svg)
    expect(inProcess).toContain('Paddock')
    expect(inProcess.join(' ')).not.toContain('Apache')
  })

  it('titles the axes', () => {
    const axes: Record<string, string[]> = {
      'throughput-wire': ['operation', 'operations per second', 'requests in flight'],
      'latency-wire': ['operation', 'latency, ms (log scale)', 'requests in flight'],
      failover: ['ms after the leader was killed'],
      recovery: ['znodes of 100 bytes (log scale)', 'recovery time, ms'],
      memory: ['znodes (log scale)', 'MiB'],
    }
    for (const [id, titles] of Object.entries(axes)) {
      for (const title of titles) expect(textsOf(chart(charts, id).svg), `${id}: ${title}`).toContain(title)
    }
  })

  it('labels each op and in-flight level, the percentiles, and one timeline row per leader kill', () => {
    const throughput = textsOf(chart(charts, 'throughput-wire').svg)
    for (const label of ['create', 'setData', 'getData', 'exists', '1', '100']) expect(throughput).toContain(label)
    expect(textsOf(chart(charts, 'latency-durable').svg)).toEqual(expect.arrayContaining(['p50', 'p99']))
    const rows = textsOf(chart(charts, 'failover').svg).filter((t) => /^(Paddock|Apache ZooKeeper), run \d, kill \d$/.test(t))
    expect(rows).toHaveLength(2 * 5 * 3)
    // The fixture's first Paddock kill: 400 ms, labelled at the end of its bar.
    expect(textsOf(chart(charts, 'failover').svg)).toContain('400 ms')
  })

  it('has the numbers as tables, with the fixture\'s values', () => {
    expect(html).toContain(`<td class="num">${paddockCreateOps.toLocaleString('en-US')}</td><td class="num">${apacheCreateOps.toLocaleString('en-US')}</td>`)
    expect(html).toContain('<th>op</th><th class="num">in flight</th><th class="num">Paddock ops/s</th><th class="num">Apache ops/s</th>')
    // Recovery at 1,000,000 znodes: (1e6 / 200) + 300 ms for Paddock.
    expect(html).toMatch(/<td>1,000,000<\/td><td class="num">paddock<\/td><td class="num">1,000,000<\/td><td class="num">20,000<\/td><td class="num">5300<\/td>/)
    // Memory: (420 + 110) bytes of heap and external per znode.
    expect(html).toContain('<td class="num">530</td>')
    expect(html).toContain('kazoo Lock (python3-kazoo) → Apache ZooKeeper 3.8 standalone (forceSync=yes)</td><td class="num">failed: python3 is missing</td>')
    // Start-up: the quick start's median, range and CPU time, and its ratio to Apache's 400 ms.
    expect(html).toContain('<td>paddock --port P (quick start, in memory)</td><td class="num">90</td><td class="num">86 – 99</td>')
    expect(html).toContain('<td>quick start (in memory)</td><td class="num">0.23x</td>')
    // TestingCluster: Curator's rows in Paddock's table, and Paddock's medians over Curator's (42 / 1050, 29 / 1000).
    expect(html).toContain('<td>Curator 5.4.0-3: start → first acknowledged create</td><td class="num">1050.0 ms</td>')
    expect(html).toContain('<td>start → first acknowledged write (warm rounds)</td><td class="num">0.040x (1/25)</td>')
    expect(html).toContain('<td>kill(leader) → next acknowledged write (warm rounds)</td><td class="num">0.029x (1/34)</td>')
  })

  it('says what machine and which versions the numbers come from', () => {
    for (const fact of ['Fixture CPU @ 3.0GHz, 2 logical cores', '24.0 GiB', 'Linux 6.1.0 x64', '1.11 1.28 1.60 / 4.02 2.35 1.95',
      '1,877 /s (±1%)', '2,630 /s (±2%)', 'v20.20.2', '0.1.0 (commit abc1234)', '3.8.0-11+deb12u2', 'openjdk version &#34;17.0.15&#34; 2025-04-15']) {
      expect(html).toContain(fact)
    }
    expect(html).toContain('<code>npm run bench -- --json results.json</code>')
  })
})

describe('the scale section', () => {
  it('gives a figure for each of the four checks in the HTML report', () => {
    const html = reportHtml(fixtureResults(), [])
    expect(html).toContain('<h3>Scale: one Paddock member with many children, watches, sessions and large values</h3>')
    // 1: the in-process call's median, and the refusal over TCP beside the reply's size and the limit.
    expect(html).toContain('<td class="num">in process: time of the call (median of 3)</td><td class="num">42 ms (1,000,000 names)</td>')
    expect(html).toContain('<td class="num">12,888,910 B / 1,049,599 B</td>')
    expect(html).toContain('<td class="num">BADARGUMENTS: Bad arguments after 310 ms</td>')
    // 2: 1M events in 8 s; (200 MB of heap) / 1M watches.
    expect(html).toContain('<td class="num">125,000 /s (1,000,000 events)</td>')
    expect(html).toContain('<td class="num">200 B / 300 B</td>')
    // 3: (4,100 - 100) ms over 20 s and 10,000 sessions; 100 MB over 10,000 sessions.
    expect(html).toContain('<td class="num">20.0 µs CPU per s (20.0% of a core in all)</td>')
    expect(html).toContain('<td class="num">10,000 B (57.2 MiB → 152.6 MiB)</td>')
    // 4: 50 MiB/s of values over a 500 MiB/s disk.
    expect(html).toContain('<td class="num">50.0 MiB/s (1,000 replies, 0 errors; p50 / p99 2000 / 2500 ms)</td>')
    expect(html).toContain('<td class="num">500.0 MiB/s</td>')
    expect(html).toContain('<td class="num">0.10x</td>')
  })

  it('lists the checks that ran and says why the others are missing', () => {
    const { children: _children, watches: _watches, ...rest } = scaleFixture()
    const markdown = markdownOf(scaleSection({ ...rest, notes: ['getChildren of 1000000 children: the scale probe wrote no result'] }))
    expect(markdown).not.toContain('1. getChildren')
    expect(markdown).not.toContain('2. ')
    expect(markdown).toContain('| 3. 10,000 idle TCP sessions')
    expect(markdown).toContain('  note: getChildren of 1000000 children: the scale probe wrote no result')
  })

  it('leaves the section out of the report of a run saved before it existed', () => {
    const { scale: _scale, ...older } = fixtureResults()
    const html = reportHtml(parseResults(resultsJson(older)), [])
    expect(html).not.toContain('<h3>Scale:')
    expect(html).toContain('<h3>Start-up:')
  })
})

describe('the report of a run without Apache ZooKeeper', () => {
  it('charts Paddock alone and still tables every section', async () => {
    const results = fixtureResults({ apache: false })
    const charts = await renderCharts(results)
    const html = reportHtml(results, charts)
    for (const id of ['throughput-wire', 'latency-wire', 'throughput-ensemble', 'failover', 'recovery']) {
      const texts = textsOf(chart(charts, id).svg)
      expect(texts, id).toContain('Paddock')
      expect(texts.join(' '), id).not.toContain('Apache')
    }
    expect(html).not.toContain('3.8.0-11')
    expect(html).toContain('<p class="note">note: Curator&#39;s TestingCluster not measured: /usr/bin/java is missing')
    expect(html).not.toContain('Curator 5.4.0-3')
    expect(html).toContain(`<td class="num">${paddockCreateOps.toLocaleString('en-US')}</td><td class="num">–</td>`)
  })
})

describe('--report-from', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paddock-report-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes the report and one SVG file per chart from a saved --json file, as from the run itself', async () => {
    const results = fixtureResults({ apache: false })
    const saved = join(dir, 'results.json')
    await writeFile(saved, resultsJson(results))
    expect(await readFile(saved, 'utf8')).toContain('null')
    const html = join(dir, 'report.html')
    const svgDir = join(dir, 'charts')
    const written = await reportFromSaved(parseBenchArgs(['--report-from', saved, '--report', html, '--svg-dir', svgDir]))
    const expected = (await renderCharts(results)).map((c) => c.id)
    expect(written).toEqual([...expected.map((id) => join(svgDir, `${id}.svg`)), html])
    expect((await readdir(svgDir)).sort()).toEqual(expected.map((id) => `${id}.svg`).sort())
    const page = await readFile(html, 'utf8')
    expect(page).toBe(reportHtml(results, await renderCharts(results)))
    for (const id of expected) expect(page).toContain((await readFile(join(svgDir, `${id}.svg`), 'utf8')).trim())
  })

  it('reads a missing number back as NaN, as it was measured', () => {
    const back = parseResults(resultsJson(fixtureResults({ apache: false })))
    expect(back.wire?.rows[0]?.apache.opsPerSec.median).toBeNaN()
    expect(back.wire?.rows[0]?.paddock.opsPerSec.median).toBe(paddockCreateOps)
  })

  it('refuses options that would run benchmarks, and a report with nowhere to go', () => {
    expect(() => parseBenchArgs(['--report-from', 'r.json', '--quick', '--report', 'r.html'])).toThrow(/--report-from/)
    expect(() => parseBenchArgs(['--report-from', 'r.json'])).toThrow(/--report FILE.html, --svg-dir DIR or --aims/)
    expect(() => parseBenchArgs(['--aims', 'p.md'])).toThrow(/--aims FILE.md .* needs --report-from/)
    expect(() => parseBenchArgs(['--only', 'wire,nosuch'])).toThrow(/--only nosuch/)
    expect(parseBenchArgs(['--only', 'memory,recovery', '--report', 'r.html']).only).toEqual(new Set(['memory', 'recovery']))
  })
})
