// Method: run the real `paddock` command (a transpiled build on bare node) as a child process:
// --version and `server version` checked against package.json; `server start-foreground` under
// PADDOCK_* variables, checked through its output, srvr on the port the environment chose and the
// Prometheus endpoint zoo.cfg's metricsProvider keys open; a bad variable's exit code and message;
// and the command `server print-cmd` prints, run by bash as printed, must serve. Every server
// started here is a child of this test (its process group), killed by its id at the end.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { compileProject, root } from '../helpers/compile.js'
import { runNode, type Run } from '../helpers/run-node.js'
import { freePorts, srvrMode, until } from '../ensemble/processes-harness.js'

let work: string
let mainJs: string
let dirs = 0
const children: ChildProcess[] = []

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-cli-operator-'))
  mainJs = join(await compileProject(join(work, 'build')), 'lib/cli/main.js')
}, 60_000)

afterEach(() => {
  for (const child of children.splice(0)) {
    // Detached children lead their own process group: bash and the node under it go together.
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL')
  }
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

/** Runs `paddock ...args` to its end with `env` added to this process's environment. */
const paddock = (args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Run> => runNode([mainJs, ...args], env, timeoutMs)

/** Starts a long-running command in its own process group; its output is collected. */
function background(command: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string } {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  children.push(child)
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return { child, output: () => output }
}

/** A standalone zoo.cfg on loopback with a fresh dataDir; `extra` lines appended. */
async function config(port: number, extra = ''): Promise<{ cfg: string; dataDir: string }> {
  const dir = join(work, `c${++dirs}`)
  const dataDir = join(dir, 'data')
  await mkdir(dir, { recursive: true })
  const cfg = join(dir, 'zoo.cfg')
  await writeFile(cfg, `tickTime=200\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\n${extra}`)
  return { cfg, dataDir }
}

describe('paddock --version and paddock server version', () => {
  it('print Paddock\'s version from package.json and the ZooKeeper version it speaks, and exit 0', async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }
    const line = `Paddock, version ${version} (ZooKeeper 3.9.5 compatible)\n`
    expect(await paddock(['--version'])).toEqual({ code: 0, stdout: line, stderr: '' })
    expect(await paddock(['server', 'version'])).toEqual({ code: 0, stdout: line, stderr: '' })
  })

  it('lists version and print-cmd among the verbs when given an unknown one, exiting 2', async () => {
    const run = await paddock(['server', 'frobnicate'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('paddock: unknown server command "frobnicate"; use start, start-foreground, stop, restart, status, version, print-cmd\n')
  })
})

describe('PADDOCK_* environment variables', () => {
  it('override zoo.cfg keys, open the metrics port zoo.cfg asks for, and are named in the start-up log', async () => {
    const [filePort = 0, envPort = 0, metricsPort = 0] = await freePorts(3)
    const { cfg } = await config(filePort, `metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\nmetricsProvider.httpPort=${metricsPort}\n`)
    const server = background(process.execPath, [mainJs, 'server', 'start-foreground', cfg], {
      PADDOCK_CLIENTPORT: String(envPort),
      PADDOCK_4LW_COMMANDS_WHITELIST: 'srvr,ruok',
      PADDOCK_ZOOKEEPER_SNAPSHOT_TRUST_EMPTY: 'true',
      PADDOCK_CLIENTPROT: '1',
    })
    await until(() => `the server to start; output:\n${server.output()}`, () => (server.output().includes('serving ZooKeeper clients') ? true : undefined), 30_000)
    const output = server.output()
    expect(output).toContain(`paddock: clientPort from the environment (PADDOCK_CLIENTPORT, over ${cfg}:3)\n`)
    expect(output).toContain('paddock: 4lw.commands.whitelist from the environment (PADDOCK_4LW_COMMANDS_WHITELIST)\n')
    expect(output).toContain('paddock: warning: PADDOCK_CLIENTPROT (environment): names no zoo.cfg key Paddock reads; ignored\n')
    expect(output).toMatch(/paddock: warning: PADDOCK_ZOOKEEPER_SNAPSHOT_TRUST_EMPTY \(environment\): zookeeper\.snapshot\.trust\.empty=true has no effect: /)
    expect(output).toContain(`serving ZooKeeper clients at 127.0.0.1:${envPort}`)
    expect(await srvrMode(envPort)).toBe('standalone')
    expect(await srvrMode(filePort)).toBe('down')
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    expect(metrics).toMatch(/^znode_count \d+$/m)
    expect(metrics).toMatch(/^# TYPE readlatency summary$/m)
    const exited = new Promise((resolve) => server.child.once('exit', (code) => resolve(code)))
    server.child.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 60_000)

  it('refuse a bad value naming the variable, exiting 2 before anything starts', async () => {
    const [port = 0] = await freePorts(1)
    const { cfg } = await config(port)
    const run = await paddock(['server', 'status', cfg], { PADDOCK_CLIENTPORT: 'twenty-one' })
    expect(run.code).toBe(2)
    expect(run.stderr).toBe('paddock: PADDOCK_CLIENTPORT (environment): clientPort must be an integer in [0, 65535], got "twenty-one"\n')
    expect(run.stdout).toBe('')
  })
})

describe('paddock server print-cmd', () => {
  it('prints the command start runs, which serves when bash runs it as printed', async () => {
    const [port = 0] = await freePorts(1)
    const { cfg, dataDir } = await config(port)
    const printed = await paddock(['server', 'print-cmd', cfg])
    expect(printed.code).toBe(0)
    const [using, command, ...rest] = printed.stdout.trimEnd().split('\n')
    expect(using).toBe(`Using config: ${cfg}`)
    expect(rest).toEqual([])
    expect(command).toBe(`cd ${process.cwd()} && ${process.execPath} ${mainJs} server start-foreground ${cfg} > ${join(dataDir, 'paddock.log')} 2>&1 < /dev/null`)
    await mkdir(dataDir, { recursive: true })
    background('bash', ['-c', command ?? 'false'])
    await until('the printed command to serve', async () => ((await srvrMode(port)) === 'standalone' ? true : undefined), 30_000, 100)
    expect(await readFile(join(dataDir, 'paddock.log'), 'utf8')).toContain(`Using config: ${cfg}`)
  }, 60_000)

  it('quotes what a shell would split', async () => {
    const [port = 0] = await freePorts(1)
    const dir = join(work, 'with space')
    await mkdir(dir, { recursive: true })
    const cfg = join(dir, 'zoo.cfg')
    await writeFile(cfg, `dataDir=${join(dir, 'data')}\nclientPort=${port}\n`)
    const printed = await paddock(['server', 'print-cmd', cfg])
    expect(printed.stdout).toContain(` server start-foreground "${cfg}" > "${join(dir, 'data', 'paddock.log')}" 2>&1 < /dev/null`)
  })
})
