// The metric names a PromQL expression (or a Grafana query) reads, and whether a /metrics text
// exports them: shared by the Grafana dashboard test and the guides' `metrics` check.

/** Words of PromQL that are no metric: modifiers, set operators, and `inf`/`nan`. */
const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'Inf', 'NaN'])

/**
 * The metric names in a PromQL expression: every identifier that is not a function or aggregation
 * (followed by `(`), a keyword, a label name or value (inside `{…}` or a `by (…)` list), a range
 * or a Grafana variable (`$__rate_interval`, `$instance`).
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
  const names: string[] = []
  for (const match of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const word = match[1] ?? ''
    if (match[2] === undefined && !keywords.has(word)) names.push(word)
  }
  return [...new Set(names)]
}

/** The metric a Grafana template query reads: the first argument of `label_values(metric, label)`, or the names of a PromQL query. */
export function templateMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\(\s*([a-zA-Z_:][\w:]*)\s*(?:\{[^}]*\})?\s*,/.exec(query)
  if (labelValues !== null) return [labelValues[1] ?? '']
  return /^\s*label_values\(\s*\w+\s*\)\s*$/.test(query) ? [] : metricNames(query)
}

/** The families a /metrics text declares (`# TYPE name type`), by name. */
export function exportedFamilies(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']))
}

/** Whether `name` is a series of an exported family: the family itself, or a summary's or histogram's `_count`/`_sum` (`_bucket`). */
export function isExported(families: ReadonlyMap<string, string>, name: string): boolean {
  if (families.has(name)) return true
  const suffix = /^(.*)_(count|sum|bucket)$/.exec(name)
  const type = suffix === null ? undefined : families.get(suffix[1] ?? '')
  return type === 'histogram' || (type === 'summary' && suffix?.[2] !== 'bucket')
}
