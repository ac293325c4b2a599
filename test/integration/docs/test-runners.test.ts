// Method: run the test examples of docs/testing.md with the runner each is written for (vitest,
// jest, mocha, and plain node for the script that must exit by itself), in a temporary project
// where 'paddock' is the compiled package, as a user would.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { installCompiledPackage, root } from '../helpers/compile.js'
import { attr, blocksOf, has, type Block } from './guides.js'

const guide = 'docs/testing.md'
/** Kills a runner that hangs, below the integration testTimeout so its output is still reported. */
const runnerTimeoutMs = 45_000
const compileTimeoutMs = 60_000

interface Runner {
  tag: 'vitest' | 'jest' | 'mocha' | 'node'
  /** Node arguments that start the runner, as the guide's "run with:" comment says. */
  args: (testFile: string) => string[]
  /** The package.json of the project; jest's is the one the guide spells out. */
  packageJson: object
  /** The runner's summary line when exactly the example's four tests passed (for node: what the script prints). */
  passed: RegExp
}

const runners: Runner[] = [
  {
    tag: 'vitest',
    // The minimal config written below keeps vitest from looking further up for one.
    args: () => [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'vitest.config.js'],
    packageJson: { type: 'module' },
    passed: /Tests\s+4 passed \(4\)/,
  },
  {
    tag: 'jest',
    args: () => ['--experimental-vm-modules', join(root, 'node_modules/jest/bin/jest.js')],
    packageJson: { type: 'module', jest: { transform: {} } },
    passed: /Tests:\s+4 passed, 4 total/,
  },
  {
    tag: 'mocha',
    args: (testFile) => [join(root, 'node_modules/mocha/bin/mocha.js'), testFile],
    packageJson: { type: 'module' },
    passed: /\b4 passing\b/,
  },
  {
    // A plain script: no runner keeps the process alive, so it must finish its awaits by itself.
    tag: 'node',
    args: (testFile) => [testFile],
    packageJson: { type: 'module' },
    passed: /^v1 after failover$/m,
  },
]

function onlyBlockTagged(blocks: Block[], tag: string): Block {
  const found = blocks.filter((block) => has(block, tag))
  if (found.length !== 1) throw new Error(`${guide} has ${found.length} blocks tagged '${tag}', expected 1`)
  return found[0] as Block
}

/** The file name a test example gives in its first line: "// services.test.js — run with: ...". */
function fileNameOf(block: Block, tag: string): string {
  const name = /^\/\/ (\S+)/.exec(block.code)?.[1]
  if (name === undefined) throw new Error(`the '${tag}' block of ${guide} does not start with a "// <file name>" comment`)
  return name
}

/** Modules the tests import (tagged file=<name>), written next to the vitest test. */
function modulesOf(blocks: Block[]): Map<string, string> {
  const modules = new Map<string, string>()
  for (const block of blocks) {
    const name = attr(block, 'file')
    if (name !== undefined) modules.set(name, block.code)
  }
  if (modules.size === 0) throw new Error(`${guide} has no block tagged 'file=<name>' (the module the tests import)`)
  return modules
}

/** Runs node with `args` in `cwd`, bounded by runnerTimeoutMs; never rejects. */
function runNode(args: string[], cwd: string): Promise<{ exitCode: number | string | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd, timeout: runnerTimeoutMs }, (error, stdout, stderr) => {
      const exitCode = error === null ? 0 : error.killed ? `killed after ${runnerTimeoutMs} ms` : (error.code ?? null)
      // Without colours, whether or not the environment asks for them, so the summary matches.
      resolve({ exitCode, output: stripVTControlCharacters(`${stdout}\n${stderr}`) })
    })
  })
}

const blocks = blocksOf(guide)
let project = ''

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'paddock-test-runners-'))
  await installCompiledPackage(project)
}, compileTimeoutMs)

afterAll(async () => {
  if (project !== '') await rm(project, { recursive: true, force: true })
})

// Each runner gets a directory of its own, so none collects another runner's test file.
it.each(runners.map((runner) => [runner.tag, runner] as const))("%s: the guide's example runs and passes", async (_tag, runner) => {
  const block = onlyBlockTagged(blocks, runner.tag)
  const testFile = fileNameOf(block, runner.tag)
  const dir = join(project, runner.tag)
  await mkdir(dir)
  await writeFile(join(dir, 'package.json'), JSON.stringify(runner.packageJson))
  await writeFile(join(dir, testFile), block.code)
  if (runner.tag === 'vitest') {
    await writeFile(join(dir, 'vitest.config.js'), 'export default {}\n')
    for (const [name, code] of modulesOf(blocks)) await writeFile(join(dir, name), code)
  }

  const { exitCode, output } = await runNode(runner.args(testFile), dir)
  // The exit code alone would pass a runner that found no tests; the summary says it ran all 3.
  expect({ exitCode, passed: runner.passed.test(output) }, output).toEqual({ exitCode: 0, passed: true })
})
