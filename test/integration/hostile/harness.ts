// Shared fixtures of the hostile-input suite: a member in a child process (compiled once, run on
// bare node with --unhandled-rejections=strict), its resident memory read from /proc, a check
// that a fresh client can still write and read, and a child run to its exit for a start-up that
// must fail.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '../../../lib/index.js'
import { compileProject } from '../helpers/compile.js'

/** A member running in a child process. */
export interface Child {
  readonly process: ChildProcess
  readonly ports: { port?: number; adminPort?: number; quorumPort?: number; electionPort?: number }
  readonly dataDir: string
  /** Everything the child wrote to stderr. */
  readonly stderr: () => string
  /** Whether it is still running. */
  alive(): boolean
  /** Its resident set size now, in MiB (VmRSS). */
  rssMiB(): Promise<number>
  /** Its peak resident set size so far, in MiB (VmHWM). */
  peakMiB(): Promise<number>
  /** Stops it (SIGTERM, then SIGKILL). */
  stop(): Promise<void>
}

let build: Promise<string> | undefined
let work: string | undefined

/** Compiles the project and the child script once per test file. */
export function childScript(): Promise<string> {
  build ??= (async () => {
    work = await mkdtemp(join(tmpdir(), 'paddock-hostile-'))
    const out = await compileProject(join(work, 'build'), ['test/integration/hostile/member-child.ts'])
    return join(out, 'test/integration/hostile/member-child.js')
  })()
  return build
}

/** Data directories {@link startChild} made, removed by {@link cleanUp}. */
const dataDirs = new Set<string>()

/** Removes the compiled project and the data directories startChild made (stop the children first). */
export async function cleanUp(): Promise<void> {
  if (work !== undefined) await rm(work, { recursive: true, force: true })
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true })
  dataDirs.clear()
}

/** How a child that was expected to refuse to start ended, with everything it printed. */
export interface ChildExit {
  /** Its exit code; null when it was killed. */
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the child in `mode` on `dataDir` until it exits by itself, for a start-up that must fail;
 * one still running after `timeoutMs` (it started after all) is killed, so `signal` says so.
 * Resolves on 'close', once both output streams have ended, so nothing it printed is missing.
 */
export async function runChildToExit(mode: 'standalone' | 'standalone-failable' | 'member', options: { dataDir: string; args?: string[]; timeoutMs?: number }): Promise<ChildExit> {
  const script = await childScript()
  const child = spawn(process.execPath, ['--unhandled-rejections=strict', script, mode, options.dataDir, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const kill = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])))
  clearTimeout(kill)
  return { code, signal, stdout, stderr }
}

/** Starts the child in `mode` on `dataDir` (a fresh one unless given) and waits for READY. */
export async function startChild(mode: 'standalone' | 'standalone-failable' | 'member', options: { dataDir?: string; args?: string[] } = {}): Promise<Child> {
  const script = await childScript()
  let dataDir = options.dataDir
  if (dataDir === undefined) {
    dataDir = await mkdtemp(join(tmpdir(), 'paddock-hostile-data-'))
    dataDirs.add(dataDir)
  }
  const child = spawn(process.execPath, ['--unhandled-rejections=strict', script, mode, dataDir, ...(options.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const ports = await new Promise<Child['ports']>((resolve, reject) => {
    let out = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const line = /READY (.*)\n/.exec(out)
      if (line?.[1] !== undefined) resolve(JSON.parse(line[1]) as Child['ports'])
    })
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before READY: ${stderr}`)))
  })
  const status = async (field: string) => {
    const text = await readFile(`/proc/${child.pid}/status`, 'utf8')
    const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? NaN)
    return kb / 1024
  }
  return {
    process: child,
    ports,
    dataDir,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    rssMiB: () => status('VmRSS'),
    peakMiB: () => status('VmHWM'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
        child.once('exit', () => {
          clearTimeout(kill)
          resolve()
        })
        child.kill('SIGTERM')
      }),
  }
}

/** A fresh client on `port` creates a node and reads it back (the member still serves). */
export async function stillServes(port: number): Promise<void> {
  const zk = await connect(`127.0.0.1:${port}`, { sessionTimeoutMs: 10_000, connectTimeoutMs: 5_000 })
  try {
    const path = await zk.create('/probe-', 'alive', { mode: 2 })
    const { data } = await zk.getData(path)
    if (new TextDecoder().decode(data) !== 'alive') throw new Error(`read back ${String(data)}`)
  } finally {
    await zk.close()
  }
}
