// Method: the real `paddock` command (a transpiled build on bare node) runs with a module hook
// (`--import`) that appends the URL of every module it loads to a file; once the server says it
// serves, the list is read and must hold what serving needs and none of what the command loads
// only on demand (the shell, the data tools, the web console, LevelDB and node:zlib for a server
// in memory, node:tls and node:http for a server without TLS or admin server).
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileProject } from '../helpers/compile.js'

let work: string
let build: string
let register: string
let runs = 0

/** Loaded by `--import`: registers the hook below, which records each module's URL in $PADDOCK_MODULE_LOG. */
const registerSource = `import { register } from 'node:module'\nregister('./module-log-hook.mjs', import.meta.url)\n`
const hookSource = `import { appendFileSync } from 'node:fs'
export async function load(url, context, next) {
  appendFileSync(process.env.PADDOCK_MODULE_LOG, url + '\\n')
  return next(url, context)
}
`

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-cli-startup-'))
  build = await compileProject(join(work, 'build'))
  register = join(work, 'module-log.mjs')
  await writeFile(register, registerSource)
  await writeFile(join(work, 'module-log-hook.mjs'), hookSource)
}, 60_000)

afterAll(async () => {
  await rm(work, { recursive: true, force: true })
})

/** Runs `paddock ...args` until it prints a line matching `serving`, then stops it; the modules it had loaded by then, as URLs relative to the build (packages and built-ins as they are). */
function modulesLoadedUntil(args: string[], serving: RegExp, timeoutMs = 30_000): Promise<string[]> {
  const log = join(work, `modules-${++runs}.txt`)
  const buildUrl = `${pathToFileURL(build).href}/`
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', pathToFileURL(register).href, join(build, 'lib/cli/main.js'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PADDOCK_MODULE_LOG: log },
    })
    let output = ''
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`paddock ${args.join(' ')} did not serve within ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const onOutput = (chunk: Buffer): void => {
      output += chunk.toString()
      if (!serving.test(output)) return
      clearTimeout(timer)
      const urls = readFileSync(log, 'utf8').trim().split('\n')
      proc.kill('SIGKILL')
      resolve(urls.map((url) => (url.startsWith(buildUrl) ? url.slice(buildUrl.length) : url.replace(/^file:\/\/.*\/node_modules\//, ''))))
    }
    proc.stdout.on('data', onOutput)
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  })
}

/** Modules a server that asks for nothing optional must not load: what other commands and options use. */
const onDemand = [
  /^lib\/cli\/(shell|data-command|backup-command|ensemble-command|ui-command|four-letter)/,
  /^lib\/(console|migrate|recipes|testing)\//,
  /^lib\/host\/(admin-|metrics-server|member-backup|sasl|tls|quorum-)/,
  /^lib\/peer\//,
  /^node:(tls|http|https)$/,
]
/** What only storage on disk needs: LevelDB, and node:zlib for its checksums. */
const disk = /^((level|classic-level|memory-level|abstract-level)\/|node:zlib$)/

describe('what `paddock` loads before it serves', () => {
  it('the quick start in memory: the server, and neither LevelDB nor any module of another command or option', async () => {
    const loaded = await modulesLoadedUntil(['--port', '0'], /serving ZooKeeper clients at /)
    expect(loaded).toContain('lib/host/server.js')
    expect(loaded).toContain('lib/wire/server.js')
    expect(loaded.filter((m) => disk.test(m))).toEqual([])
    for (const pattern of onDemand) expect(loaded.filter((m) => pattern.test(m)), String(pattern)).toEqual([])
  })

  it('server start-foreground on a zoo.cfg with a dataDir: LevelDB too, and still no module of another command or option', async () => {
    const dir = join(work, 'foreground')
    await mkdir(dir)
    const cfg = join(dir, 'zoo.cfg')
    await writeFile(cfg, `tickTime=2000\ndataDir=${join(dir, 'data')}\nclientPort=0\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`)
    const loaded = await modulesLoadedUntil(['server', 'start-foreground', cfg], /serving ZooKeeper clients at /)
    expect(loaded).toContain('lib/host/server.js')
    expect(loaded.some((m) => m.startsWith('level/'))).toBe(true)
    for (const pattern of onDemand) expect(loaded.filter((m) => pattern.test(m)), String(pattern)).toEqual([])
  })
})
