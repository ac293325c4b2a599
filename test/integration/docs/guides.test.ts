// Method: the guides' shell examples run as a reader would run them. `npm start` itself is
// started (on a free port) and its banner compared with the guide; each console transcript runs
// its `$ commands` with bash in a sandbox (the guide's hosts, ports and directories mapped onto
// free loopback ports and a temporary directory; `paddock` is the compiled CLI, zkCli.sh is
// Apache's) and must print the lines the guide shows. The ensemble tutorial runs on three
// "machines" (directories with their own zoo.cfg, myid and ports), through start, status,
// clients, stop, and the embedding example as three member processes.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../../../lib/index.js'
import { installCompiledPackage, root } from '../helpers/compile.js'
import { freePorts, srvrMode, until, within } from '../ensemble/processes-harness.js'
import { attr, blocksOf, has, mismatch, parseTranscript, runStep, sandboxPath, substitute, transpile, where, writeShims, type Block, type Machine, type Outcome, type Step, type Substitutions } from './guides.js'
import { exportedFamilies, isExported, metricNames } from '../admin/promql.js'

/** Tools the transcripts call; CI installs them (.ci/install-interop.sh), elsewhere their absence skips. */
const tools = ['bash', 'nc', 'curl', 'jq', 'zkCli.sh', 'java', 'openssl']
const missing = tools.filter((tool) => spawnSync('bash', ['-c', `command -v ${tool}`], { env: { ...process.env, PATH: sandboxPath('/nonexistent') } }).status !== 0)
if (missing.length > 0) {
  if (process.env['CI'] === 'true') throw new Error(`guides.test.ts needs ${missing.join(', ')}: run .ci/install-interop.sh`)
  console.warn(`guides.test.ts skipped: ${missing.join(', ')} not installed (.ci/install-interop.sh installs them)`)
}

/** Time for `npm start` (which builds first) to print its banner, ms. */
const npmStartMsMax = 120_000
/** Time for an ensemble to elect a leader, or a member process to start, ms. */
const settleMsMax = 30_000

let work: string
let bin: string

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-guides-'))
  // Examples under `work` import 'paddock' from work/node_modules, as an application does.
  const paddock = await installCompiledPackage(work)
  bin = join(work, 'bin')
  await writeShims(bin, join(paddock, 'lib/cli/main.js'))
}, 120_000)

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

/** Runs a transcript's steps; each step on its machines, its output matched on at least one. */
async function runTranscript(block: Block, machines: readonly Machine[], before?: (step: Step) => Promise<void>): Promise<void> {
  for (const step of parseTranscript(block)) {
    await before?.(step)
    const targets = step.on === 'each' ? machines : step.on.length === 0 ? machines.slice(0, 1) : machines.filter((m) => step.on.includes(m.name))
    if (targets.length === 0) throw new Error(`${where(block)}: ${step.command}: no machine ${String(step.on)}`)
    const outcomes: Array<[Machine, Outcome]> = []
    for (const machine of targets) outcomes.push([machine, await runStep(step, machine, bin)])
    for (const [machine, outcome] of outcomes) expect(outcome.code, `${where(block)} on ${machine.name}: $ ${step.command}\n${outcome.output}`).toBe(0)
    const reasons = outcomes.map(([machine, outcome]) => mismatch(step.expected.map((l) => substitute(l, machine.subs)), outcome.output))
    if (!reasons.includes(undefined)) throw new Error(`${where(block)}: $ ${step.command}: ${reasons[0] ?? ''}`)
  }
}

/** Writes a `file=NAME` block (substituted) on each machine, NAME mapped by its substitutions. */
async function writeFileBlock(block: Block, machines: readonly Machine[]): Promise<void> {
  const name = attr(block, 'file') ?? ''
  for (const machine of machines) {
    const path = substitute(name, machine.subs)
    const target = path.startsWith('/') ? path : join(machine.dir, path)
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, substitute(block.code, machine.subs))
  }
}

/** `npm start` with a free port: resolves with its banner lines once it prints them. */
class NpmStart {
  readonly child: ChildProcess
  output = ''

  constructor() {
    // Its own process group, so the test can stop npm and the server under it together.
    this.child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, PADDOCK_PORT: '0' }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    this.child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()))
    this.child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()))
  }

  banner(): Promise<{ port: number; lines: string[] }> {
    return until(() => `npm start to print its banner; output:\n${this.output}`, () => {
      const lines = this.output.split('\n').filter((l) => l.startsWith('paddock: '))
      const port = /serving ZooKeeper clients at 127\.0\.0\.1:(\d+)/.exec(this.output)?.[1]
      return port !== undefined && lines.length >= 2 ? { port: Number(port), lines } : undefined
    }, npmStartMsMax, 100)
  }

  /** Ctrl-C: resolves with the exit code, or the signal npm re-raises on itself after its script ended. */
  async interrupt(): Promise<number | string | null> {
    const exited = new Promise<number | string | null>((resolve) => this.child.once('exit', (code, signal) => resolve(code ?? signal)))
    if (this.child.exitCode === null && this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGINT')
    return within(exited, 20_000, 'npm start to stop on SIGINT')
  }
}

describe.skipIf(missing.length > 0)('the guides, run as written', () => {
  it('README: the two set-up commands are the ones CI runs and the ones the guides repeat', async () => {
    const setUp = ['npm install && npm start', 'npm install && npm test']
    const readme = blocksOf('README.md').filter((b) => has(b, 'readme')).map((b) => b.code.trim())
    expect(readme).toEqual(setUp)
    for (const block of blocksOf('docs/getting-started.md').filter((b) => has(b, 'readme'))) {
      for (const line of block.code.trim().split('\n')) expect(setUp, where(block)).toContain(line.replace(/#.*$/, '').trim())
    }
    // `npm install` is `npm ci` on CI's clean clone; `npm test` is run as written.
    const ci = await readFile(join(root, '.ci/run'), 'utf8')
    expect(ci).toMatch(/^npm ci\b/m)
    expect(ci).toMatch(/^npm test$/m)
  })

  it('getting started: npm start prints the banner shown, and the zkCli.sh and nc transcripts print what is shown', async () => {
    const blocks = blocksOf('docs/getting-started.md')
    const server = new NpmStart()
    let ended: number | string | null = null
    try {
      const { port, lines } = await server.banner()
      const subs: Substitutions = [[/127\.0\.0\.1:2181/g, `127.0.0.1:${port}`], [/\b2181\b/g, String(port)]]
      const shown = blocks.find((b) => has(b, 'npm-start'))
      expect(shown, 'the npm-start block').toBeDefined()
      expect(lines).toEqual(substitute(shown?.code ?? '', subs).trim().split('\n'))
      const machine: Machine = { name: 'local', dir: work, subs }
      for (const block of blocks.filter((b) => has(b, 'transcript'))) await runTranscript(block, [machine])
    } finally {
      ended = await server.interrupt()
    }
    expect([0, 'SIGINT'], server.output).toContain(ended)
    expect(server.output).toContain('paddock: stopping')
  }, npmStartMsMax + 120_000)

  it('the shell: interactive, one-shot and chroot sessions and a fired watch print what is shown', async () => {
    const server = await createServer({ port: 0, host: '127.0.0.1' })
    try {
      const port = String(server.address?.port)
      const subs: Substitutions = [[/\b(127\.0\.0\.1|h[123]):2181\b/g, `127.0.0.1:${port}`]]
      const blocks = blocksOf('docs/shell.md').filter((b) => has(b, 'transcript'))
      expect(blocks.length).toBeGreaterThanOrEqual(2)
      for (const block of blocks) await runTranscript(block, [{ name: 'local', dir: work, subs }])
    } finally {
      await server.close()
    }
  })

  it('operations: a server from the zoo.cfg shown answers the four-letter words, admin and metrics requests shown; the scrape config and queries name what it serves', async () => {
    const [clientPort, adminPort, metricsPort] = (await freePorts(3)).map(String)
    const dir = join(work, 'operations')
    const subs: Substitutions = [
      [/\/var\/lib\/paddock/g, join(dir, 'data')],
      [/\/etc\/paddock/g, join(dir, 'etc')],
      [/^clientPort=2181$/m, `clientPort=${clientPort}\nclientPortAddress=127.0.0.1`],
      [/\b2181\b/g, clientPort ?? ''],
      [/\b8080\b/g, adminPort ?? ''],
      [/\b7000\b/g, metricsPort ?? ''],
    ]
    const machine: Machine = { name: 'local', dir, subs }
    const blocks = blocksOf('docs/operations.md')
    const config = blocks.find((b) => has(b, 'file'))
    if (config === undefined) throw new Error('docs/operations.md: no zoo.cfg block (file=...)')
    await writeFileBlock(config, [machine])
    const server = spawn(join(bin, 'paddock'), ['server', 'start-foreground', substitute(attr(config, 'file') ?? '', subs)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    server.stdout.on('data', (d: Buffer) => (output += d.toString()))
    server.stderr.on('data', (d: Buffer) => (output += d.toString()))
    try {
      await until(() => `the server to start; output:\n${output}`, () => (output.includes('serving ZooKeeper clients') ? true : undefined), settleMsMax, 50)
      for (const block of blocks.filter((b) => has(b, 'transcript'))) await runTranscript(block, [machine])
      // A family is declared by its # TYPE line; a summary's series add _sum and _count, a histogram's _bucket too.
      const families = exportedFamilies(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())
      for (const block of blocks.filter((b) => has(b, 'metrics'))) {
        const names = block.code.split('\n').flatMap(metricNames)
        expect(names.length, where(block)).toBeGreaterThan(0)
        for (const name of names) expect(isExported(families, name), `${where(block)} names ${name}, which /metrics does not export`).toBe(true)
      }
      const servingPorts = [/^admin\.serverPort=(\d+)$/m, /^metricsProvider\.httpPort=(\d+)$/m].map((key) => key.exec(config.code)?.[1])
      for (const block of blocks.filter((b) => has(b, 'scrape-config'))) {
        expect(block.code, where(block)).toMatch(/^\s*metrics_path: \/metrics$/m)
        const ports = new Set([...block.code.matchAll(/'[\w.-]+:(\d+)'/g)].map((m) => m[1]))
        expect(ports.size, `${where(block)}: one port for every target`).toBe(1)
        expect(servingPorts, `${where(block)}: the targets use metricsProvider.httpPort or admin.serverPort`).toContain([...ports][0])
      }
    } finally {
      const ended = new Promise((resolve) => server.once('exit', (code) => resolve(code)))
      server.kill('SIGTERM')
      expect(await within(ended, settleMsMax, 'the server to stop')).toBe(0)
    }
  })

  it('security: the openssl commands make the certificates, the TLS-only zoo.cfg serves the shell and the embedded server as shown, and stops; the HTTPS admin server authenticates as shown', async () => {
    const [clientPort, securePort, adminPort] = (await freePorts(3)).map(String)
    const dir = join(work, 'security')
    const tlsDir = join(dir, 'etc/tls')
    await mkdir(tlsDir, { recursive: true })
    const subs: Substitutions = [
      [/\/etc\/paddock\/tls/g, tlsDir],
      [/\/etc\/paddock/g, join(dir, 'etc')],
      [/\/var\/lib\/paddock/g, join(dir, 'data')],
      // Tests listen on loopback only; the guide's server binds every address, as ZooKeeper does.
      [/^secureClientPort=2281$/m, `secureClientPort=${securePort}\nsecureClientPortAddress=127.0.0.1`],
      [/\b2181\b/g, clientPort ?? ''],
      [/\b2281\b/g, securePort ?? ''],
      [/\b8080\b/g, adminPort ?? ''],
    ]
    const machine: Machine = { name: 'local', dir: tlsDir, subs }
    try {
      for (const block of blocksOf('docs/security.md')) {
        if (has(block, 'file')) await writeFileBlock(block, [machine])
        else if (has(block, 'transcript')) await runTranscript(block, [machine])
      }
    } finally {
      killRecorded([{ ...machine, dir }])
    }
  }, 300_000)

  it('running an ensemble: zoo.cfg, myid, start, status, clients, stop and the embedded members on three machines', async () => {
    const machines = await ensembleMachines()
    const members: ChildProcess[] = []
    try {
      for (const block of blocksOf('docs/ensemble.md')) {
        if (has(block, 'file')) await writeFileBlock(block, machines)
        else if (has(block, 'transcript')) await runTranscript(block, machines, () => settle(machines))
        else if (has(block, 'client')) await runModule(block, machines[0] as Machine)
        else if (has(block, 'member')) members.push(...(await startMembers(block, machines)))
      }
      expect(members).toHaveLength(machines.length)
      const ends = members.map((m) => new Promise((resolve) => m.once('exit', (code, signal) => resolve(code ?? signal))))
      for (const m of members) m.kill('SIGTERM')
      expect(await within(Promise.all(ends), settleMsMax, 'the members to leave on SIGTERM')).toEqual(machines.map(() => 0))
    } finally {
      for (const m of members) m.kill('SIGKILL')
      killRecorded(machines)
    }
  }, 300_000)
})

/**
 * Three machines zoo1..zoo3 as directories: each maps the guide's zooN:2181 and
 * zooN:2888:3888 onto free loopback ports, /etc/paddock and /var/lib/paddock into its directory,
 * and its own clientPort=2181 onto its port on loopback (tests never listen beyond 127.0.0.1).
 */
async function ensembleMachines(): Promise<Machine[]> {
  const ports = await freePorts(9)
  const port = (machine: number, which: number) => String(ports[3 * (machine - 1) + which] ?? 0)
  const shared: Array<readonly [RegExp, string]> = []
  for (const k of [1, 2, 3]) {
    shared.push([new RegExp(`zoo${k}:2888:3888`, 'g'), `127.0.0.1:${port(k, 1)}:${port(k, 2)}`])
    shared.push([new RegExp(`zoo${k}:2181`, 'g'), `127.0.0.1:${port(k, 0)}`])
  }
  return Promise.all([1, 2, 3].map(async (k) => {
    const dir = join(work, 'ensemble', `zoo${k}`)
    await mkdir(dir, { recursive: true })
    const subs: Substitutions = [
      ...shared,
      [/\/var\/lib\/paddock/g, join(dir, 'data')],
      [/\/etc\/paddock/g, join(dir, 'etc')],
      [/^clientPort=2181$/m, `clientPort=${port(k, 0)}\nclientPortAddress=127.0.0.1`],
      [/\b2181\b/g, port(k, 0)],
    ]
    return { name: `zoo${k}`, dir, subs }
  }))
}

const pidFileOf = (machine: Machine) => join(machine.dir, 'data', 'paddock.pid')
const clientPortOf = (machine: Machine) => Number(substitute('2181', machine.subs))

/** Before a step: once members run (pid files exist), the operator waits until they serve. */
async function settle(machines: readonly Machine[]): Promise<void> {
  const running = machines.filter((m) => existsSync(pidFileOf(m)))
  if (running.length === 0) return
  await until('the started members to elect a leader and serve', async () => {
    const modes = await Promise.all(running.map((m) => srvrMode(clientPortOf(m))))
    return modes.every((mode) => mode === 'leader' || mode === 'follower') ? modes : undefined
  }, settleMsMax, 100)
}

/** SIGKILLs whatever `paddock server start` left running (a failed test must not leak members). */
function killRecorded(machines: readonly Machine[]): void {
  for (const machine of machines) {
    if (!existsSync(pidFileOf(machine))) continue
    try {
      process.kill(Number(readFileSync(pidFileOf(machine), 'utf8').trim()), 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

/** Writes a TypeScript block (substituted) as a module for bare node on `machine`. */
async function writeModule(block: Block, machine: Machine): Promise<string> {
  const path = join(machine.dir, `example-${block.line}.mjs`)
  await writeFile(path, transpile(substitute(block.code, machine.subs)))
  return path
}

/** Runs a TypeScript block to its end on `machine`; it must exit 0. */
async function runModule(block: Block, machine: Machine): Promise<void> {
  const path = await writeModule(block, machine)
  const outcome = await runStep({ command: `"${process.execPath}" "${path}"`, on: [], input: [], expected: [] }, machine, bin)
  expect(outcome.code, `${where(block)} on ${machine.name}:\n${outcome.output}`).toBe(0)
}

/** Starts a long-running block on every machine; resolves once each has printed its mode. */
async function startMembers(block: Block, machines: readonly Machine[]): Promise<ChildProcess[]> {
  const started = await Promise.all(machines.map(async (machine) => {
    const child = spawn(process.execPath, [await writeModule(block, machine)], { cwd: machine.dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    return { child, output: () => output }
  }))
  await until(() => `each member to print its mode; output:\n${started.map((s) => s.output()).join('\n---\n')}`, () => {
    const modes = started.map((s) => /^(leader|follower|observer)$/m.exec(s.output())?.[1])
    return modes.every((m) => m !== undefined) ? modes : undefined
  }, settleMsMax, 100)
  return started.map((s) => s.child)
}
