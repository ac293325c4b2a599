// The guides' code blocks and the means to run them: every fenced block in README.md and docs/*.md
// says in its info string how CI checks it (```<lang> <check> ...), and a console transcript
// (`$ command`, then the output it must print) runs in a sandbox that maps the guide's hosts,
// ports and directories onto free loopback ports and temporary directories.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import ts from 'typescript'
import { root } from '../helpers/compile.js'

/** One fenced code block of a guide. */
export interface Block {
  /** The guide, relative to the repository root. */
  file: string
  /** Line of the opening fence (1-based). */
  line: number
  /** The language: the info string's first word. */
  lang: string
  /** The checks after the language: `runnable`, `file=NAME`, `transcript`, ... */
  checks: string[]
  /** The block's text, ending in a newline. */
  code: string
}

/**
 * Each check a block may name, and the test file that performs it. A block with none of these
 * fails the meta test: every example in the guides is either run or checked.
 */
export const checkOwners: Record<string, string> = {
  runnable: 'examples.test.ts (imported as a module, in this process)',
  file: 'the guide\'s sandbox: written under its name for the blocks after it',
  vitest: 'test-runners.test.ts',
  jest: 'test-runners.test.ts',
  mocha: 'test-runners.test.ts',
  node: 'test-runners.test.ts (a plain Node script: must exit 0 by itself)',
  transcript: 'guides.test.ts (each `$ command` run in the guide\'s sandbox, its output compared)',
  member: 'guides.test.ts (run on each machine of the ensemble sandbox until it prints its mode)',
  client: 'guides.test.ts (run on the ensemble sandbox\'s first machine)',
  readme: 'guides.test.ts (the README\'s set-up commands, run by CI and by the npm-start test)',
  'npm-start': 'guides.test.ts (the banner `npm start` prints)',
  metrics: 'guides.test.ts (every metric a PromQL line names is one /metrics exports)',
  'scrape-config': 'guides.test.ts (path and port agree with the metrics or admin server settings shown)',
  diagram: 'not an example: a picture (checked to contain no command)',
  bench: 'test/unit/bench/performance-doc.test.ts (each `npm run bench` line parses; the --report-from line runs and must draw the committed charts)',
}

/** The guides: README.md and every docs/*.md. */
export function guideFiles(): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort()
  return ['README.md', ...docs.map((f) => `docs/${f}`)]
}

/** The fenced blocks of `file`, in order. */
export function blocksOf(file: string): Block[] {
  const text = readFileSync(join(root, file), 'utf8')
  const blocks: Block[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i] ?? '')
    if (open === null) continue
    const end = lines.findIndex((l, j) => j > i && l === '```')
    if (end < 0) throw new Error(`${file}:${i + 1}: unclosed code fence`)
    blocks.push({ file, line: i + 1, lang: open[1] ?? '', checks: (open[2] ?? '').trim().split(/\s+/).filter(Boolean), code: lines.slice(i + 1, end).join('\n') + '\n' })
    i = end
  }
  return blocks
}

/** The check's name (`file=x` is the check `file`). */
export const checkName = (check: string) => check.split('=')[0] ?? check

/** Whether `block` names `check` (`file` matches `file=x`). */
export const has = (block: Block, check: string) => block.checks.some((c) => checkName(c) === check)

/** The value of `name=value` among the block's checks. */
export const attr = (block: Block, name: string) => block.checks.find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1)

/** `file:line` of a block, for messages. */
export const where = (block: Block) => `${block.file}:${block.line}`

/** One `$ command` of a transcript with what it is fed and what it must print. */
export interface Step {
  /** The command line, run by bash as written. */
  command: string
  /** Machines named by a trailing `# on NAME` (or `# on each machine`: all); empty = the first. */
  on: string[] | 'each'
  /** Lines typed into it (zkCli-style prompts `[zk: ...] cmd` after it). */
  input: string[]
  /** Lines it must print, in order; `…` in a line matches anything. */
  expected: string[]
}

/** Parses a transcript: `$ ` starts a command, `[zk: …] ` a line typed into it, the rest is output. */
export function parseTranscript(block: Block): Step[] {
  const steps: Step[] = []
  for (const line of block.code.split('\n')) {
    if (line.trim() === '') continue
    const command = /^\$ (.*)$/.exec(line)
    if (command !== null) {
      const text = command[1] ?? ''
      const on = /#.*\bon each machine\b/.test(text) ? 'each' : [...text.matchAll(/#.*?\bon (\w+)/g)].map((m) => m[1] ?? '')
      steps.push({ command: text, on, input: [], expected: [] })
      continue
    }
    const step = steps.at(-1)
    if (step === undefined) throw new Error(`${where(block)}: a transcript starts with "$ command", not ${JSON.stringify(line)}`)
    const typed = /^\[zk: [^\]]*\] (.*)$/.exec(line)
    if (typed !== null) step.input.push(typed[1] ?? '')
    else step.expected.push(line)
  }
  return steps
}

/** Replacements that move a guide's text into its sandbox: [pattern, replacement], in order. */
export type Substitutions = ReadonlyArray<readonly [RegExp, string]>

/** `text` with every substitution applied. */
export function substitute(text: string, subs: Substitutions): string {
  return subs.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text)
}

/** A place a transcript runs: a working directory and the substitutions that apply there. */
export interface Machine {
  name: string
  dir: string
  subs: Substitutions
}

/** What a command printed and how it ended. */
export interface Outcome {
  code: number | null
  output: string
}

/** How long one transcript command may run, ms (zkCli.sh starts a JVM). */
export const commandTimeoutMs = 60_000

/**
 * Writes shims into `bin` so transcripts run as a reader would type them: `paddock` and
 * `npx paddock` start the compiled CLI at `mainJs`.
 */
export async function writeShims(bin: string, mainJs: string): Promise<void> {
  await mkdir(bin, { recursive: true })
  const shims: Record<string, string> = {
    paddock: `exec "${process.execPath}" "${mainJs}" "$@"\n`,
    npx: `if [ "$1" = paddock ]; then shift; exec "${join(bin, 'paddock')}" "$@"; fi\necho "sandbox npx runs only paddock" >&2; exit 127\n`,
  }
  for (const [name, body] of Object.entries(shims)) {
    await writeFile(join(bin, name), `#!/bin/sh\n${body}`)
    await chmod(join(bin, name), 0o755)
  }
}

/** The PATH of a sandbox: its shims, zkCli.sh's directory, then the usual one. */
export const sandboxPath = (bin: string) => [bin, '/usr/share/zookeeper/bin', process.env['PATH'] ?? ''].join(':')

/** Runs one step's command (substituted) on `machine` with bash, feeding its input lines. */
export function runStep(step: Step, machine: Machine, bin: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    // One pipe for both streams, so lines keep the order they were written in (zkCli.sh prints
    // `Created` on stderr and `ls` on stdout).
    const child = spawn('bash', ['-c', `exec 2>&1\n${substitute(step.command, machine.subs)}`], {
      cwd: machine.dir,
      env: { ...process.env, PATH: sandboxPath(bin), CLIENT_JVMFLAGS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC', ZOO_LOG_DIR: '/tmp' },
      stdio: ['pipe', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${step.command}: still running after ${commandTimeoutMs} ms; output so far:\n${output}`))
    }, commandTimeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
    // A command may exit without reading what it is fed (echo ... | nc): that is no error here.
    child.stdin.on('error', () => undefined)
    if (step.input.length === 0) child.stdin.end()
    else child.stdin.end(step.input.map((l) => substitute(l, machine.subs) + '\n').join(''))
  })
}

/**
 * Why `output` does not show the expected lines (each, in order, as a whole trimmed line; `…`
 * in a line stands for any text, a line of just `…` for any lines), or undefined when it does.
 */
export function mismatch(expected: readonly string[], output: string): string | undefined {
  const lines = output.split('\n').map((l) => l.trim())
  let at = 0
  for (const want of expected) {
    // A line of its own `…` stands for any number of lines: matching goes on from here anyway.
    if (want.trim() === '…') continue
    const pattern = new RegExp(`^${want.trim().split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
    const found = lines.findIndex((l, i) => i >= at && pattern.test(l))
    if (found < 0) return `expected the line ${JSON.stringify(want)} (after line ${at}) in:\n${output}`
    at = found + 1
  }
  return undefined
}

/** A TypeScript example as an ES module for bare node (which finds 'paddock' in node_modules). */
export function transpile(code: string): string {
  return ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText
}
