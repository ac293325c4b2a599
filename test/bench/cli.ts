// Method: the bench's command line: which sections to run and how long (`--only`, `--quick`),
// where to write the numbers (`--json`), the HTML report (`--report`) and the chart files
// (`--svg-dir`), or `--report-from` to build the report and charts from a saved `--json` file
// without running anything, and `--aims` to redraw the aims table in a markdown file from the
// saved files (a second `--report-from` adds the sections of a run of its own).
import { readFile, writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { aimRows, aimsMarkdown, withAimsTable } from './aims.js'
import { writeReport } from './report-html.js'
import { optInSections, readResults, sections, type Section } from './results.js'

/** What the command line asks for. */
export interface BenchArgs {
  /** The sections to run (all but the opt-in ones when `--only` is not given). */
  only: Set<Section>
  /** Small bounds, for a quick look. */
  quick: boolean
  /** Where to write every number as JSON. */
  json: string | undefined
  /** Where to write the HTML report. */
  report: string | undefined
  /** A directory for one SVG file per chart. */
  svgDir: string | undefined
  /** A saved `--json` file to report on instead of running the benchmarks (the charts are drawn from it). */
  reportFrom: string | undefined
  /** Further saved files, of runs of some sections only: the aims table takes each section from the last file that has it. */
  reportAlso: string[]
  /** A markdown file whose aims table (between the markers of aims.ts) is redrawn from the saved files. */
  aims: string | undefined
}

/**
 * Parses the bench's arguments (without `node` and the script).
 * @throws TypeError on an unknown option or section, or `--report-from` with options that run benchmarks.
 */
export function parseBenchArgs(args: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...args],
    options: {
      only: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      report: { type: 'string' },
      'svg-dir': { type: 'string' },
      'report-from': { type: 'string', multiple: true },
      aims: { type: 'string' },
    },
  })
  const picked = (values.only ?? []).flatMap((v) => v.split(/[,|]/)).filter((v) => v !== '')
  for (const name of picked) {
    if (!(sections as readonly string[]).includes(name)) throw new TypeError(`--only ${name}: expected one of ${sections.join(', ')}`)
  }
  const [reportFrom, ...reportAlso] = values['report-from'] ?? []
  if (reportFrom !== undefined && (picked.length > 0 || values.quick || values.json !== undefined)) {
    throw new TypeError('--report-from reports on a saved run: it takes --report, --svg-dir and --aims, not --only, --quick or --json')
  }
  if (reportFrom !== undefined && values.report === undefined && values['svg-dir'] === undefined && values.aims === undefined) {
    throw new TypeError('--report-from needs --report FILE.html, --svg-dir DIR or --aims FILE.md')
  }
  if (values.aims !== undefined && reportFrom === undefined) throw new TypeError('--aims FILE.md redraws the table from saved runs: it needs --report-from')
  return {
    only: new Set((picked.length === 0 ? sections.filter((s) => !optInSections.includes(s)) : picked) as Section[]),
    quick: values.quick,
    json: values.json,
    report: values.report,
    svgDir: values['svg-dir'],
    reportFrom,
    reportAlso,
    aims: values.aims,
  }
}

/**
 * `--report-from`: reads the saved results and writes the HTML report and chart files that
 * `args` ask for; returns the paths written.
 */
export async function reportFromSaved(args: BenchArgs): Promise<string[]> {
  if (args.reportFrom === undefined) throw new TypeError('reportFromSaved needs --report-from')
  const main = await readResults(args.reportFrom)
  const written = await writeReport(main, { html: args.report, svgDir: args.svgDir })
  if (args.aims === undefined) return written
  const runs = [main, ...(await Promise.all(args.reportAlso.map((path) => readResults(path))))]
  await writeFile(args.aims, withAimsTable(await readFile(args.aims, 'utf8'), aimsMarkdown(aimRows(runs))))
  return [...written, args.aims]
}
