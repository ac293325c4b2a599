// Method: the installed `paddock` command is the CLI bundled into CommonJS chunks
// (rolldown.config.ts); a transpiled build is bundled the same way and run on bare node as a
// child process, with a preloaded hook (`-r`) that appends every file and package it requires to
// a log. Checked: its version line; a quick start that serves a client's create without loading
// LevelDB or another command's chunk; `server start`, `status` and `stop`, whose background
// server is the bundle itself; and `ui`, whose page comes from the console's folder beside the
// bundle's.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../../lib/index.js'
import { bundleCli, compileProject } from '../helpers/compile.js'
import { runNode, type Run } from '../helpers/run-node.js'
import { freePort, freePorts } from '../../interop/harness/ports.js'
import { srvrMode, until } from '../ensemble/processes-harness.js'

let work: string
let bin: string
let hook: string
/** The user's cache folder for the commands run here (the code cache goes under it), unless a test gives its own. */
let cacheHome: string
let runs = 0

/** Preloaded with `-r`: logs each request of a file or package, resolved, to $PADDOCK_REQUIRE_LOG. */
const hookSource = `const Module = require('node:module')
const { appendFileSync } = require('node:fs')
const load = Module._load
Module._load = function (request, parent, isMain) {
  let resolved = request
  try { resolved = Module._resolveFilename(request, parent, isMain) } catch {}
  appendFileSync(process.env.PADDOCK_REQUIRE_LOG, resolved + '\\n')
  return load.apply(this, arguments)
}
`

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-cli-bundle-'))
  bin = await bundleCli(await compileProject(join(work, 'build')))
  cacheHome = join(work, 'cache')
  hook = join(work, 'require-log.cjs')
  await writeFile(hook, hookSource)
}, 60_000)

const pidFiles: string[] = []

afterEach(() => {
  for (const file of pidFiles.splice(0)) {
    if (!existsSync(file)) continue
    try {
      process.kill(Number(readFileSync(file, 'utf8').trim()), 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
})

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

/** Runs the bundled `paddock ...args` to its end, with the tests' cache folder. */
const paddock = (args: string[]): Promise<Run> => runNode([bin, ...args], { XDG_CACHE_HOME: cacheHome })

/** Starts the bundled `paddock ...args` until it prints a line matching `ready`; returns its first line there, what it required by then, and how to stop it. */
function started(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<{ line: string; required: () => string[]; stop: () => Promise<number | null> }> {
  const log = join(work, `required-${++runs}.txt`)
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['-r', hook, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: cacheHome, PADDOCK_REQUIRE_LOG: log, ...env } })
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)))
    let output = ''
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`paddock ${args.join(' ')} printed nothing matching ${ready} within ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString()
      const line = output.split('\n').find((l) => ready.test(l))
      if (line === undefined) return
      clearTimeout(timer)
      resolve({
        line,
        required: () => readFileSync(log, 'utf8').trim().split('\n'),
        stop: () => {
          proc.kill('SIGINT')
          return exited
        },
      })
    }
    proc.stdout.on('data', onOutput)
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  })
}

describe('the bundled `paddock` command', () => {
  it('is CommonJS chunks beside one entry, one chunk per command loaded on demand', async () => {
    const files = await readdir(join(work, 'build/lib/bin'))
    expect(files).toContain('paddock.cjs')
    for (const chunk of ['shell-', 'data-command-', 'ui-command-', 'server-command-', 'level-storage-', 'msgpackr-']) {
      expect(files.some((f) => f.startsWith(chunk) && f.endsWith('.cjs')), chunk).toBe(true)
    }
    // msgpackr's code is bundled, so its chunk carries its licence.
    const msgpackr = files.find((f) => f.startsWith('msgpackr-'))!
    expect(readFileSync(join(work, 'build/lib/bin', msgpackr), 'utf8')).toMatch(/^\/\*! msgpackr, bundled from its npm package:\n\nMIT License\n\nCopyright/)
  })

  it('prints its version', async () => {
    const run = await paddock(['--version'])
    expect(run).toMatchObject({ code: 0, stderr: '' })
    expect(run.stdout).toMatch(/^Paddock, version \d+\.\d+\.\d+ \(ZooKeeper 3\.9\.\d+ compatible\)\n$/)
  })

  it('refuses an unknown command with its usage and exit code 2', async () => {
    const run = await paddock(['frobnicate'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('paddock: unknown command "frobnicate"')
    expect(run.stderr).toContain('usage:')
  })

  it('quick start: serves a client in memory, without LevelDB or any other command loaded', async () => {
    const port = await freePort()
    const server = await started(['--port', String(port)], /serving ZooKeeper clients at/)
    try {
      expect(server.line).toBe(`paddock: standalone member serving ZooKeeper clients at 127.0.0.1:${port} (in memory)`)
      const zk = await connect(`127.0.0.1:${port}`)
      try {
        await zk.create('/bundled', 'yes')
        expect(new TextDecoder().decode((await zk.getData('/bundled')).data)).toBe('yes')
      } finally {
        await zk.close()
      }
      const required = server.required()
      expect(required.some((r) => /\/lib\/bin\/server-(?!command-)[\w-]+\.cjs$/.test(r))).toBe(true)
      const onDemand = required.filter((r) => /\/lib\/bin\/(shell|data-command|ui-command|ensemble-command|server-command|level-storage|admin-server|console)-[\w-]+\.cjs$/.test(r) || /\/node_modules\/(level|classic-level)\//.test(r))
      expect(onDemand).toEqual([])
    } finally {
      await server.stop()
    }
  })

  it('shell and data, each from its own chunk: a one-shot zkCli command and the data tools\' help', async () => {
    const port = await freePort()
    const server = await started(['--port', String(port)], /serving ZooKeeper clients at/)
    try {
      const zk = await connect(`127.0.0.1:${port}`)
      await zk.create('/from-shell', 'seen')
      await zk.close()
      const get = await paddock(['shell', '-server', `127.0.0.1:${port}`, 'get', '/from-shell'])
      expect(get.code, get.stderr).toBe(0)
      expect(get.stdout.trim().split('\n')).toContain('seen')
      const missing = await paddock(['shell', '-server', `127.0.0.1:${port}`, 'get', '/absent'])
      expect(missing.code).not.toBe(0)
      expect(missing.stdout + missing.stderr).toContain('Node does not exist: /absent')
    } finally {
      await server.stop()
    }
    const help = await paddock(['data', 'help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('paddock data verify')
  })

  it('server start runs the bundle itself in the background; status and stop find it', async () => {
    const port = await freePort()
    const dir = join(work, 'server')
    await mkdir(dir, { recursive: true })
    const cfg = join(dir, 'zoo.cfg')
    await writeFile(cfg, `tickTime=2000\ndataDir=${join(dir, 'data')}\nclientPort=${port}\nclientPortAddress=127.0.0.1\n`)
    pidFiles.push(join(dir, 'data', 'paddock.pid'))
    const start = await paddock(['server', 'start', cfg])
    expect(start.code, start.stderr).toBe(0)
    expect(start.stdout).toMatch(/STARTED \(pid \d+, log .*paddock\.log\); Mode: standalone/)
    const pid = Number(readFileSync(join(dir, 'data', 'paddock.pid'), 'utf8'))
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')).toContain(bin)
    const status = await paddock(['server', 'status', cfg])
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('Mode: standalone')
    const stop = await paddock(['server', 'stop', cfg])
    expect(stop.code).toBe(0)
    expect(stop.stdout).toContain('STOPPED')
    await until('the server port closed', async () => ((await srvrMode(port)) === 'down' ? true : undefined), 10_000)
  })

  it('ui serves the console page from the console folder beside the bundle', async () => {
    const [port, uiPort] = (await freePorts(2)) as [number, number]
    const member = await started(['--port', String(port)], /serving ZooKeeper clients at/)
    const ui = await started(['ui', '--connect', `127.0.0.1:${port}`, '--port', String(uiPort)], /console for/)
    try {
      const page = await fetch(`http://127.0.0.1:${uiPort}/`)
      expect(page.status).toBe(200)
      expect(await page.text()).toContain('src="assets/app.js"')
      const app = await fetch(`http://127.0.0.1:${uiPort}/assets/app.js`)
      expect(app.status).toBe(200)
      expect(await app.text()).toBe(readFileSync(join(work, 'build/lib/console/page/app.js'), 'utf8'))
    } finally {
      await ui.stop()
      await member.stop()
    }
  })

  describe('the code cache', () => {
    /** Starts a quick start with the user's cache folder `home`, creates a znode with a client, stops it; the exit code and what it required. */
    async function serveOnce(home: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; chunks: string[] }> {
      const port = await freePort()
      const server = await started(['--port', String(port)], /serving ZooKeeper clients at/, { XDG_CACHE_HOME: home, ...env })
      const zk = await connect(`127.0.0.1:${port}`)
      await zk.create(`/run-${++runs}`)
      await zk.close()
      // The chunks, each once; the entry is compiled by Node.js before the cache is in place.
      const folder = join(work, 'build/lib/bin/')
      const chunks = [...new Set(server.required().filter((r) => r.startsWith(folder)).map((r) => r.slice(folder.length)))].filter((c) => c !== 'paddock.cjs')
      return { code: await server.stop(), chunks }
    }

    /** The cache files under `home`, by name, with their bytes and inode (a cache is written anew through a rename, so a new inode). */
    async function cacheFiles(home: string): Promise<Map<string, { data: Buffer; ino: number }>> {
      const [folder] = await readdir(join(home, 'paddock/v8'))
      expect(folder).toBe(`${process.version}-${process.arch}`)
      const dir = join(home, 'paddock/v8', folder!)
      return new Map((await readdir(dir)).map((name) => [name, { data: readFileSync(join(dir, name)), ino: statSync(join(dir, name)).ino }]))
    }

    it('keeps V8 code for each chunk a start loaded, uses it on the next start, and replaces a damaged one', async () => {
      const home = join(work, 'cache-kept')
      const first = await serveOnce(home)
      expect(first.code).toBe(0)
      expect(first.chunks.length).toBeGreaterThan(3)
      const written = await cacheFiles(home)
      // Named by the chunk and the SHA-1 of its source.
      expect([...written.keys()].map((name) => name.replace(/\.[0-9a-f]{40}\.v8$/, '')).sort()).toEqual([...first.chunks].sort())
      for (const { data } of written.values()) expect(data.length).toBeGreaterThan(0)

      // V8 takes every cache: the second start writes none of them again.
      const second = await serveOnce(home)
      expect(second.code).toBe(0)
      expect(await cacheFiles(home)).toEqual(written)

      // A damaged cache is refused by V8, the chunk compiled from its source, and its cache written anew.
      const [damagedName, good] = [...written].find(([name]) => name.startsWith('server-'))!
      const dir = join(home, 'paddock/v8', `${process.version}-${process.arch}`)
      const garbage = Buffer.alloc(good.data.length, 0x5a)
      await writeFile(join(dir, damagedName), garbage)
      const damagedIno = statSync(join(dir, damagedName)).ino
      const third = await serveOnce(home)
      expect(third.code).toBe(0)
      const after = await cacheFiles(home)
      expect(after.get(damagedName)?.ino).not.toBe(damagedIno)
      expect(after.get(damagedName)?.data.equals(garbage)).toBe(false)
      for (const [name, file] of after) if (name !== damagedName) expect(file, name).toEqual(written.get(name))
    })

    it('runs a chunk edited in place as edited, even at the same length (V8 itself checks only the length)', async () => {
      // A copy of the bundle of its own, since this test edits a chunk.
      const copy = join(work, 'build/lib/bin-edited')
      await cp(join(work, 'build/lib/bin'), copy, { recursive: true })
      const home = join(work, 'cache-edited')
      const version = (): Promise<Run> => runNode([join(copy, 'paddock.cjs'), '--version'], { XDG_CACHE_HOME: home })
      const before = await version()
      expect(before.stdout).toMatch(/^Paddock, version /)
      const chunk = join(copy, (await readdir(copy)).find((f) => f.startsWith('version-'))!)
      const source = readFileSync(chunk, 'utf8')
      const edited = source.replace('return `Paddock, version ', 'return `Paddocq, version ')
      expect(edited).not.toBe(source)
      await writeFile(chunk, edited)
      const after = await version()
      expect(after.code, after.stderr).toBe(0)
      expect(after.stdout).toBe(before.stdout.replace('Paddock, version ', 'Paddocq, version '))
    })

    it('serves without one where the cache folder cannot be made, or with PADDOCK_CODE_CACHE=off', async () => {
      const file = join(work, 'cache-is-a-file')
      await writeFile(file, 'not a folder')
      expect((await serveOnce(file)).code).toBe(0)
      expect(readFileSync(file, 'utf8')).toBe('not a folder')

      const home = join(work, 'cache-off')
      expect((await serveOnce(home, { PADDOCK_CODE_CACHE: 'off' })).code).toBe(0)
      expect(existsSync(home)).toBe(false)
    })
  })
})
