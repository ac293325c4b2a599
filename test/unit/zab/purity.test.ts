// Method: static scan of lib/zab sources (and the lib/protocol/zxid.ts they share) for forbidden imports and ambient inputs (DESIGN.md: zab is pure).
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const zabDir = join(import.meta.dirname, '../../../lib/zab')
// The one module outside lib/zab the core may import: zxid arithmetic, shared with the server.
const sharedZxid = '../protocol/zxid.js'
const sources = [...readdirSync(zabDir).filter((name) => name.endsWith('.ts')), sharedZxid.replace(/\.js$/, '.ts')]

// Comments may mention what the code must not use; only code counts.
function code(name: string): string {
  return readFileSync(join(zabDir, name), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')
}

const forbidden: [string, RegExp][] = [
  ['node: built-ins (node:net, node:fs, ...)', /from\s+['"]node:/],
  ['bare node built-ins', /from\s+['"](net|fs|timers|child_process|worker_threads)['"]/],
  ['level', /from\s+['"](level|memory-level|abstract-level)['"]/],
  ['timers', /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/],
  ['the wall clock', /\bDate\b|performance\.now|process\.hrtime/],
  ['global randomness', /Math\.random|crypto\.getRandomValues|randomUUID/],
  ['async code', /\basync\b|\bawait\b|\bPromise\b/],
  ['imports from outside lib/zab but lib/protocol/zxid.ts', /from\s+['"]\.\.\/(?!protocol\/zxid\.js['"])/],
]

describe('lib/zab purity (DESIGN.md module map; STYLE.md "a pure core behind a thin shell")', () => {
  it('has sources to scan', () => {
    expect(sources.length).toBeGreaterThan(5)
  })

  for (const [what, pattern] of forbidden) {
    it(`uses no ${what}`, () => {
      const offenders = sources.filter((name) => pattern.test(code(name)))
      expect(offenders).toEqual([])
    })
  }

  it('imports only relative ./ modules and lib/protocol/zxid.ts', () => {
    const imports = sources.flatMap((name) => [...code(name).matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => `${name}: ${m[1]}`))
    const allowed = (specifier: string | undefined): boolean => specifier?.startsWith('./') === true || specifier === sharedZxid
    expect(imports.filter((line) => !allowed(line.split(': ')[1]))).toEqual([])
  })

  it('scans the shared zxid module and finds the core importing it', () => {
    expect(sources).toContain('../protocol/zxid.ts')
    expect(sources.some((name) => code(name).includes(`'${sharedZxid}'`))).toBe(true)
  })
})
