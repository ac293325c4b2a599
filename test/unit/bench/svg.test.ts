// Method: real Vega renders of a small clipped bar chart: the SVG is standalone, and each render's
// clip-path ids carry the prefix it was given, so two charts on one page never share an id.
import { describe, expect, it } from 'vitest'
import type { TopLevelSpec } from 'vega-lite'
import { compileStrictly, prefixIds, renderSvg } from '../../bench/svg.js'

const clipped: TopLevelSpec = {
  data: { values: [{ op: 'create', n: 5 }, { op: 'getData', n: 12 }] },
  mark: { type: 'bar', clip: true },
  encoding: { x: { field: 'op', type: 'nominal' }, y: { field: 'n', type: 'quantitative', scale: { domain: [0, 10] }, title: 'replies' } },
}

const idsOf = (svg: string): string[] => [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1] ?? '')
const refsOf = (svg: string): string[] => [...svg.matchAll(/url\(#([^)]+)\)/g)].map((m) => m[1] ?? '')

describe('renderSvg', () => {
  it('renders a Vega-Lite spec to a standalone SVG in Node, without canvas or browser', async () => {
    const svg = await renderSvg(clipped, 'one')
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="\d+" height="\d+"/)
    expect(svg.endsWith('</svg>')).toBe(true)
    expect(svg).toContain('>replies</text>')
    expect(svg).toContain('>getData</text>')
  })

  it('prefixes the ids of each render, and the references to them', async () => {
    const [a, b] = [await renderSvg(clipped, 'a'), await renderSvg(clipped, 'b')]
    expect(idsOf(a).length).toBeGreaterThan(0)
    for (const id of idsOf(a)) expect(id).toMatch(/^a-/)
    for (const id of idsOf(b)) expect(id).toMatch(/^b-/)
    expect(new Set(refsOf(a))).toEqual(new Set(idsOf(a)))
    expect(idsOf(a).filter((id) => idsOf(b).includes(id))).toEqual([])
  })
})

describe('prefixIds', () => {
  it('rewrites ids, url() and href references, and nothing else', () => {
    const svg = '<svg><defs><clipPath id="clip1"/></defs><g clip-path="url(#clip1)"><use href="#p_g0"/><text>id="x"</text></g></svg>'
    expect(prefixIds(svg, 'memory')).toBe('<svg><defs><clipPath id="memory-clip1"/></defs><g clip-path="url(#memory-clip1)"><use href="#memory-p_g0"/><text>id="x"</text></g></svg>')
  })
})

describe('compileStrictly', () => {
  it('fails on a specification the compiler warns about', () => {
    const wrong = { ...clipped, encoding: { x: { field: 'op', type: 'nominal' }, y: { field: 'n', type: 'quantitative', aggregate: 'no-such-op' } } } as TopLevelSpec
    expect(() => compileStrictly(wrong, 'wrong')).toThrow(/chart wrong: Vega-Lite warned: /)
    expect(() => compileStrictly(clipped, 'fine')).not.toThrow()
  })
})
