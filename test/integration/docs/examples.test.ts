// Method: extract every code block fenced as ```ts runnable from README.md and docs/*.md, point
// its 'paddock' imports at the sources, and run it as a module: the guides' examples must work.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const out = join(root, 'test/integration/docs/.examples')

const entryPoints: Record<string, string> = {
  paddock: 'lib/index.ts',
  'paddock/testing': 'lib/testing/index.ts',
  'paddock/recipes': 'lib/recipes/index.ts',
  'paddock/storage': 'storage/index.ts',
}

interface Example {
  name: string
  code: string
}

async function examples(): Promise<Example[]> {
  const files = ['README.md', ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  const found: Example[] = []
  for (const file of files) {
    const text = await readFile(join(root, file), 'utf8')
    const blocks = [...text.matchAll(/^```ts runnable\n([\s\S]*?)^```$/gm)]
    blocks.forEach((block, i) => found.push({ name: `${file} #${i + 1}`, code: block[1] ?? '' }))
  }
  return found
}

function relink(code: string, from: string): string {
  return code.replace(/from '(paddock(?:\/[a-z]+)?)'/g, (whole, name: string) => {
    const target = entryPoints[name]
    return target === undefined ? whole : `from '${relative(dirname(from), join(root, target)).replace(/\.ts$/, '.js')}'`
  })
}

const found = await examples()
afterAll(async () => {
  await rm(out, { recursive: true, force: true })
})

describe('guide examples', () => {
  it('finds runnable examples in the guides', () => {
    expect(found.length).toBeGreaterThanOrEqual(2)
  })

  it.each(found.map((e) => [e.name, e] as const))('%s runs', async (_name, example) => {
    await mkdir(out, { recursive: true })
    const path = join(out, `${example.name.replace(/[^a-z0-9]+/gi, '-')}.ts`)
    await writeFile(path, relink(example.code, path))
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
