// Compiles the project's sources to plain ESM once per directory, so tests can run Paddock in
// child processes on bare node (SIGKILL tests, CLI tests) without a TypeScript loader.
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** The repository root. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')

async function sourcesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const nested = await Promise.all(
    entries.map((e) => {
      const path = join(dir, e.name)
      if (e.isDirectory()) return sourcesUnder(path)
      return Promise.resolve(e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [])
    }),
  )
  return nested.flat()
}

/**
 * Transpiles lib/, storage/ and the given extra files (paths relative to the root) into `out`,
 * links node_modules, and returns `out`. Type errors are the typecheck's business, not this one's.
 */
export async function compileProject(out: string, extra: string[] = []): Promise<string> {
  const sources = [...(await sourcesUnder(join(root, 'lib'))), ...(await sourcesUnder(join(root, 'storage'))), ...extra.map((f) => join(root, f))]
  for (const source of sources) {
    const { outputText } = ts.transpileModule(await readFile(source, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    })
    const target = join(out, relative(root, source)).replace(/\.ts$/, '.js')
    await mkdir(dirname(target), { recursive: true })
    await writeFile(target, outputText)
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}')
  await symlink(join(root, 'node_modules'), join(out, 'node_modules'))
  return out
}

/**
 * Compiles the project into `<project>/node_modules/paddock` with the real package.json's entry
 * points (dist/lib/index.js becomes lib/index.js), so code under `project` imports 'paddock' and
 * 'paddock/testing' unchanged, as an application that installed the package does.
 */
export async function installCompiledPackage(project: string): Promise<string> {
  const paddock = await compileProject(join(project, 'node_modules/paddock'))
  const { exports } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { import: string }> }
  const entryPoints = Object.fromEntries(Object.entries(exports).map(([entry, { import: target }]) => [entry, target.replace(/^\.\/dist\//, './')]))
  await writeFile(join(paddock, 'package.json'), JSON.stringify({ name: 'paddock', type: 'module', exports: entryPoints }))
  return paddock
}

/**
 * Bundles the CLI compiled into `build` as `npm run build` bundles dist (rolldown.config.ts):
 * `<build>/lib/bin/paddock.cjs`, the installed `paddock` command. Returns its path.
 */
export async function bundleCli(build: string): Promise<string> {
  const [{ build: bundle }, { cliBundle }] = await Promise.all([import('rolldown'), import('../../../rolldown.config.js')])
  await bundle(cliBundle(build))
  return join(build, 'lib/bin/paddock.cjs')
}
