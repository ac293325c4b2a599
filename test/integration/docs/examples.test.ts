// Method: every fenced block of README.md and docs/*.md names how CI checks it (guides.ts lists
// the checks and the test that performs each); a block that names none fails here. The blocks
// fenced ```ts runnable are run here: their 'paddock' imports pointed at the sources, each is
// imported as a module and must finish without throwing.
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { root } from '../helpers/compile.js'
import { blocksOf, checkName, checkOwners, guideFiles, has, where, type Block } from './guides.js'

const out = join(root, 'test/integration/docs/.examples')

const entryPoints: Record<string, string> = {
  paddock: 'lib/index.ts',
  'paddock/testing': 'lib/testing/index.ts',
  'paddock/recipes': 'lib/recipes/index.ts',
  'paddock/storage': 'storage/index.ts',
}

function relink(code: string, from: string): string {
  return code.replace(/from '(paddock(?:\/[a-z]+)?)'/g, (whole, name: string) => {
    const target = entryPoints[name]
    return target === undefined ? whole : `from '${relative(dirname(from), join(root, target)).replace(/\.ts$/, '.js')}'`
  })
}

const blocks: Block[] = guideFiles().flatMap(blocksOf)
const runnable = blocks.filter((b) => has(b, 'runnable'))

afterAll(async () => {
  await rm(out, { recursive: true, force: true })
})

describe('guide blocks', () => {
  it('each names a check that a test performs', () => {
    const unchecked = blocks.filter((b) => b.checks.length === 0 || !b.checks.some((c) => checkName(c) in checkOwners))
    expect(unchecked.map((b) => `${where(b)} \`\`\`${b.lang} ${b.checks.join(' ')}`), `known checks: ${Object.keys(checkOwners).join(', ')}`).toEqual([])
  })

  it('diagrams are pictures, not commands or code', () => {
    for (const block of blocks.filter((b) => has(b, 'diagram'))) expect(block.code, where(block)).not.toMatch(/^\$ |^import |\bawait\b/m)
  })
})

describe('runnable guide examples', () => {
  it('finds them', () => {
    expect(runnable.length).toBeGreaterThanOrEqual(8)
  })

  it.each(runnable.map((b) => [where(b), b] as const))('%s runs', async (name, block) => {
    await mkdir(out, { recursive: true })
    const path = join(out, `${name.replace(/[^a-z0-9]+/gi, '-')}.ts`)
    await writeFile(path, relink(block.code, path))
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      await import(pathToFileURL(path).href)
    } finally {
      log.mockRestore()
      error.mockRestore()
    }
  })
})
