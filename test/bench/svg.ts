// Method: a Vega-Lite specification compiled to Vega and rendered to an SVG string headless, in
// this process (vega's View with no renderer, then toSVG(): no canvas and no browser). A warning
// from the compiler means the specification is wrong, and fails the render. Vega names its clip
// paths and gradients from a process-wide counter; each chart's ids are prefixed with its own id
// instead, so charts can share one HTML page and render the same bytes every time.
import { logger, parse, View, Warn } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/** Prefixes every `id="…"` and `url(#…)` / `href="#…"` reference in the tags of `svg` with `prefix-` (text is left alone). */
export function prefixIds(svg: string, prefix: string): string {
  return svg.replace(/<[^>]+>/g, (tag) => tag
    .replace(/\sid="([^"]+)"/g, (_, id: string) => ` id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_, id: string) => `href="#${prefix}-${id}"`))
}

/**
 * Compiles `spec` to a Vega specification.
 * @throws Error listing the compiler's warnings, if it gave any.
 */
export function compileStrictly(spec: TopLevelSpec, id: string): ReturnType<typeof compile>['spec'] {
  const warnings: string[] = []
  const collect = logger(Warn, 'warn', (_method, _level, args) => warnings.push(args.map(String).join(' ')))
  const compiled = compile(spec, { logger: collect }).spec
  if (warnings.length > 0) throw new Error(`chart ${id}: Vega-Lite warned: ${warnings.join('; ')}`)
  return compiled
}

/** Renders `spec` to a standalone SVG document whose ids all start with `id-`. */
export async function renderSvg(spec: TopLevelSpec, id: string): Promise<string> {
  const view = new View(parse(compileStrictly(spec, id)), { renderer: 'none' })
  try {
    return prefixIds(await view.toSVG(), id)
  } finally {
    view.finalize()
  }
}
