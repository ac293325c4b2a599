// Method: parse every .ts file of lib/ and storage/ with the TypeScript compiler API, build the import graph, and check it against DESIGN.md's dependency rules.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { join, posix } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

// ---------------------------------------------------------------------------------------------
// The import graph. Paths are repo-relative with forward slashes ('lib/zab/leader.ts').

/** One import of one file: a static import or export-from, a dynamic import(), or an import type. */
interface Edge {
  /** The importing file. */
  from: string
  /** The imported file (relative specifiers, resolved) or the package name as written. */
  to: string
  /** The specifier as written in the source. */
  specifier: string
  /** True for a package (or Node built-in), false for a file of this repo. */
  external: boolean
  /** True when nothing of it is left at run time: `import type`, `export type`, `import('x')` in a type. */
  typeOnly: boolean
  /** 1-based line of the import, for messages. */
  line: number
}

/** A reference to an ambient input (timers, the wall clock, randomness, process) that no local declaration shadows. */
interface GlobalUse {
  /** The using file. */
  file: string
  /** What is used, as written: 'setTimeout', 'Date.now', 'new Date', 'Math.random', ... */
  what: string
  /** 1-based line of the use. */
  line: number
}

const root = join(import.meta.dirname, '../..')

function listTs(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => posix.join(dir, name.split('\\').join('/')))
    .sort()
}

function isFileOnDisk(path: string): boolean {
  try {
    return statSync(join(root, path)).isFile()
  } catch {
    return false
  }
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
}

function lineOf(sourceFile: ts.SourceFile, node: ts.Node): number {
  return sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1
}

/** NodeNext resolution of a relative specifier: './x.js' is x.ts, './dir/index.js' is dir/index.ts. */
function resolveRelative(from: string, specifier: string, isFile: (path: string) => boolean): string {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier))
  const stem = base.replace(/\.(m?)js$/, '')
  const candidates =
    stem === base ? [`${base}.ts`, `${base}/index.ts`, base] : [`${stem}.${base.endsWith('.mjs') ? 'mts' : 'ts'}`, base]
  return candidates.find(isFile) ?? (candidates[0] as string)
}

/**
 * Whether a runtime import is left after compilation. Under verbatimModuleSyntax only a
 * whole-statement `import type` is erased; `import { type A }` still loads the module.
 */
function isTypeOnlyImport(node: ts.ImportDeclaration): boolean {
  return node.importClause?.isTypeOnly === true
}

/** Every import of one source file, found by walking its syntax tree (comments and strings never count). */
function importsOf(sourceFile: ts.SourceFile, isFile: (path: string) => boolean): Edge[] {
  const file = sourceFile.fileName
  const edges: Edge[] = []
  const add = (node: ts.Node, specifier: string, typeOnly: boolean): void => {
    const external = !specifier.startsWith('.')
    const to = external ? specifier : resolveRelative(file, specifier, isFile)
    edges.push({ from: file, to, specifier, external, typeOnly, line: lineOf(sourceFile, node) })
  }
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, isTypeOnlyImport(node))
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node, node.moduleSpecifier.text, node.isTypeOnly)
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression
      if (ts.isStringLiteral(expression)) add(node, expression.text, node.isTypeOnly)
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const argument = node.arguments[0]
      if (argument && ts.isStringLiteralLike(argument)) add(node, argument.text, false)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node, node.argument.literal.text, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(sourceFile)
  return edges
}

// ---------------------------------------------------------------------------------------------
// Ambient inputs: free references to globals, resolved against the file's own scopes.

const timerGlobals = new Set([
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
])

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text]
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : bindingNames(element.name)))
}

function statementNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.flatMap((d) => bindingNames(d.name))
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause
    const named = clause?.namedBindings
    return [
      ...(clause?.name ? [clause.name.text] : []),
      ...(named && ts.isNamespaceImport(named) ? [named.name.text] : []),
      ...(named && ts.isNamedImports(named) ? named.elements.map((e) => e.name.text) : []),
    ]
  }
  if (
    (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
    statement.name
  ) {
    return [statement.name.text]
  }
  if ((ts.isModuleDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) && ts.isIdentifier(statement.name)) {
    return [statement.name.text]
  }
  return []
}

/** `var` declarations hoist to the enclosing function (or file), past nested blocks but not nested functions. */
function hoistedVars(body: ts.Node): string[] {
  const names: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) return
    if (ts.isVariableDeclarationList(node) && !(node.flags & ts.NodeFlags.BlockScoped)) {
      names.push(...node.declarations.flatMap((d) => bindingNames(d.name)))
    }
    ts.forEachChild(node, visit)
  }
  ts.forEachChild(body, visit)
  return names
}

/** The names a node declares for its own scope, or undefined when it opens no scope. */
function scopeNames(node: ts.Node): Set<string> | undefined {
  if (ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node)) {
    const own = node.statements.flatMap(statementNames)
    return new Set(ts.isBlock(node) ? own : [...own, ...hoistedVars(node)])
  }
  if (ts.isCaseBlock(node)) return new Set(node.clauses.flatMap((clause) => clause.statements.flatMap(statementNames)))
  if (ts.isFunctionLike(node)) {
    const own = ts.isFunctionExpression(node) && node.name ? [node.name.text] : []
    const body = 'body' in node && node.body ? hoistedVars(node.body) : []
    return new Set([...own, 'arguments', ...node.parameters.flatMap((p) => bindingNames(p.name)), ...body])
  }
  if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
    const init = node.initializer
    return new Set(init && ts.isVariableDeclarationList(init) ? init.declarations.flatMap((d) => bindingNames(d.name)) : [])
  }
  if (ts.isCatchClause(node)) return new Set(node.variableDeclaration ? bindingNames(node.variableDeclaration.name) : [])
  if (ts.isClassLike(node)) return new Set(node.name ? [node.name.text] : [])
  return undefined
}

/** Whether an identifier names a value at run time here (not a property name, a declaration, a type or a label). */
function isValueReference(id: ts.Identifier): boolean {
  const parent = id.parent
  if (ts.isShorthandPropertyAssignment(parent)) return true
  if (ts.isPropertyAccessExpression(parent)) return parent.expression === id
  if (ts.isQualifiedName(parent)) return false
  if (ts.isBindingElement(parent)) return false
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent) || ts.isMetaProperty(parent)) return false
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent)) {
    return false
  }
  const named = parent as ts.Node & { name?: ts.Node }
  return named.name !== id
}

/** Which ambient input a free identifier uses, or undefined for a harmless global (Math.max, Date as a type). */
function ambientUse(id: ts.Identifier): string | undefined {
  const parent = id.parent
  const member = ts.isPropertyAccessExpression(parent) && parent.expression === id ? parent.name.text : undefined
  switch (id.text) {
    case 'process':
    case 'crypto':
    case 'performance':
      return member ? `${id.text}.${member}` : id.text
    case 'Date':
      if (ts.isNewExpression(parent) && parent.expression === id) return 'new Date'
      if (ts.isCallExpression(parent) && parent.expression === id) return 'Date()'
      return member === 'now' ? 'Date.now' : undefined
    case 'Math':
      return member === 'random' ? 'Math.random' : undefined
    case 'globalThis':
    case 'global':
      return member && (timerGlobals.has(member) || ['process', 'Date', 'Math', 'crypto', 'performance'].includes(member))
        ? `${id.text}.${member}`
        : undefined
    default:
      return timerGlobals.has(id.text) ? id.text : undefined
  }
}

/** Nodes that exist only for the type checker: nothing inside them runs. */
function isTypeLevel(node: ts.Node): boolean {
  if (ts.isExpressionWithTypeArguments(node)) {
    const clause = node.parent
    return !(ts.isHeritageClause(clause) && clause.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(clause.parent))
  }
  return (
    ts.isTypeNode(node) ||
    ts.isInterfaceDeclaration(node) ||
    ts.isTypeAliasDeclaration(node) ||
    ts.isImportDeclaration(node) ||
    ts.isExportDeclaration(node)
  )
}

/** Every use of a timer, the wall clock, randomness or process that refers to the global, not a local. */
function ambientUsesOf(sourceFile: ts.SourceFile): GlobalUse[] {
  const uses: GlobalUse[] = []
  const scopes: Set<string>[] = []
  const visit = (node: ts.Node): void => {
    if (isTypeLevel(node)) return
    const declared = scopeNames(node)
    if (declared) scopes.push(declared)
    if (ts.isIdentifier(node) && isValueReference(node) && !scopes.some((scope) => scope.has(node.text))) {
      const what = ambientUse(node)
      if (what) uses.push({ file: sourceFile.fileName, what, line: lineOf(sourceFile, node) })
    }
    ts.forEachChild(node, visit)
    if (declared) scopes.pop()
  }
  visit(sourceFile)
  return uses
}

// ---------------------------------------------------------------------------------------------
// Cycles: Tarjan's strongly connected components, then one shortest cycle through each edge.

type Graph = ReadonlyMap<string, ReadonlySet<string>>

function graphOf(pairs: readonly (readonly [string, string])[]): Graph {
  const graph = new Map<string, Set<string>>()
  for (const [from, to] of pairs) {
    if (!graph.has(to)) graph.set(to, new Set())
    const targets = graph.get(from) ?? new Set<string>()
    targets.add(to)
    graph.set(from, targets)
  }
  return graph
}

function stronglyConnectedComponents(graph: Graph): string[][] {
  let next = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const components: string[][] = []
  const connect = (node: string): void => {
    index.set(node, next)
    low.set(node, next)
    next++
    stack.push(node)
    onStack.add(node)
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        connect(target)
        low.set(node, Math.min(low.get(node) as number, low.get(target) as number))
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) as number, index.get(target) as number))
      }
    }
    if (low.get(node) !== index.get(node)) return
    const component: string[] = []
    for (let member = stack.pop(); member !== undefined; member = member === node ? undefined : stack.pop()) {
      onStack.delete(member)
      component.push(member)
    }
    components.push(component.sort())
  }
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node)
  return components
}

/** The shortest path from `start` to `goal` inside `within`, both ends included (breadth-first). */
function shortestPath(graph: Graph, start: string, goal: string, within: ReadonlySet<string>): string[] {
  const previous = new Map<string, string | undefined>([[start, undefined]])
  const queue = [start]
  for (let node = queue.shift(); node !== undefined && node !== goal; node = queue.shift()) {
    for (const target of [...(graph.get(node) ?? [])].sort()) {
      if (within.has(target) && !previous.has(target)) {
        previous.set(target, node)
        queue.push(target)
      }
    }
  }
  const path: string[] = []
  for (let node: string | undefined = goal; node !== undefined; node = previous.get(node)) path.unshift(node)
  return path
}

/**
 * Every import cycle, as 'a -> b -> a'. A component can hold many cycles; this reports, for each
 * edge inside one, the shortest cycle through that edge, so every edge to break shows up once.
 */
function findCycles(graph: Graph): string[] {
  const cycles = new Set<string>()
  for (const component of stronglyConnectedComponents(graph)) {
    const members = new Set(component)
    for (const from of component) {
      for (const to of graph.get(from) ?? []) {
        if (!members.has(to)) continue
        const loop = from === to ? [from] : [from, ...shortestPath(graph, to, from, members).slice(0, -1)]
        const first = loop.indexOf([...loop].sort()[0] as string)
        const rotated = [...loop.slice(first), ...loop.slice(0, first)]
        cycles.add([...rotated, rotated[0]].join(' -> '))
      }
    }
  }
  return [...cycles].sort()
}

// ---------------------------------------------------------------------------------------------
// The rules of DESIGN.md ("Dependency direction"), one function per rule: an edge in, a reason out.

/**
 * The top folder of a lib/ file ('zab' for lib/zab/leader.ts). lib/errors.ts, path.ts, limits.ts
 * and clock.ts are 'root'; lib/index.ts, the public entry that re-exports every folder, is
 * 'index' of its own, since as part of 'root' it would close a folder cycle with every folder
 * that imports lib/errors.ts. storage/ is one folder, 'storage'.
 */
function folderOf(file: string): string | undefined {
  if (file.startsWith('storage/')) return 'storage'
  if (!file.startsWith('lib/')) return undefined
  if (file === 'lib/index.ts') return 'index'
  const parts = file.split('/')
  return parts.length === 2 ? 'root' : parts[1]
}

const pureFolders = new Set(['zab', 'tree', 'txn', 'session', 'watch', 'protocol'])
const levelPackages = new Set(['level', 'memory-level', 'abstract-level', 'classic-level', 'browser-level'])
const sharedRootFiles = new Set(['lib/errors.ts', 'lib/path.ts', 'lib/limits.ts', 'lib/planted-bugs.ts'])

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] as string)
}

/**
 * Project files each pure folder may import besides its own files and the shared root files:
 * the protocol's vocabulary, and for the tree the transaction records it applies.
 */
function pureFolderMayImport(folder: string, target: string): boolean {
  if (folder === 'zab') return target === 'lib/protocol/zxid.ts'
  if (folder === 'protocol') return false
  if (folder === 'tree' && folderOf(target) === 'txn') return true
  return folderOf(target) === 'protocol'
}

/** Rule 3: zab, tree, txn, session, watch and protocol do no I/O and import only what DESIGN.md allows. */
function purityProblem(edge: Edge): string | undefined {
  const folder = folderOf(edge.from)
  if (folder === undefined || !pureFolders.has(folder)) return undefined
  if (edge.external) {
    if (isNodeBuiltin(edge.specifier)) return `a Node built-in (I/O) in lib/${folder}`
    if (levelPackages.has(edge.specifier)) return `storage (level) in lib/${folder}`
    return undefined
  }
  if (folderOf(edge.to) === folder || sharedRootFiles.has(edge.to)) return undefined
  if (edge.to === 'lib/clock.ts') return edge.typeOnly ? undefined : 'a value import of lib/clock.ts (only `import type` of Clock)'
  if (pureFolderMayImport(folder, edge.to)) return undefined
  return `lib/${folder} may not import ${folderOf(edge.to) ?? edge.to}`
}

/** Rule 4: client and recipes never reach the server; recipes use only the client's public barrel. */
function clientSideProblem(edge: Edge): string | undefined {
  const folder = folderOf(edge.from)
  if ((folder !== 'client' && folder !== 'recipes') || edge.external) return undefined
  const target = folderOf(edge.to)
  if (target === 'server' || target === 'host') return `lib/${folder} may not import lib/${target}`
  if (folder === 'client') return undefined
  // lib/limits.ts holds the recipes' bounds with every other one; like errors and paths it imports nothing.
  const allowed =
    target === 'recipes' || target === 'protocol' || edge.to === 'lib/client/index.ts' || sharedRootFiles.has(edge.to)
  return allowed ? undefined : 'lib/recipes may import only lib/client/index.ts, lib/protocol, lib/errors.ts, lib/path.ts, lib/limits.ts and recipes'
}

/** Rule 5: storage sits below the server. */
function storageProblem(edge: Edge): string | undefined {
  if (folderOf(edge.from) !== 'storage' || edge.external) return undefined
  const target = folderOf(edge.to)
  return target === 'server' || target === 'host' ? `storage/ may not import lib/${target}` : undefined
}

/** Rule 6: protocol is the shared vocabulary and depends on nothing but errors and paths. */
function protocolProblem(edge: Edge): string | undefined {
  if (folderOf(edge.from) !== 'protocol') return undefined
  if (!edge.external && (folderOf(edge.to) === 'protocol' || edge.to === 'lib/errors.ts' || edge.to === 'lib/path.ts')) return undefined
  return 'lib/protocol may import only lib/protocol, lib/errors.ts and lib/path.ts'
}

function describeEdge(edge: Edge): string {
  const kind = edge.typeOnly ? ' (type)' : ''
  return `${edge.from}:${edge.line} -> ${edge.to}${kind}`
}

function violations(edges: readonly Edge[], rule: (edge: Edge) => string | undefined): string[] {
  return edges.flatMap((edge) => {
    const reason = rule(edge)
    return reason === undefined ? [] : [`${describeEdge(edge)}: ${reason}`]
  })
}

function fileGraph(edges: readonly Edge[]): Graph {
  return graphOf(edges.filter((e) => !e.external).map((e) => [e.from, e.to] as const))
}

/** Folder-level cycles, each hop followed by one file edge that makes it. */
function folderCycles(edges: readonly Edge[]): string[] {
  const witness = new Map<string, Edge>()
  for (const edge of edges) {
    const [from, to] = [folderOf(edge.from), folderOf(edge.to)]
    if (edge.external || from === undefined || to === undefined || from === to) continue
    if (!witness.has(`${from} -> ${to}`)) witness.set(`${from} -> ${to}`, edge)
  }
  const graph = graphOf([...witness.keys()].map((key) => key.split(' -> ') as [string, string]))
  return findCycles(graph).map((cycle) => {
    const hops = cycle.split(' -> ')
    const why = hops.slice(1).map((to, i) => describeEdge(witness.get(`${hops[i]} -> ${to}`) as Edge))
    return `${cycle} [${why.join('; ')}]`
  })
}

// ---------------------------------------------------------------------------------------------

function scanRepo(): { edges: Edge[]; uses: GlobalUse[]; files: string[] } {
  const files = [...listTs('lib'), ...listTs('storage')]
  const known = new Set(files)
  const isFile = (path: string): boolean => known.has(path) || isFileOnDisk(path)
  const sources = files.map((file) => parse(file, readFileSync(join(root, file), 'utf8')))
  return { files, edges: sources.flatMap((s) => importsOf(s, isFile)), uses: sources.flatMap(ambientUsesOf) }
}

describe('layering (DESIGN.md "Dependency direction"; read from the import graph)', () => {
  const { edges, uses, files } = scanRepo()

  it('reads a graph with every relative import resolved to a file', () => {
    expect(files.length).toBeGreaterThan(50)
    expect(edges.filter((e) => !e.external).length).toBeGreaterThan(100)
    const unresolved = edges.filter((e) => !e.external && !isFileOnDisk(e.to)).map(describeEdge)
    expect(unresolved, 'relative imports that resolve to no file').toEqual([])
  })

  it('finds no import cycle between files of lib/ and storage/ (type-only imports count)', () => {
    expect(findCycles(fileGraph(edges)), 'file import cycles').toEqual([])
  })

  it('finds no cycle between the top folders of lib/', () => {
    expect(folderCycles(edges), 'folder cycles, each hop with one file edge that makes it').toEqual([])
  })

  it('keeps zab, tree, txn, session, watch and protocol free of I/O, ambient inputs and upward imports', () => {
    const ambient = uses
      .filter((use) => pureFolders.has(folderOf(use.file) ?? ''))
      .map((use) => `${use.file}:${use.line} uses ${use.what}`)
    expect([...violations(edges, purityProblem), ...ambient], 'impure imports and uses').toEqual([])
  })

  it('keeps client and recipes off the server, and recipes on the public client API', () => {
    expect(violations(edges, clientSideProblem), 'client-side imports').toEqual([])
  })

  it('keeps storage/ below lib/server and lib/host', () => {
    expect(violations(edges, storageProblem), 'storage imports').toEqual([])
  })

  it('keeps lib/protocol importing only lib/protocol, lib/errors.ts and lib/path.ts', () => {
    expect(violations(edges, protocolProblem), 'protocol imports').toEqual([])
  })
})

describe('layering checks on planted faults (the checks above can fail)', () => {
  const isFile = (path: string): boolean => ['lib/zab/a.ts', 'lib/zab/b.ts', 'lib/zab/c.ts', 'lib/clock.ts'].includes(path)
  const plant = (file: string, text: string): ts.SourceFile => parse(file, text)

  it('reports a planted file cycle as a path, including a type-only edge', () => {
    const sources = [
      plant('lib/zab/a.ts', "import { b } from './b.js'\n// import { c } from './c.js'\nexport const a = b"),
      plant('lib/zab/b.ts', "import type { C } from './c.js'\nexport const b = 1\nexport type B = C"),
      plant('lib/zab/c.ts', "export type { A } from './a.js'\nexport const s = 'import(\"./b.js\")'"),
    ]
    const edges = sources.flatMap((s) => importsOf(s, isFile))
    expect(edges.map(describeEdge)).toEqual([
      'lib/zab/a.ts:1 -> lib/zab/b.ts',
      'lib/zab/b.ts:1 -> lib/zab/c.ts (type)',
      'lib/zab/c.ts:1 -> lib/zab/a.ts (type)',
    ])
    expect(findCycles(fileGraph(edges))).toEqual(['lib/zab/a.ts -> lib/zab/b.ts -> lib/zab/c.ts -> lib/zab/a.ts'])
  })

  it('reports each cycle of a component and a self-import', () => {
    const graph = graphOf([['a', 'b'], ['b', 'a'], ['b', 'c'], ['c', 'b'], ['d', 'd'], ['c', 'e']])
    expect(findCycles(graph)).toEqual(['a -> b -> a', 'b -> c -> b', 'd -> d'])
  })

  it('reports a planted folder cycle with the file edges that make it', () => {
    const edges = [
      { from: 'lib/server/x.ts', to: 'lib/host/y.ts', specifier: '../host/y.js', external: false, typeOnly: false, line: 3 },
      { from: 'lib/host/y.ts', to: 'lib/server/z.ts', specifier: '../server/z.js', external: false, typeOnly: true, line: 4 },
    ]
    expect(folderCycles(edges)).toEqual([
      'host -> server -> host [lib/host/y.ts:4 -> lib/server/z.ts (type); lib/server/x.ts:3 -> lib/host/y.ts]',
    ])
  })

  it('reports planted I/O imports and a value import of the clock, and allows import type of it', () => {
    const source = plant(
      'lib/zab/a.ts',
      [
        "import { connect } from 'node:net'",
        "import { readFile } from 'fs'",
        "import { Level } from 'level'",
        "import { systemClock } from '../clock.js'",
        "import type { Clock } from '../clock.js'",
        "import { zkError } from '../errors.js'",
        "import { Packr } from 'msgpackr'",
        "const io = await import('node:fs')",
      ].join('\n'),
    )
    expect(violations(importsOf(source, isFile), purityProblem)).toEqual([
      'lib/zab/a.ts:1 -> node:net: a Node built-in (I/O) in lib/zab',
      'lib/zab/a.ts:2 -> fs: a Node built-in (I/O) in lib/zab',
      'lib/zab/a.ts:3 -> level: storage (level) in lib/zab',
      'lib/zab/a.ts:4 -> lib/clock.ts: a value import of lib/clock.ts (only `import type` of Clock)',
      'lib/zab/a.ts:8 -> node:fs: a Node built-in (I/O) in lib/zab',
    ])
  })

  it('finds ambient inputs by reference, not by text, and ignores shadowed names', () => {
    const source = plant(
      'lib/tree/a.ts',
      [
        '// setTimeout(f, 1) in a comment, and Date.now() in a string:',
        "const text = 'Date.now() Math.random()'",
        'setTimeout(() => undefined, 1)',
        'const t = Date.now() + new Date().getTime() + Math.random() + Math.max(1, 2)',
        'function f(process: { env: string }, at: Date) { return process.env + at.valueOf() }',
        'const o = { setInterval: 1, performance: 2 }.setInterval',
        'const g = globalThis.setImmediate',
        'export const env = process.env.HOME + performance.now()',
        'class K { setTimeout() { const setInterval = 3; return setInterval } }',
      ].join('\n'),
    )
    expect(ambientUsesOf(source).map((u) => `${u.line}: ${u.what}`)).toEqual([
      '3: setTimeout',
      '4: Date.now',
      '4: new Date',
      '4: Math.random',
      '7: globalThis.setImmediate',
      '8: process.env',
      '8: performance.now',
    ])
  })

  it('reports planted client-side, storage and protocol imports', () => {
    const edge = (from: string, to: string): Edge => ({ from, to, specifier: to, external: false, typeOnly: true, line: 1 })
    expect(violations([edge('lib/client/a.ts', 'lib/server/b.ts'), edge('lib/recipes/a.ts', 'lib/client/client.ts')], clientSideProblem)).toHaveLength(2)
    expect(violations([edge('lib/recipes/a.ts', 'lib/client/index.ts'), edge('lib/recipes/a.ts', 'lib/protocol/x.ts'), edge('lib/recipes/a.ts', 'lib/limits.ts')], clientSideProblem)).toEqual([])
    expect(violations([edge('lib/recipes/a.ts', 'lib/clock.ts')], clientSideProblem)).toHaveLength(1)
    expect(violations([edge('storage/a.ts', 'lib/host/b.ts'), edge('storage/a.ts', 'lib/txn/b.ts')], storageProblem)).toHaveLength(1)
    expect(violations([edge('lib/protocol/a.ts', 'lib/limits.ts'), edge('lib/protocol/a.ts', 'lib/errors.ts')], protocolProblem)).toHaveLength(1)
  })
})
