/**
 * The shell's commands, one entry each: usage line (zkCli.sh's own), options, argument counts,
 * and what it does. Output and error lines are zkCli.sh's (see `format.ts`).
 * @module
 */
import { readFile } from 'node:fs/promises'
import { CreateMode, parseConnectString, type AddWatchMode, type CreateModeValue, type WatcherType, type ZooKeeperClient } from '../../index.js'
import { fullVersion } from '../version.js'
import { clientConfigString } from './config.js'
import { shellSubtreeNodesMax } from '../../limits.js'
import { formatAcl, formatStat, javaList, parseAcl } from './format.js'
import type { OptionGroupSpec, OptionSpec, ParsedArgs } from './parse.js'
import { delQuota, delQuotaGroup, listQuota, setQuota, setQuotaGroup } from './quota.js'
import { ShellError, UsageError } from './errors.js'
import type { CommandContext, CommandOutcome } from './types.js'

/** One shell command. */
export interface Command {
  /** The name typed. */
  name: string
  /** zkCli.sh's usage line. */
  usage: string
  /** The options it takes. */
  options: OptionSpec
  /** Options of which at most one may be given (and maybe one must be), as zkCli's quota commands have. */
  group?: OptionGroupSpec
  /** Fewest arguments after the name. */
  argsMin: number
  /** Most arguments after the name. */
  argsMax: number
  /** Runs the command; undefined means `ok`. */
  run(ctx: CommandContext, parsed: ParsedArgs): Promise<CommandOutcome | undefined>
}

function arg(parsed: ParsedArgs, index: number): string {
  const value = parsed.args[index]
  if (value === undefined) throw new UsageError()
  return value
}

function versionOption(parsed: ParsedArgs): number {
  const text = parsed.options.get('v')
  if (text === undefined) return -1
  const version = Number(text)
  if (!Number.isInteger(version)) throw new ShellError(`-v must be a version number, got ${text}`)
  return version
}

function printStat(ctx: CommandContext, stat: Parameters<typeof formatStat>[0]): void {
  ctx.output.out(formatStat(stat).join('\n'))
}

/** Every path of the subtree at `path`, breadth first (ZooKeeper's ZKUtil.listSubTreeBFS). */
async function subtree(client: ZooKeeperClient, path: string): Promise<string[]> {
  const paths = [path]
  for (let i = 0; i < paths.length; i++) {
    const parent = paths[i] ?? path
    const children = await client.getChildren(parent)
    for (const child of children) paths.push(parent === '/' ? `/${child}` : `${parent}/${child}`)
    if (paths.length > shellSubtreeNodesMax) throw new ShellError(`${path} has more than ${shellSubtreeNodesMax} nodes (shellSubtreeNodesMax)`)
  }
  return paths
}

function parsedAcl(ctx: CommandContext, text: string): ReturnType<typeof parseAcl>['acl'] {
  const { acl, warnings } = parseAcl(text)
  for (const warning of warnings) ctx.output.err(warning)
  return acl
}

function createMode(parsed: ParsedArgs): CreateModeValue {
  const ephemeral = parsed.options.has('e')
  const sequential = parsed.options.has('s')
  const container = parsed.options.has('c')
  const ttl = parsed.options.has('t')
  if (container && (ephemeral || sequential)) throw new ShellError('-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.')
  if (ttl && ephemeral) throw new ShellError('TTLs cannot be used with Ephemeral znodes')
  if (ttl && container) throw new ShellError('TTLs cannot be used with Container znodes')
  if (container) return CreateMode.CONTAINER
  if (ttl) return sequential ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_WITH_TTL
  if (ephemeral) return sequential ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL
  return sequential ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT
}

async function ls(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const client = ctx.requireClient()
  const path = arg(parsed, 1)
  if (parsed.options.has('R')) {
    for (const p of await subtree(client, path)) ctx.output.out(p)
    return
  }
  const watch = parsed.options.has('w') ? { watch: ctx.watcher } : {}
  const { children, stat } = await client.getChildrenWithStat(path, watch)
  ctx.output.out(javaList([...children].sort()))
  if (parsed.options.has('s')) printStat(ctx, stat)
}

async function create(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const client = ctx.requireClient()
  const mode = createMode(parsed)
  const ttlText = parsed.options.get('t')
  const ttlMs = ttlText === undefined ? undefined : Number(ttlText)
  if (ttlMs !== undefined && !(Number.isInteger(ttlMs) && ttlMs > 0)) throw new ShellError(`-t must be a time to live in ms, got ${ttlText}`)
  const aclText = parsed.args[3]
  const acl = aclText === undefined ? undefined : parsedAcl(ctx, aclText)
  const created = await client.create(arg(parsed, 1), parsed.args[2] ?? '', {
    mode,
    ...(acl === undefined ? {} : { acl }),
    ...(ttlMs === undefined ? {} : { ttlMs }),
  })
  // zkCli.sh prints what it created on stderr, leaving stdout to the data commands print.
  ctx.output.err(`Created ${created}`)
}

async function get(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const watch = parsed.options.has('w') ? { watch: ctx.watcher } : {}
  const { data, stat } = await ctx.requireClient().getData(arg(parsed, 1), watch)
  ctx.output.out(new TextDecoder().decode(data))
  if (parsed.options.has('s')) printStat(ctx, stat)
}

async function set(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const stat = await ctx.requireClient().setData(arg(parsed, 1), arg(parsed, 2), versionOption(parsed))
  if (parsed.options.has('s')) printStat(ctx, stat)
}

async function stat(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const path = arg(parsed, 1)
  const watch = parsed.options.has('w') ? { watch: ctx.watcher } : {}
  const result = await ctx.requireClient().exists(path, watch)
  if (result === null) throw new ShellError(`Node does not exist: ${path}`)
  printStat(ctx, result)
}

async function deleteAll(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const client = ctx.requireClient()
  const paths = await subtree(client, arg(parsed, 1))
  for (const path of paths.reverse()) await client.delete(path, -1)
}

async function getAcl(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const { acl, stat } = await ctx.requireClient().getACL(arg(parsed, 1))
  for (const entry of acl) ctx.output.out(formatAcl(entry).join('\n'))
  if (parsed.options.has('s')) printStat(ctx, stat)
}

async function setAcl(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const client = ctx.requireClient()
  const path = arg(parsed, 1)
  const acl = parsedAcl(ctx, arg(parsed, 2))
  const version = versionOption(parsed)
  if (parsed.options.has('R')) {
    for (const p of await subtree(client, path)) await client.setACL(p, acl, p === path ? version : -1)
    return
  }
  const stat = await client.setACL(path, acl, version)
  if (parsed.options.has('s')) printStat(ctx, stat)
}

async function whoami(ctx: CommandContext): Promise<undefined> {
  const infos = await ctx.requireClient().whoAmI()
  ctx.output.out(['Auth scheme: User', ...infos.map((i) => `${i.authScheme}: ${i.user}`)].join('\n'))
}

/** ZooKeeper's configuration znode, which `config` reads (ZooDefs.CONFIG_NODE). */
export const configNode = '/zookeeper/config'

/**
 * zkCli's GetConfigCommand: the data of /zookeeper/config (`-c`: only the version and the client
 * addresses, `-s`: its Stat too, `-w`: a watch on it). ZooKeeper's getConfig reads it outside any
 * chroot; a chrooted session cannot, so it is refused with advice.
 */
async function config(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const chroot = parseConnectString(ctx.server).chroot
  if (chroot !== '') throw new ShellError(`config reads ${configNode}, outside the chroot ${chroot}: connect without the chroot to read it`)
  const watch = parsed.options.has('w') ? { watch: ctx.watcher } : {}
  const { data, stat } = await ctx.requireClient().getData(configNode, watch)
  const text = new TextDecoder().decode(data)
  ctx.output.out(parsed.options.has('c') ? clientConfigString(text) : text)
  if (parsed.options.has('s')) printStat(ctx, stat)
}

/**
 * zkCli's ReconfigCommand: `-add`/`-remove` change the membership incrementally, `-members` or
 * `-file` (a dynamic configuration file) replace it, `-v` (hex) makes it conditional; prints the
 * committed configuration (`-s`: its Stat too).
 */
async function reconfig(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const o = parsed.options
  const incremental = o.has('add') || o.has('remove')
  const whole = o.has('members') || o.has('file')
  if (!incremental && !whole) throw new UsageError()
  if (incremental && whole) throw new ShellError("Can't use -file or -members together with -add or -remove (mixing incremental and non-incremental modes is not allowed)")
  if (o.has('members') && o.has('file')) throw new ShellError("Can't use -file and -members together (conflicting non-incremental modes)")
  const versionText = o.get('v')
  const fromConfig = versionText === undefined ? undefined : Number.parseInt(versionText, 16)
  if (fromConfig !== undefined && (!/^[0-9a-fA-F]+$/.test(versionText ?? '') || !Number.isSafeInteger(fromConfig))) throw new ShellError('-v must be followed by a long (configuration version)')
  const list = (text: string | undefined) => (text === undefined ? undefined : text.toLowerCase().split(',').map((s) => s.trim()).filter((s) => s !== ''))
  const file = o.get('file')
  let members = list(o.get('members'))
  if (file !== undefined) members = await membersOfFile(file)
  const leaving = list(o.get('remove'))?.map((id) => Number(id))
  const { data, stat } = await ctx.requireClient().reconfig({
    ...(o.has('add') ? { joining: list(o.get('add')) ?? [] } : {}),
    ...(leaving === undefined ? {} : { leaving }),
    ...(members === undefined ? {} : { members }),
    ...(fromConfig === undefined ? {} : { fromConfig }),
  })
  ctx.output.out(`Committed new configuration:\n${new TextDecoder().decode(data)}`)
  if (o.has('s')) printStat(ctx, stat)
}

/** The `server.N` lines of a dynamic configuration file, for `reconfig -file`. */
async function membersOfFile(path: string): Promise<string[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ShellError(`Error processing ${path}: ${(error as Error).message}`)
  }
  return text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line.startsWith('server.'))
}

const addWatchModes: Record<string, AddWatchMode> = { PERSISTENT: 'persistent', PERSISTENT_RECURSIVE: 'persistentRecursive' }

async function addWatch(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const modeText = parsed.options.get('m') ?? 'PERSISTENT_RECURSIVE'
  const mode = addWatchModes[modeText.toUpperCase()]
  if (mode === undefined) throw new UsageError()
  await ctx.requireClient().addWatch(arg(parsed, 1), ctx.watcher, mode)
}

async function removeWatches(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const type: WatcherType = parsed.options.has('c') ? 'children' : parsed.options.has('d') ? 'data' : 'any'
  // -l (remove locally when the server is unreachable) needs no flag here: the client always
  // forgets its own watches, and tells the server when it can.
  await ctx.requireClient().removeWatches(arg(parsed, 1), type)
}

async function printwatches(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const value = parsed.args[1]
  if (value === undefined) ctx.output.out(`printwatches is ${ctx.printWatches ? 'on' : 'off'}`)
  else ctx.printWatches = value === 'on'
}

const none: OptionSpec = {}

const table: Command[] = [
  { name: 'addWatch', usage: 'addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE', options: { m: 'value' }, argsMin: 1, argsMax: 1, run: addWatch },
  { name: 'addauth', usage: 'addauth scheme auth', options: none, argsMin: 2, argsMax: 2, run: async (ctx, p) => void (await ctx.requireClient().addAuth(arg(p, 1), arg(p, 2))) },
  { name: 'close', usage: 'close ', options: none, argsMin: 0, argsMax: 0, run: async (ctx) => void (await ctx.closeSession()) },
  { name: 'config', usage: 'config [-c] [-w] [-s]', options: { c: 'flag', w: 'flag', s: 'flag' }, argsMin: 0, argsMax: 0, run: config },
  { name: 'connect', usage: 'connect host:port', options: none, argsMin: 0, argsMax: 1, run: async (ctx, p) => ((await ctx.connect(p.args[1])) ? 'ok' : 'failed') },
  { name: 'create', usage: 'create [-s] [-e] [-c] [-t ttl] path [data] [acl]', options: { s: 'flag', e: 'flag', c: 'flag', t: 'value' }, argsMin: 1, argsMax: 3, run: create },
  { name: 'delete', usage: 'delete [-v version] path', options: { v: 'value' }, argsMin: 1, argsMax: 1, run: async (ctx, p) => void (await ctx.requireClient().delete(arg(p, 1), versionOption(p))) },
  { name: 'delquota', usage: 'delquota [-n|-b|-N|-B] path', options: { n: 'flag', b: 'flag', N: 'flag', B: 'flag' }, group: delQuotaGroup, argsMin: 1, argsMax: 1, run: delQuota },
  { name: 'deleteall', usage: 'deleteall path', options: { b: 'value' }, argsMin: 1, argsMax: 1, run: deleteAll },
  { name: 'get', usage: 'get [-s] [-w] path', options: { s: 'flag', w: 'flag' }, argsMin: 1, argsMax: 1, run: get },
  { name: 'getAcl', usage: 'getAcl [-s] path', options: { s: 'flag' }, argsMin: 1, argsMax: 1, run: getAcl },
  { name: 'getAllChildrenNumber', usage: 'getAllChildrenNumber path', options: none, argsMin: 1, argsMax: 1, run: async (ctx, p) => void ctx.output.out(String(await ctx.requireClient().getAllChildrenNumber(arg(p, 1)))) },
  { name: 'getEphemerals', usage: 'getEphemerals path', options: none, argsMin: 0, argsMax: 1, run: async (ctx, p) => void ctx.output.out(javaList(await ctx.requireClient().getEphemerals(p.args[1] ?? '/'))) },
  { name: 'help', usage: 'help', options: none, argsMin: 0, argsMax: 1, run: async (ctx) => void ctx.output.out(usageText()) },
  { name: 'history', usage: 'history ', options: none, argsMin: 0, argsMax: 0, run: async () => undefined },
  { name: 'listquota', usage: 'listquota path', options: none, argsMin: 1, argsMax: 1, run: listQuota },
  { name: 'ls', usage: 'ls [-s] [-w] [-R] path', options: { s: 'flag', w: 'flag', R: 'flag' }, argsMin: 1, argsMax: 1, run: ls },
  { name: 'printwatches', usage: 'printwatches on|off', options: none, argsMin: 0, argsMax: 1, run: printwatches },
  { name: 'quit', usage: 'quit ', options: none, argsMin: 0, argsMax: 0, run: async () => 'quit' },
  { name: 'reconfig', usage: 'reconfig [-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]', options: { s: 'flag', v: 'value', add: 'value', remove: 'value', members: 'value', file: 'value' }, argsMin: 0, argsMax: 0, run: reconfig },
  { name: 'redo', usage: 'redo cmdno', options: none, argsMin: 1, argsMax: 1, run: async () => undefined },
  { name: 'removewatches', usage: 'removewatches path [-c|-d|-a] [-l]', options: { c: 'flag', d: 'flag', a: 'flag', l: 'flag' }, argsMin: 1, argsMax: 1, run: removeWatches },
  { name: 'rmr', usage: 'rmr path', options: none, argsMin: 1, argsMax: 1, run: deleteAll },
  { name: 'set', usage: 'set [-s] [-v version] path data', options: { s: 'flag', v: 'value' }, argsMin: 2, argsMax: 2, run: set },
  { name: 'setAcl', usage: 'setAcl [-s] [-v version] [-R] path acl', options: { s: 'flag', v: 'value', R: 'flag' }, argsMin: 2, argsMax: 2, run: setAcl },
  { name: 'setquota', usage: 'setquota -n|-b|-N|-B val path', options: { n: 'value', b: 'value', N: 'value', B: 'value' }, group: setQuotaGroup, argsMin: 1, argsMax: 1, run: setQuota },
  { name: 'stat', usage: 'stat [-w] path', options: { w: 'flag' }, argsMin: 1, argsMax: 1, run: stat },
  { name: 'sync', usage: 'sync path', options: none, argsMin: 1, argsMax: 1, run: async (ctx, p) => void (await ctx.requireClient().sync(arg(p, 1)), ctx.output.out('Sync is OK')) },
  { name: 'version', usage: 'version ', options: none, argsMin: 0, argsMax: 0, run: async (ctx) => void ctx.output.out(`ZooKeeper CLI version: ${fullVersion}`) },
  { name: 'whoami', usage: 'whoami ', options: none, argsMin: 0, argsMax: 0, run: whoami },
]

/** The commands by name. */
export const commands: ReadonlyMap<string, Command> = new Map(table.map((c) => [c.name, c]))

/** The command names, sorted, for completion. */
export function commandNames(): string[] {
  return [...commands.keys()].sort()
}

/** The usage listing `help` prints, in zkCli.sh's layout. */
export function usageText(): string {
  const lines = [...commands.values()].filter((c) => c.name !== 'help').map((c) => `\t${c.usage}`)
  return ['paddock shell -server host:port[,host:port] -timeout ms cmd args', ...lines].join('\n')
}
