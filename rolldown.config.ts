// The installed `paddock` command: the CLI's compiled ES modules (dist/lib/cli/main.js) bundled
// into CommonJS chunks in dist/lib/bin, run by `npm run build` after tsc. Node.js 20 loads a
// handful of CommonJS files in a fraction of the time its ES module loader takes for the ninety
// modules a server needs, and start-up is mostly that loading (docs/performance.md, "Start-up").
// The `import()` of each command and option stays a chunk of its own, loaded when used.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BuildOptions, RenderedChunk } from 'rolldown'

/**
 * Packages bundled into the command rather than loaded from node_modules: msgpackr's pure
 * JavaScript encoder and decoder, which the modules import as ES modules; its CommonJS entry
 * would also load its optional native decoder, which takes longer than the rest of a start.
 */
const bundledPackages = ['msgpackr']

function bundledPackage(id: string): string | undefined {
  return bundledPackages.find((name) => id === name || id.startsWith(`${name}/`) || id.includes(`/node_modules/${name}/`))
}

/** Built-ins and every other package stay outside: `require`d from node_modules as the ES modules import them. */
function external(id: string): boolean {
  if (id.startsWith('node:')) return true
  const bare = !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0')
  return bare && bundledPackage(id) === undefined
}

/** A bundled package's chunk starts with its licence, as its licence asks of every copy. */
function licenceBanner(chunk: RenderedChunk): string {
  for (const id of Object.keys(chunk.modules)) {
    const name = bundledPackage(id)
    if (name === undefined) continue
    const marker = `/node_modules/${name}/`
    const licence = readFileSync(join(id.slice(0, id.indexOf(marker) + marker.length), 'LICENSE'), 'utf8').trim()
    return `/*! ${name}, bundled from its npm package:\n\n${licence.replaceAll('*/', '* /')}\n*/`
  }
  return ''
}

/** The bundle of the CLI compiled into `build` (dist, or a test's compiled copy): `<build>/lib/bin/paddock.cjs` and its chunks. */
export function cliBundle(build: string): BuildOptions {
  return {
    input: { paddock: join(build, 'lib/cli/main.js') },
    platform: 'node',
    external,
    logLevel: 'warn',
    // A module both imported and loaded with import() elsewhere stays in the importer's chunk: expected.
    onLog: (level, log, handler) => (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT' ? undefined : handler(level, log)),
    output: {
      dir: join(build, 'lib/bin'),
      format: 'cjs',
      cleanDir: true,
      entryFileNames: '[name].cjs',
      chunkFileNames: '[name]-[hash].cjs',
      // An import() of a built-in or a package becomes a require(), as a chunk's own does: the code
      // cache compiles each chunk with vm.Script, where a real import() would need a loader of its own.
      dynamicImportInCjs: false,
      codeSplitting: { groups: bundledPackages.map((name) => ({ name, test: (id: string) => bundledPackage(id) === name })) },
      banner: licenceBanner,
    },
  }
}

export default cliBundle('dist')
