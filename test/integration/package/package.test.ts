// Method: pack a copy of the working tree (the files git tracks or would track) as `npm pack`
// packs a fresh clone, its `prepare` build included; install the tarball with --omit=dev into a
// new project and use it there as a dependent does: import the five entry points, run the
// `paddock` bin, type-check a strict consumer under nodenext and bundler resolution, and lint the
// tarball with publint and Are the Types Wrong. Nothing here reads the repository's own dist/.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import ts from 'typescript'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { connect } from '../../../lib/index.js'
import { within } from '../ensemble/processes-harness.js'
import { root } from '../helpers/compile.js'

/**
 * The tarball as last measured (0.1.0: dist/lib and dist/storage as .js and .d.ts, README,
 * LICENSE, CHANGELOG, package.json; then 322,000 bytes and 268 files, raised on purpose for client
 * TLS, the migration tools, the web console's page and Curator's remaining recipes; then 456,000
 * bytes and 343 files, raised on purpose for dynamic reconfiguration, read-only mode, local
 * sessions, quorum SASL, weighted quorums and online backup; then 1,093,000 bytes and 506 files,
 * raised on purpose for the bundled `paddock` command in dist/lib/bin, about 365,000 bytes and 43
 * files: the CLI's modules again, as CommonJS chunks, which start in two thirds of the time the
 * ES modules take). A change that
 * grows either by more than `growthMax` fails: ship it on purpose by raising the number here.
 */
const tarballBytesRecorded = 1_093_000
const tarballFilesRecorded = 506
const growthMax = 0.25

/** Bounds on the steps, ms: the build and install run npm and tsc, under a parallel test run. */
const packMsMax = 120_000
const installMsMax = 120_000
const typecheckMsMax = 90_000
const runMsMax = 30_000

/** The package's entry points, as a dependent imports them. */
const entryPoints = ['paddock', 'paddock/storage', 'paddock/testing', 'paddock/recipes', 'paddock/migrate']

/** Files every tarball has besides the build: npm adds package.json, README and LICENSE itself. */
const topLevelFiles = ['CHANGELOG.md', 'LICENSE', 'README.md', 'package.json']

/** A consumer as an application writes it: every entry point, durable and in-memory servers, TCP. */
const consumer = `import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, createServer, CreateMode, ZooKeeperError, type Server, type ZooKeeperClient } from 'paddock'
import { verifyDataDir } from 'paddock/migrate'
import { Lock } from 'paddock/recipes'
import { createMemoryStorage, type Storage } from 'paddock/storage'
import { TestingServer } from 'paddock/testing'

// On LevelDB (the native classic-level) over TCP: the path an ensemble member takes.
const dataDir = await mkdtemp(join(tmpdir(), 'paddock-consumer-'))
const server: Server = await createServer({ port: 0, host: '127.0.0.1', dataDir })
const zk: ZooKeeperClient = await connect(server.connectString ?? '')
await zk.create('/installed', 'from the tarball')
const { data } = await zk.getString('/installed')
const missing: unknown = await zk.getData('/absent').catch((error: unknown) => error)
await zk.close()
await server.close()
// The offline tools read what the server left: every checksum, up to the last zxid.
const report = await verifyDataDir(dataDir)
await rm(dataDir, { recursive: true, force: true })

// A storage from paddock/storage, an in-process client and a recipe.
const storage: Storage = createMemoryStorage()
const inMemory = await createServer({ storage })
const local = await inMemory.connect()
const lease = await new Lock(local, '/locks/consumer').acquire(AbortSignal.timeout(5_000))
await lease.release()
await local.close()
await inMemory.close()

// The testing kit on its virtual clock.
const testing = await TestingServer.start()
const session = await testing.connect()
const job = await session.create('/job-', '', { mode: CreateMode.PERSISTENT_SEQUENTIAL })
await testing.close()

console.log(\`consumer: \${data}; \${missing instanceof ZooKeeperError ? missing.code : String(missing)}; \${job}; verified \${report.zxid === report.lastLoggedZxid}\`)
`
const consumerPrints = 'consumer: from the tarball; NONODE; /job-0000000000; verified true'

interface Run {
  code: number | string | null
  stdout: string
  stderr: string
}

/** The environment without the outer npm's variables, so a nested npm reads only its own config. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_') && name !== 'INIT_CWD'))
  // The bin keeps its code cache under the user's cache folder: the test's own, not the user's.
  return { ...env, XDG_CACHE_HOME: join(work, 'cache') }
}

/** Runs `file args` in `cwd` to its end, at most `timeoutMs`; never rejects. */
function run(file: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : error.killed === true ? `killed after ${timeoutMs} ms` : (error.code ?? null)
      resolve({ code, stdout, stderr })
    })
  })
}

/** `run`, failing with the command's output unless it exits 0. */
async function runOk(file: string, args: string[], cwd: string, timeoutMs: number): Promise<Run> {
  const result = await run(file, args, cwd, timeoutMs)
  if (result.code !== 0) throw new Error(`${file} ${args.join(' ')} in ${cwd} exited ${String(result.code)}:\n${result.stdout}\n${result.stderr}`)
  return result
}

/** What `npm pack --json` reports of one tarball. */
interface Packed {
  filename: string
  size: number
  entryCount: number
  files: Array<{ path: string }>
}

/**
 * Copies the working tree as a clone with these changes would hold it: the files git tracks or
 * would track (ignored ones, such as builds and other tests' scratch directories, stay behind),
 * then links node_modules for the build.
 */
async function copyWorkingTree(to: string): Promise<void> {
  const { stdout } = await runOk('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root, runMsMax)
  for (const path of stdout.split('\0').filter((p) => p !== '')) {
    await mkdir(dirname(join(to, path)), { recursive: true })
    // A tracked file deleted in the working tree is not in a clone of it either.
    await copyFile(join(root, path), join(to, path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error
    })
  }
  await symlink(join(root, 'node_modules'), join(to, 'node_modules'))
}

/** Packs `checkout` into `into`: runs its `prepare` build as `npm pack` does on a clone. */
async function pack(checkout: string, into: string): Promise<Packed> {
  const { stdout } = await runOk('npm', ['pack', '--json', '--pack-destination', into], checkout, packMsMax)
  // The JSON array starts a line; a lifecycle script's output may come before it.
  const [packed] = JSON.parse(stdout.slice(Math.max(0, stdout.search(/^\[/m)))) as Packed[]
  if (packed === undefined) throw new Error(`npm pack reported no tarball:\n${stdout}`)
  return packed
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

/** A child process the test waits on; killed in afterAll if a test failed before stopping it. */
const children = new Set<ChildProcess>()

/** Resolves with the first match of `pattern` in the child's stdout, as soon as it is printed. */
function printed(child: ChildProcess, pattern: RegExp, output: () => string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const match = pattern.exec(output())
      if (match !== null) resolve(match)
    }
    child.stdout?.on('data', look)
    child.once('exit', (code, signal) => reject(new Error(`exited (${code ?? signal}) before printing ${pattern}:\n${output()}`)))
    look()
  })
}

let work = ''
let project = ''
let tarball = ''
let packed: Packed
let installed = ''

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'paddock-package-'))
  const checkout = join(work, 'checkout')
  await copyWorkingTree(checkout)
  packed = await pack(checkout, work)
  tarball = join(work, packed.filename)

  project = join(work, 'project')
  await mkdir(project)
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'paddock-consumer', private: true, type: 'module' }))
  await runOk('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], project, installMsMax)
  installed = join(project, 'node_modules/paddock')

  await writeFile(join(project, 'consumer.ts'), consumer)
  // What node runs: the consumer with its types erased, so running it does not wait on the type-check.
  const { outputText } = ts.transpileModule(consumer, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } })
  await writeFile(join(project, 'consumer.js'), outputText)
}, packMsMax + installMsMax)

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  if (work !== '') await rm(work, { recursive: true, force: true })
})

it('packs only the built entry points, the bundled command, README, LICENSE and CHANGELOG, without source maps', async () => {
  const paths = packed.files.map((f) => f.path).sort()
  const unexpected = paths.filter((p) => !topLevelFiles.includes(p) && !/^dist\/(lib|storage)\/.+\.(js|d\.ts)$/.test(p) && !/^dist\/lib\/bin\/[\w-]+\.cjs$/.test(p))
  expect(unexpected).toEqual([])
  for (const file of topLevelFiles) expect(paths).toContain(file)

  const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; import: string }>; bin: Record<string, string> }
  const targets = [...Object.values(manifest.exports).flatMap((e) => [e.types, e.import]), ...Object.values(manifest.bin)]
  for (const target of targets) expect(paths).toContain(target.replace(/^\.\//, ''))

  // A script that names a map which is not shipped sends debuggers looking for it.
  const js = (await filesUnder(join(installed, 'dist'))).filter((f) => f.endsWith('.js') || f.endsWith('.cjs'))
  const mapped = []
  for (const file of js) if ((await readFile(file, 'utf8')).includes('sourceMappingURL')) mapped.push(relative(installed, file))
  expect(mapped).toEqual([])
})

it(`keeps the tarball's size and file count within ${growthMax * 100}% of the recorded numbers`, () => {
  console.log(`paddock tarball: ${packed.size} bytes, ${packed.entryCount} files (recorded: ${tarballBytesRecorded} bytes, ${tarballFilesRecorded} files)`)
  expect(packed.size).toBeLessThanOrEqual(tarballBytesRecorded * (1 + growthMax))
  expect(packed.entryCount).toBeLessThanOrEqual(tarballFilesRecorded * (1 + growthMax))
})

it('passes publint, and Are the Types Wrong for ESM under node16/nodenext and bundler resolution', async () => {
  const publint = await run(join(root, 'node_modules/.bin/publint'), ['run', tarball, '--strict'], work, runMsMax)
  expect(publint.code, `${publint.stdout}\n${publint.stderr}`).toBe(0)

  // The esm-only profile leaves out node10 and require() from CommonJS: Paddock is ESM only.
  const attw = await run(join(root, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'json'], work, runMsMax)
  expect(attw.code, attw.stderr).toBe(0)
  const { analysis } = JSON.parse(attw.stdout) as { analysis: { entrypoints: Record<string, unknown>; problems: Array<{ kind: string; entrypoint: string; resolutionKind?: string }> } }
  expect(Object.keys(analysis.entrypoints).sort()).toEqual(['.', './migrate', './recipes', './storage', './testing'])
  expect(analysis.problems.filter((p) => p.resolutionKind !== 'node10' && p.resolutionKind !== 'node16-cjs')).toEqual([])
})

it('depends at run time only on what the shipped code imports, installed from prebuilt native modules', async () => {
  const { dependencies } = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  const shipped = await Promise.all((await filesUnder(join(installed, 'dist'))).map((f) => readFile(f, 'utf8')))
  // Imported, or (the console's chart library) its files resolved from the package.
  const unused = Object.keys(dependencies).filter((name) => !shipped.some((text) => text.includes(`from '${name}'`) || text.includes(`'${name}/`)))
  expect(unused).toEqual([])
  // No compiler ran: node-gyp builds into build/, a prebuild is loaded from prebuilds/.
  expect(existsSync(join(project, 'node_modules/classic-level/prebuilds'))).toBe(true)
  expect(existsSync(join(project, 'node_modules/classic-level/build'))).toBe(false)
})

it('imports the five entry points and runs a server on LevelDB with a TCP client, a recipe and a TestingServer', async () => {
  const consumerJs = await readFile(join(project, 'consumer.js'), 'utf8')
  for (const entry of entryPoints) expect(consumerJs).toContain(`from '${entry}'`)
  const result = await runOk(process.execPath, ['consumer.js'], project, runMsMax)
  expect(result.stdout).toContain(consumerPrints)
})

it('runs where the optional msgpackr-extract is absent', async () => {
  // Installed where its prebuild exists (as here), so removing it is what makes the difference.
  expect(existsSync(join(project, 'node_modules/msgpackr-extract'))).toBe(true)
  await rm(join(project, 'node_modules/msgpackr-extract'), { recursive: true, force: true })
  await rm(join(project, 'node_modules/@msgpackr-extract'), { recursive: true, force: true })
  const result = await runOk(process.execPath, ['consumer.js'], project, runMsMax)
  expect(result.stdout).toContain(consumerPrints)
})

it('installs the paddock bin, which prints its usage for --help', async () => {
  const result = await runOk(join(project, 'node_modules/.bin/paddock'), ['--help'], project, runMsMax)
  expect(result.stdout).toMatch(/^usage:\n {2}paddock \[--port 2181\]/)
  expect(result.stdout).toContain('paddock server start|start-foreground|stop|restart|status|print-cmd [zoo.cfg]')
})

it('runs `paddock server start-foreground zoo.cfg` answering a client until SIGTERM', async () => {
  const dir = join(work, 'server')
  await mkdir(dir)
  await writeFile(join(dir, 'zoo.cfg'), `tickTime=2000\ndataDir=${join(dir, 'data')}\nclientPort=0\nclientPortAddress=127.0.0.1\n`)
  const child = spawn(join(project, 'node_modules/.bin/paddock'), ['server', 'start-foreground', 'zoo.cfg'], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))

  const listening = /paddock: standalone serving ZooKeeper clients at (127\.0\.0\.1:\d+)/
  const [, address = ''] = await within(printed(child, listening, () => output), runMsMax, 'the bin to print the address it serves')
  const zk = await connect(address)
  try {
    await zk.create('/from-the-bin', 'yes')
    expect((await zk.getString('/from-the-bin')).data).toBe('yes')
  } finally {
    await zk.close()
  }

  child.kill('SIGTERM')
  expect(await within(exited, runMsMax, 'the bin to stop on SIGTERM'), output).toBe(0)
  children.delete(child)
  expect(output).toContain('paddock: stopping')
})

it.each([
  ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
  ['bundler', { module: 'preserve', moduleResolution: 'bundler' }],
])('type-checks a strict consumer with moduleResolution %s, declarations included', async (resolution, options) => {
  const tsconfig = `tsconfig.${resolution}.json`
  await writeFile(
    join(project, tsconfig),
    JSON.stringify({
      compilerOptions: {
        ...options,
        strict: true,
        target: 'es2022',
        noEmit: true,
        // The shipped .d.ts are checked too, not only the consumer's use of them.
        skipLibCheck: false,
        // A Node application has @types/node; the package's --omit=dev install does not bring it.
        typeRoots: [join(root, 'node_modules/@types')],
        types: ['node'],
      },
      files: ['consumer.ts'],
    }),
  )
  const result = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], project, typecheckMsMax)
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
}, typecheckMsMax + 10_000)

