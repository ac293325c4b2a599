// Method: the bench's command line: which sections to run and how long (`--only`, `--quick`),
// where to write the numbers (`--json`), the HTML report (`--report`) and the chart files
// (`--svg-dir`), or `--report-from` to build the report and charts from a saved `--json` file
// without running anything.
import { parseArgs } from 'node:util'
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
  /** A saved `--json` file to report on instead of running the benchmarks. */
  reportFrom: string | undefined
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
      'report-from': { type: 'string' },
    },
  })
  const picked = (values.only ?? []).flatMap((v) => v.split(/[,|]/)).filter((v) => v !== '')
  for (const name of picked) {
    if (!(sections as readonly string[]).includes(name)) throw new TypeError(`--only ${name}: expected one of ${sections.join(', ')}`)
  }
  const reportFrom = values['report-from']
  if (reportFrom !== undefined && (picked.length > 0 || values.quick || values.json !== undefined)) {
    throw new TypeError('--report-from reports on a saved run: it takes --report and --svg-dir, not --only, --quick or --json')
  }
  if (reportFrom !== undefined && values.report === undefined && values['svg-dir'] === undefined) {
    throw new TypeError('--report-from needs --report FILE.html or --svg-dir DIR')
  }
  return {
    only: new Set((picked.length === 0 ? sections.filter((s) => !optInSections.includes(s)) : picked) as Section[]),
    quick: values.quick,
    json: values.json,
    report: values.report,
    svgDir: values['svg-dir'],
    reportFrom,
  }
}

/**
 * `--report-from`: reads the saved results and writes the HTML report and chart files that
 * `args` ask for; returns the paths written.
 */
export async function reportFromSaved(args: BenchArgs): Promise<string[]> {
  if (args.reportFrom === undefined) throw new TypeError('reportFromSaved needs --report-from')
  return writeReport(await readResults(args.reportFrom), { html: args.report, svgDir: args.svgDir })
}
