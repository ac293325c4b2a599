// Method: pure helpers that reduce repeated runs to median and spread and print markdown tables.

/** Several runs of one number reduced to their median and range. */
export interface Summary {
  /** The median of the runs (the mean of the two middle ones for an even count). */
  median: number
  /** The smallest run. */
  min: number
  /** The largest run. */
  max: number
  /** (max - min) / median, in percent: how noisy the runs were. */
  spreadPct: number
  /** Every run, in order. */
  runs: number[]
}

/** Reduces the runs `values` to a {@link Summary} (NaNs when there are none). */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, spreadPct: Number.NaN, runs: [] }
  const mid = Math.floor(n / 2)
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  const min = sorted[0]!
  const max = sorted[n - 1]!
  return { median, min, max, spreadPct: median === 0 ? 0 : ((max - min) / median) * 100, runs: [...values] }
}

/** `a / b`, or NaN when either is missing. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN
}

/** An integer with thousands separators ("12,345"), or "–" for NaN. */
export function fmtInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–'
}

/** A number with `digits` decimals, or "–" for NaN. */
export function fmtNum(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–'
}

/** A ratio as "1.23x", or "–". */
export function fmtRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : '–'
}

/** Bytes as MiB with one decimal, or "–". */
export function fmtMiB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1048576).toFixed(1)} MiB` : '–'
}

/** A spread as "±12%" (half the range over the median), or "–". */
export function fmtSpread(s: Summary): string {
  return Number.isFinite(s.spreadPct) && s.runs.length > 1 ? `±${(s.spreadPct / 2).toFixed(0)}%` : '–'
}

/** Formats a markdown table with right-aligned cells after the first column. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}
