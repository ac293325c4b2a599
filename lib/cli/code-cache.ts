/**
 * A V8 code cache for the bundled `paddock` command (dist/lib/bin). Node.js 20 compiles each
 * CommonJS chunk from its source at every start, a third of a quick start's own time; with the
 * code V8 compiled for them on an earlier start, it skips that work (Node.js 22 does the same
 * with `module.enableCompileCache()`, which Node.js 20 lacks).
 *
 * Only the command's own chunks, in the folder of the running bundle, go through the cache. The
 * caches are written a second after start, so that they hold what serving compiled too, and at
 * exit for the chunks compiled since: to `$XDG_CACHE_HOME/paddock/v8` (or `~/.cache/paddock/v8`),
 * one folder per Node.js version, one file per chunk and source, named by the chunk and a SHA-1
 * of its source. V8 refuses a cache made by another V8 or with other flags, but of the source it
 * checks only the length: a chunk edited in place without changing its length would run the code
 * compiled from its old source, hence the hash (about 1 ms for a server's chunks). A refused
 * cache means the chunk is compiled from its source and its cache written again; a cache that
 * cannot be read or written is simply not used. `PADDOCK_CODE_CACHE=off` turns it off.
 * @module
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import * as vm from 'node:vm'

/** The part of a CommonJS module the loader's `_compile` sees. */
interface LoadingModule {
  exports: unknown
}

type Compile = (this: LoadingModule, content: string, filename: string, ...rest: unknown[]) => unknown
type ModuleBody = (this: unknown, exports: unknown, require: NodeJS.Require, module: LoadingModule, filename: string, dirname: string) => unknown

/**
 * What an `import()` in a chunk compiled here loads with: Node.js's own loader, where this
 * Node.js offers it (`vm.constants` is missing from older releases of Node.js 20, hence the
 * namespace import). The bundle has no `import()` (rolldown.config.ts makes each a `require()`),
 * so this only keeps one that creeps in from failing where it can.
 */
const importModuleDynamically = (vm as { constants?: Partial<typeof vm.constants> }).constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER

/** How long after start the caches are written, ms: by then a quick start has served. */
const writeDelayMs = 1_000

/** The folder this Node.js keeps the command's caches in, under the user's cache folder. */
function cacheFolder(env: NodeJS.ProcessEnv): string {
  const base = env['XDG_CACHE_HOME'] !== undefined && env['XDG_CACHE_HOME'] !== '' ? env['XDG_CACHE_HOME'] : join(homedir(), '.cache')
  return join(base, 'paddock', 'v8', `${process.version}-${process.arch}`)
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

/** Writes through a file of its own and a rename, so that no start reads half a cache. */
function writeCache(file: string, data: Buffer): void {
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, data, { mode: 0o600 })
  renameSync(partial, file)
}

/**
 * Compiles the chunks in `bundleFolder` with the code cache from here on, and writes the caches
 * of the chunks compiled without one later on. Called once by the bundled command before it
 * loads any chunk; does nothing when `PADDOCK_CODE_CACHE=off`.
 */
export function useCodeCache(bundleFolder: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env['PADDOCK_CODE_CACHE'] === 'off') return
  const folder = cacheFolder(env)
  const unsaved: [file: string, script: vm.Script][] = []
  const prototype = Module.prototype as unknown as { _compile: Compile }
  const compile = prototype._compile
  prototype._compile = function (this: LoadingModule, content: string, filename: string, ...rest: unknown[]): unknown {
    if (dirname(filename) !== bundleFolder || !filename.endsWith('.cjs')) return compile.call(this, content, filename, ...rest)
    const file = join(folder, `${basename(filename)}.${createHash('sha1').update(content).digest('hex')}.v8`)
    const cachedData = readCache(file)
    // The wrapper Node.js puts around a CommonJS module, on the same line as its first.
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${content}\n})`, { filename, cachedData, importModuleDynamically })
    if (cachedData === undefined || script.cachedDataRejected === true) unsaved.push([file, script])
    const body = script.runInThisContext() as ModuleBody
    return body.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename))
  }
  const save = (): void => {
    if (unsaved.length === 0) return
    try {
      mkdirSync(folder, { recursive: true, mode: 0o700 })
      for (const [file, script] of unsaved.splice(0)) writeCache(file, script.createCachedData())
    } catch {
      // A cache folder that cannot be written: the next start compiles from the source again.
    }
  }
  setTimeout(save, writeDelayMs).unref()
  process.once('exit', save)
}
