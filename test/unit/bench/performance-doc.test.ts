// Method: docs/performance.md against the numbers it is drawn from. Its ```sh bench blocks are
// bench command lines: each must parse with the bench's own options, and the --report-from line
// is run (outputs moved into a temporary directory) on the committed results.json and must draw
// exactly the committed SVGs. The page must show every chart of that run and state the run's
// date, machine and versions as results.json records them, and its aims table must be the one
// the --aims line draws from the saved files it names.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { aimRows, aimsBegin, aimsEnd, aimsMarkdown } from '../../bench/aims.js'
import { chartsOf } from '../../bench/charts.js'
import { parseBenchArgs, reportFromSaved } from '../../bench/cli.js'
import { readResults, type BenchResults } from '../../bench/results.js'
import { blocksOf, has, where } from '../../integration/docs/guides.js'
import { root } from '../../integration/helpers/compile.js'

const guide = 'docs/performance.md'
const chartsDir = join(root, 'docs/performance')
const prefix = 'npm run bench -- '
const regenerate = 'npm run bench -- --report-from docs/performance/results.json --svg-dir docs/performance --aims docs/performance.md'

/** Every line of the guide's bench blocks, with where it is. */
const lines = blocksOf(guide).filter((b) => has(b, 'bench')).flatMap((b) => b.code.trim().split('\n').map((line) => ({ line, at: where(b) })))
const argsOf = (line: string): string[] => line.slice(prefix.length).trim().split(/\s+/)

let text: string
let results: BenchResults
let work: string

beforeAll(async () => {
  text = await readFile(join(root, guide), 'utf8')
  results = await readResults(join(chartsDir, 'results.json'))
  work = await mkdtemp(join(tmpdir(), 'paddock-performance-doc-'))
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

describe('docs/performance.md', () => {
  it('gives bench command lines that the bench accepts', () => {
    expect(lines.length).toBeGreaterThanOrEqual(2)
    for (const { line, at } of lines) {
      expect(line.startsWith(prefix), `${at}: ${line}`).toBe(true)
      expect(() => parseBenchArgs(argsOf(line)), `${at}: ${line}`).not.toThrow()
    }
  })

  it('--report-from on the committed results draws the committed charts and writes the report', async () => {
    const saved = lines.find(({ line }) => line.includes('--report-from docs/performance/results.json'))
    expect(saved, 'a line that reports from docs/performance/results.json').toBeDefined()
    const args = parseBenchArgs(argsOf(saved?.line ?? ''))
    const html = join(work, basename(args.report ?? 'report.html'))
    const svgDir = join(work, args.svgDir ?? 'charts')
    await reportFromSaved({ ...args, reportFrom: join(root, args.reportFrom ?? ''), report: html, svgDir })
    expect(await readFile(html, 'utf8')).toMatch(/^<!doctype html>[\s\S]*<svg[\s\S]*<\/html>\n$/)
    const drawn = (await readdir(svgDir)).sort()
    const committed = (await readdir(chartsDir)).filter((f) => f.endsWith('.svg')).sort()
    expect(committed, `docs/performance holds other charts than results.json draws: ${regenerate}`).toEqual(drawn)
    for (const file of drawn) {
      const fresh = await readFile(join(svgDir, file), 'utf8')
      expect(await readFile(join(chartsDir, file), 'utf8') === fresh, `docs/performance/${file} is not what results.json draws: ${regenerate}`).toBe(true)
    }
  })

  it('shows the aims table the --aims line draws from the saved runs it names', async () => {
    const saved = lines.find(({ line }) => line.includes('--aims docs/performance.md'))
    expect(saved, `a line that redraws the aims table: ${regenerate}`).toBeDefined()
    const args = parseBenchArgs(argsOf(saved?.line ?? ''))
    const runs = await Promise.all([args.reportFrom ?? '', ...args.reportAlso].map((path) => readResults(join(root, path))))
    const shown = text.slice(text.indexOf(aimsBegin) + aimsBegin.length + 1, text.indexOf(aimsEnd))
    expect(shown, `the aims table is not what the saved runs draw: ${regenerate}`).toBe(aimsMarkdown(aimRows(runs)))
  })

  it('shows every chart of the run as an image, and no other', () => {
    const shown = [...text.matchAll(/!\[[^\]]+\]\(performance\/([\w-]+)\.svg\)/g)].map((m) => m[1])
    expect(new Set(shown).size).toBe(shown.length)
    expect([...shown].sort()).toEqual(chartsOf(results).map((c) => c.id).sort())
  })

  it('states the date, the machine and the versions of the run shown', () => {
    const m = results.meta
    const facts = [`**Date:** ${m.date.slice(0, 10)}`, `${m.cpuModel ?? ''}, ${m.cpus} logical cores`, `Node.js ${m.node}`, `Paddock ${(m.paddockVersion ?? '').split(' ')[0] ?? ''}`]
    if (m.apacheVersion !== undefined) facts.push(m.apacheVersion)
    for (const fact of facts) expect(text, fact).toContain(fact)
    expect(text.includes('a quick run (`--quick`'), 'the page says whether the run was a quick one').toBe(m.quick)
  })

  it('links only to pages and files that ship with the docs', () => {
    const targets = [...text.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1] ?? '')
    for (const target of targets) expect(target, target).toMatch(/^(performance\/[\w.-]+|#[\w-]+)$/)
  })
})
