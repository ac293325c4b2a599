// Method: run the real `paddock` command (a transpiled build on bare node) as a child process
// against generated zoo.cfg + myid files, checking its exit codes, its output lines and what
// clients and srvr see; every server it leaves behind is killed by the pid in its pid file; pid
// files are forged to name an unrelated `sleep` child, which must outlive every command.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/index.js'
import { compileProject } from '../helpers/compile.js'
import { runNode, type Run } from '../helpers/run-node.js'
import { freePorts, srvrMode, until, writeEnsemble } from '../ensemble/processes-harness.js'

let work: string
let mainJs: string
let dirs = 0

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-cli-server-'))
  mainJs = join(await compileProject(join(work, 'build')), 'lib/cli/main.js')
}, 60_000)

/** Data directories whose paddock.pid must not outlive the test. */
const dataDirs: string[] = []
const cleanup: Array<() => Promise<unknown> | void> = []

function killRecorded(): void {
  for (const dir of dataDirs.splice(0)) {
    const file = join(dir, 'paddock.pid')
    if (!existsSync(file)) continue
    try {
      process.kill(Number(readFileSync(file, 'utf8').trim()), 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
}

afterEach(async () => {
  killRecorded()
  for (const step of cleanup.splice(0).reverse()) await Promise.resolve(step()).catch(() => undefined)
})

afterAll(async () => {
  killRecorded()
  await rm(work, { recursive: true, force: true })
})

/** Runs `paddock ...args` to its end (at most `timeoutMs`, then SIGKILL and a failure). */
const paddock = (args: string[], timeoutMs?: number): Promise<Run> => runNode([mainJs, ...args], {}, timeoutMs)

/** A standalone zoo.cfg with a fresh dataDir on a free port. */
async function standaloneConfig(): Promise<{ cfg: string; dataDir: string; port: number }> {
  const dir = join(work, `s${++dirs}`)
  const dataDir = join(dir, 'data')
  const [port = 0] = await freePorts(1)
  await mkdir(dir, { recursive: true })
  const cfg = join(dir, 'zoo.cfg')
  await writeFile(cfg, `tickTime=200\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\n`)
  dataDirs.push(dataDir)
  return { cfg, dataDir, port }
}

const pidIn = (dataDir: string) => Number(readFileSync(join(dataDir, 'paddock.pid'), 'utf8').trim())

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('paddock server: a standalone server from zoo.cfg', () => {
  it('starts in the background, reports its status, refuses a second start, restarts keeping data, and stops', async () => {
    const { cfg, dataDir, port } = await standaloneConfig()

    const before = await paddock(['server', 'status', cfg])
    expect(before.code).toBe(1)
    expect(before.stdout).toContain(`Client port found: ${port}. Client address: 127.0.0.1.`)
    expect(before.stderr).toMatch(/Error contacting service\. nothing listens on 127\.0\.0\.1:\d+ .*it is not running/)

    const started = await paddock(['server', 'start', cfg])
    expect(started.code, started.stderr).toBe(0)
    expect(started.stdout).toContain(`Using config: ${cfg}`)
    expect(started.stdout).toMatch(/STARTED \(pid \d+, log .*paddock\.log\); Mode: standalone/)
    const pid = pidIn(dataDir)
    expect(started.stdout).toContain(`pid ${pid}`)
    expect(processAlive(pid)).toBe(true)

    const status = await paddock(['server', 'status', cfg])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain(`Client port found: ${port}. Client address: 127.0.0.1.`)
    expect(status.stdout).toContain('Mode: standalone')

    const again = await paddock(['server', 'start', cfg])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`already running as process ${pid}`)

    const zk = await connect(`127.0.0.1:${port}`, { initialConnectTimeoutMs: 5_000 })
    await zk.create('/kept', 'across restart')
    await zk.close()

    const restarted = await paddock(['server', 'restart', cfg])
    expect(restarted.code, restarted.stderr).toBe(0)
    expect(restarted.stdout).toMatch(/STOPPED[\s\S]*STARTED \(pid \d+/)
    const newPid = pidIn(dataDir)
    expect(newPid).not.toBe(pid)
    expect(processAlive(pid)).toBe(false)
    const after = await connect(`127.0.0.1:${port}`, { initialConnectTimeoutMs: 5_000 })
    expect(new TextDecoder().decode((await after.getData('/kept')).data)).toBe('across restart')
    await after.close()

    const stopped = await paddock(['server', 'stop', cfg])
    expect(stopped.code).toBe(0)
    expect(stopped.stdout).toContain('STOPPED')
    expect(processAlive(newPid)).toBe(false)
    expect(existsSync(join(dataDir, 'paddock.pid'))).toBe(false)
    expect(await srvrMode(port)).toBe('down')

    const stopAgain = await paddock(['server', 'stop', cfg])
    expect(stopAgain.code).toBe(0)
    expect(stopAgain.stdout).toContain('no server to stop')
    const statusAfter = await paddock(['server', 'status', cfg])
    expect(statusAfter.code).toBe(1)
    expect(statusAfter.stderr).toContain('it is not running')
  }, 90_000)

  it('says a running server does not listen on the configured port when zoo.cfg names the wrong clientPort', async () => {
    const { cfg, dataDir, port } = await standaloneConfig()
    expect((await paddock(['server', 'start', cfg])).code).toBe(0)
    const [otherPort = 0] = await freePorts(1)
    const wrong = join(work, `s${dirs}`, 'wrong-port.cfg')
    await writeFile(wrong, readFileSync(cfg, 'utf8').replace(`clientPort=${port}`, `clientPort=${otherPort}`))
    const status = await paddock(['server', 'status', wrong])
    expect(status.code).toBe(1)
    expect(status.stdout).toContain(`Client port found: ${otherPort}.`)
    expect(status.stderr).toContain(`process ${pidIn(dataDir)} is running but nothing listens on 127.0.0.1:${otherPort}: check clientPort in the config`)
    expect((await paddock(['server', 'stop', cfg])).code).toBe(0)
  }, 60_000)

  it('fails to start with exit code 1 and says so when the client port is already in use', async () => {
    const { cfg, port } = await standaloneConfig()
    // Another program holds the port: it accepts connections and never answers.
    const held = new Set<Socket>()
    const squatter: NetServer = createServer((socket) => held.add(socket.on('close', () => held.delete(socket))))
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', () => resolve()))
    cleanup.push(() => {
      for (const socket of held) socket.destroy()
      return new Promise<void>((resolve) => squatter.close(() => resolve()))
    })
    const foreground = await paddock(['server', 'start-foreground', cfg])
    expect(foreground.code).toBe(1)
    expect(foreground.stderr).toContain(`paddock: cannot start: 127.0.0.1:${port} (or a quorum/election port) is in use`)
    const background = await paddock(['server', 'start', cfg])
    expect(background.code).toBe(1)
    expect(background.stderr).toMatch(/the server exited \(code 1\)/)
    expect(background.stderr).toContain('is in use')
  }, 60_000)
})

describe('paddock server: a pid file that names another process', () => {
  /** An unrelated process (`sleep`), killed after the test. */
  function unrelatedProcess(): number {
    const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' })
    cleanup.push(() => void sleeper.kill('SIGKILL'))
    if (sleeper.pid === undefined) throw new Error('could not spawn sleep')
    return sleeper.pid
  }

  async function forgePidFile(dataDir: string, pid: number): Promise<string> {
    await mkdir(dataDir, { recursive: true })
    const file = join(dataDir, 'paddock.pid')
    await writeFile(file, `${pid}\n`)
    return file
  }

  it('stop signals nothing when the pid file names an unrelated process: says so, removes the stale pid file, exit code 1', async () => {
    const { cfg, dataDir } = await standaloneConfig()
    const sleeper = unrelatedProcess()
    const file = await forgePidFile(dataDir, sleeper)
    const stop = await paddock(['server', 'stop', cfg])
    expect(stop.code).toBe(1)
    expect(stop.stdout).not.toContain('STOPPED')
    expect(stop.stderr).toContain(`paddock: process ${sleeper} in ${file} is not a Paddock server started from ${cfg} (it runs: sleep 120); the pid file is stale: removed it, signalled nothing`)
    expect(existsSync(file)).toBe(false)
    expect(processAlive(sleeper)).toBe(true)
  })

  it('start replaces a stale pid file; stop from another config sharing the dataDir leaves the server alone; its own config stops it', async () => {
    const { cfg, dataDir, port } = await standaloneConfig()
    const sleeper = unrelatedProcess()
    await forgePidFile(dataDir, sleeper)
    const started = await paddock(['server', 'start', cfg])
    expect(started.code, started.stderr).toBe(0)
    expect(started.stderr).toContain(`process ${sleeper} in ${join(dataDir, 'paddock.pid')} is not a Paddock server`)
    expect(started.stdout).toMatch(/STARTED \(pid \d+/)
    const pid = pidIn(dataDir)
    expect(pid).not.toBe(sleeper)

    const copy = join(work, `s${dirs}`, 'copy.cfg')
    await writeFile(copy, readFileSync(cfg, 'utf8'))
    const wrongStop = await paddock(['server', 'stop', copy])
    expect(wrongStop.code).toBe(1)
    expect(wrongStop.stderr).toContain(`process ${pid} in ${join(dataDir, 'paddock.pid')} is a Paddock server started from ${cfg}, not from ${copy}: not signalled`)
    expect(pidIn(dataDir)).toBe(pid)
    expect(await srvrMode(port)).toBe('standalone')

    const stop = await paddock(['server', 'stop', cfg])
    expect(stop.code, stop.stderr).toBe(0)
    expect(stop.stdout).toContain('STOPPED')
    expect(processAlive(pid)).toBe(false)
    expect(processAlive(sleeper)).toBe(true)
  }, 60_000)
})

describe('paddock server: configuration errors', () => {
  async function ensembleFiles() {
    const { members } = await writeEnsemble(join(work, `e${++dirs}`), { voters: 3 })
    for (const m of members) dataDirs.push(m.dataDir)
    return members
  }

  it('names the missing myid file and how to write it, exit code 2', async () => {
    const [m1] = await ensembleFiles()
    if (m1 === undefined) throw new Error('no member')
    await rm(join(m1.dataDir, 'myid'))
    const run = await paddock(['server', 'start-foreground', m1.cfg])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`${join(m1.dataDir, 'myid')}: cannot read myid (write this member's id, e.g. "echo 1 > ${join(m1.dataDir, 'myid')}")`)
  })

  it('says a myid that is not among the server.N lines, listing them, exit code 2', async () => {
    const [m1] = await ensembleFiles()
    if (m1 === undefined) throw new Error('no member')
    await writeFile(join(m1.dataDir, 'myid'), '7\n')
    const run = await paddock(['server', 'status', m1.cfg])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`${join(m1.dataDir, 'myid')}:1: myid 7 is not among the servers of ${m1.cfg} (server.1, server.2, server.3)`)
  })

  it('names file:line of a malformed zoo.cfg line, exit code 2', async () => {
    const { cfg } = await standaloneConfig()
    await writeFile(cfg, `${readFileSync(cfg, 'utf8')}server.1=127.0.0.1:2888\n`)
    const badServer = await paddock(['server', 'start', cfg])
    expect(badServer.code).toBe(2)
    expect(badServer.stderr).toContain(`${cfg}:6: server.1 must be host:quorumPort:electionPort`)
    await writeFile(cfg, 'tickTime=200\nclientPort=twenty\n')
    const notANumber = await paddock(['server', 'status', cfg])
    expect(notANumber.code).toBe(2)
    expect(notANumber.stderr).toContain(`${cfg}:2: clientPort must be an integer in [0, 65535], got "twenty"`)
    await writeFile(cfg, 'tickTime=200\n=2181\n')
    const noKey = await paddock(['server', 'status', cfg])
    expect(noKey.code).toBe(2)
    expect(noKey.stderr).toContain(`${cfg}:2: expected key=value, got "=2181"`)
  })
})

describe('paddock server: a 3-member ensemble from zoo.cfg + myid', () => {
  it('reports no quorum with one member started, then leader and followers once all three run, and stops each', async () => {
    const { members } = await writeEnsemble(join(work, `e${++dirs}`), { voters: 3 })
    for (const m of members) dataDirs.push(m.dataDir)
    const [first, ...rest] = members
    if (first === undefined) throw new Error('no member')

    const alone = await paddock(['server', 'start', first.cfg])
    expect(alone.code, alone.stderr).toBe(0)
    expect(alone.stdout).toMatch(/STARTED \(pid \d+, .*not serving yet: waiting for a quorum/)
    const noQuorum = await paddock(['server', 'status', first.cfg])
    expect(noQuorum.code).toBe(1)
    expect(noQuorum.stderr).toContain('the server answers but is not serving requests. Member 1 cannot reach a quorum: start a majority of the servers in the config')

    for (const m of rest) expect((await paddock(['server', 'start', m.cfg])).code).toBe(0)
    const modes = await until('a leader and two followers in `paddock server status`', async () => {
      const runs = await Promise.all(members.map((m) => paddock(['server', 'status', m.cfg])))
      const found = runs.map((r) => (r.code === 0 ? /^Mode: (\w+)$/m.exec(r.stdout)?.[1] : undefined))
      return found.includes(undefined) ? undefined : found.sort()
    }, 20_000, 100)
    expect(modes).toEqual(['follower', 'follower', 'leader'])

    const zk = await connect(members.map((m) => `127.0.0.1:${m.clientPort}`).join(','), { initialConnectTimeoutMs: 5_000 })
    await zk.create('/through-the-cli', 'ok')
    await zk.close()

    for (const m of members) {
      const stop = await paddock(['server', 'stop', m.cfg])
      expect(stop.code).toBe(0)
      expect(stop.stdout).toContain('STOPPED')
    }
    for (const m of members) expect(await srvrMode(m.clientPort)).toBe('down')
  }, 90_000)
})
