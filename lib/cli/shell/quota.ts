/**
 * The quota commands, as zkCli.sh's SetQuotaCommand, ListQuotaCommand and DelQuotaCommand behave:
 * they write and read `/zookeeper/quota/<path>/zookeeper_limits` (the limits) and
 * `/zookeeper/quota/<path>/zookeeper_stats` (the usage the server keeps) with ordinary client
 * calls, so they work against Paddock and Apache ZooKeeper alike. Where zkCli.sh prints a refusal
 * and still exits 0, these exit 1.
 * @module
 */
import { ZooKeeperError, type ZooKeeperClient } from '../../index.js'
import { formatStats, limitNode, limitPathOf, parseStats, quotaRoot, statPathOf, type QuotaStats } from '../../tree/quota.js'
import { ShellError, UsageError } from './errors.js'
import type { OptionGroupSpec, ParsedArgs } from './parse.js'
import type { CommandContext } from './types.js'

/** The four quota options, in the order zkCli lists them, with Commons CLI's descriptions. */
const quotaOptions: OptionGroupSpec['options'] = [
  ['n', 'num soft quota'],
  ['b', 'bytes soft quota'],
  ['N', 'num hard quota'],
  ['B', 'bytes hard quota'],
]

/** setquota's options: exactly one of `-n`, `-b`, `-N`, `-B`, each with a value. */
export const setQuotaGroup: OptionGroupSpec = { options: quotaOptions, required: true }

/** delquota's options: at most one of `-n`, `-b`, `-N`, `-B`, flags. */
export const delQuotaGroup: OptionGroupSpec = { options: quotaOptions, required: false }

/** Which {@link QuotaStats} figure each option sets, and whether it counts nodes (else bytes). */
const figureOf = {
  n: { key: 'count', nodes: true },
  b: { key: 'bytes', nodes: false },
  N: { key: 'countHardLimit', nodes: true },
  B: { key: 'byteHardLimit', nodes: false },
} as const satisfies Record<string, { key: keyof QuotaStats; nodes: boolean }>

type QuotaLetter = keyof typeof figureOf

/** The quota option given (the option group lets at most one through), or undefined. */
function quotaOption(parsed: ParsedArgs): QuotaLetter | undefined {
  return (Object.keys(figureOf) as QuotaLetter[]).find((letter) => parsed.options.has(letter))
}

/** Java's Long range, which zkCli parses the values in. */
const javaLongMax = 2n ** 63n - 1n
/** Java's Integer range, for the node counts. */
const javaIntMax = 2n ** 31n - 1n

/**
 * A limit as SetQuotaCommand.checkOptionValue takes it: a Java int (node counts, above zero) or a
 * Java long (bytes, zero or more); its complaint otherwise. Values Paddock cannot hold exactly
 * (above 2^53 - 1) are refused too, naming the largest it takes.
 */
function limitValue(text: string, nodes: boolean): number {
  const max = nodes ? javaIntMax : javaLongMax
  if (!/^[+-]?\d+$/.test(text) || BigInt(text) > max || BigInt(text) < -max - 1n) throw new ShellError('NumberFormatException happens when parsing the option value')
  const value = BigInt(text)
  if (nodes && value <= 0n) throw new ShellError('the num quota must be greater than zero')
  if (!nodes && value < 0n) throw new ShellError('the bytes quota must be greater than or equal to zero')
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ShellError(`the bytes quota must be at most ${Number.MAX_SAFE_INTEGER}`)
  return Number(value)
}

/** The quota's directory under /zookeeper/quota (`/zookeeper/quota/a/b` for `/a/b`). */
const quotaDirOf = (path: string): string => `${quotaRoot}${path}`

/** Whether a ZooKeeper call failed because the node does not exist. */
function isNoNode(error: unknown): boolean {
  return error instanceof ZooKeeperError && error.code === 'NONODE'
}

/** The children of `path`, or undefined when it does not exist. */
async function childrenOrNone(client: ZooKeeperClient, path: string): Promise<string[] | undefined> {
  return client.getChildren(path).catch((error: unknown) => {
    if (isNoNode(error)) return undefined
    throw error
  })
}

/** The figures a quota node holds; a node that holds something else is an error naming it. */
async function readStats(client: ZooKeeperClient, path: string): Promise<QuotaStats> {
  const { data } = await client.getData(path)
  const stats = parseStats(data)
  if (stats === undefined) throw new ShellError(`${path} does not hold quota figures: ${new TextDecoder().decode(data)}`)
  return stats
}

/**
 * Refuses a quota on a path below which a quota is set already (SetQuotaCommand's
 * checkIfChildQuota): any directory under the path's quota directory that holds a limit node.
 */
async function refuseChildQuota(client: ZooKeeperClient, path: string): Promise<void> {
  const top = quotaDirOf(path)
  const stack = [top]
  for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
    const children = await childrenOrNone(client, dir)
    if (children === undefined) continue
    if (dir !== top && children.includes(limitNode)) throw new ShellError(`${path} has a child ${dir.slice(quotaRoot.length)} which has a quota`)
    for (const child of [...children].sort().reverse()) stack.push(`${dir}/${child}`)
  }
}

/**
 * Refuses a quota on a path above which a quota is set already (checkIfParentQuota): a limit node
 * in the quota directory of any proper ancestor, looked for from the top down until one is missing.
 */
async function refuseParentQuota(client: ZooKeeperClient, path: string): Promise<void> {
  const parts = path.split('/').slice(1, -1)
  let dir = quotaRoot
  for (const part of parts) {
    dir += `/${part}`
    const children = await childrenOrNone(client, dir)
    if (children === undefined || children.length === 0) return
    if (children.includes(limitNode)) throw new ShellError(`${path} has a parent ${dir.slice(quotaRoot.length)} which has a quota`)
  }
}

/** Creates `path` with no data unless it exists. */
async function ensureNode(client: ZooKeeperClient, path: string): Promise<void> {
  if ((await client.exists(path)) !== null) return
  await client.create(path).catch((error: unknown) => {
    if (!(error instanceof ZooKeeperError && error.code === 'NODEEXISTS')) throw error
  })
}

/** SetQuotaCommand.checkQuota: the limits set are below the usage now (a warning, on stdout). */
function warnBelowUsage(ctx: CommandContext, limits: QuotaStats, usage: QuotaStats): void {
  const below = (limit: number | undefined, used: number): boolean => limit !== undefined && limit > -1 && limit < used
  if (below(limits.count, usage.count) || below(limits.countHardLimit, usage.count)) {
    ctx.output.out(`[Warning]: the count quota you create is less than the existing count:${usage.count}`)
  }
  if (below(limits.bytes, usage.bytes) || below(limits.byteHardLimit, usage.bytes)) {
    ctx.output.out(`[Warning]: the bytes quota you create is less than the existing bytes:${usage.bytes}`)
  }
}

/** The paths setquota refuses before it reads anything: the quota tree itself, the rest of /zookeeper, and /. */
function refuseSpecialPath(path: string): void {
  if (path.startsWith(quotaRoot)) throw new ShellError(`cannot set a quota under the path: ${quotaRoot}`)
  if (path === '/zookeeper' || path.startsWith('/zookeeper/')) throw new ShellError('cannot set a quota on /zookeeper or under it: the server does not count that subtree')
  if (path === '/') throw new ShellError('cannot set a quota on /: set it on a node below the root')
}

/** The quota directories of `path` (`/zookeeper/quota/a`, `/zookeeper/quota/a/b`), made where missing, as setquota makes them. */
async function makeQuotaDirs(client: ZooKeeperClient, path: string): Promise<void> {
  await ensureNode(client, '/zookeeper')
  await ensureNode(client, quotaRoot)
  let dir = quotaRoot
  for (const part of path.split('/').slice(1)) await ensureNode(client, (dir += `/${part}`))
}

/**
 * Sets figure `key` of `path`'s limits to `value`: a new quota gets its limit node (every other
 * limit unset) and a stat node the server fills in; an existing one keeps its other limits.
 */
async function writeLimit(ctx: CommandContext, client: ZooKeeperClient, path: string, key: keyof QuotaStats, value: number): Promise<void> {
  const limitPath = limitPathOf(path)
  const statPath = statPathOf(path)
  if ((await client.exists(limitPath)) === null) {
    const limits: QuotaStats = { count: -1, bytes: -1, countHardLimit: -1, byteHardLimit: -1, [key]: value }
    await client.create(limitPath, formatStats(limits))
    await client.create(statPath, formatStats({ count: 0, bytes: 0 }))
    warnBelowUsage(ctx, await readStats(client, limitPath), await readStats(client, statPath))
    return
  }
  const limits = { ...(await readStats(client, limitPath)), [key]: value }
  warnBelowUsage(ctx, limits, await readStats(client, statPath))
  await client.setData(limitPath, formatStats(limits), -1)
}

/**
 * `setquota -n|-b|-N|-B val path`: sets one limit of `path`'s quota, making the quota (its
 * directory, limit node and stat node) if need be. Refused on a path that does not exist, and on
 * one with a quota above or below it.
 */
export async function setQuota(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const path = parsed.args[1]
  const letter = quotaOption(parsed)
  if (path === undefined || letter === undefined) throw new UsageError()
  refuseSpecialPath(path)
  const figure = figureOf[letter]
  const value = limitValue(parsed.options.get(letter) ?? '', figure.nodes)
  const client = ctx.requireClient()
  if ((await client.exists(path)) === null) throw new ShellError(`${path} does not exist.`)
  await refuseChildQuota(client, path)
  await refuseParentQuota(client, path)
  await makeQuotaDirs(client, path)
  await writeLimit(ctx, client, path, figure.key, value)
}

/** `listquota path`: the quota's limits and usage, as StatsTrack prints them. */
export async function listQuota(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const path = parsed.args[1]
  if (path === undefined) throw new UsageError()
  const client = ctx.requireClient()
  ctx.output.err(`absolute path is ${limitPathOf(path)}`)
  try {
    const limits = await readStats(client, limitPathOf(path))
    ctx.output.out(`Output quota for ${path} ${new TextDecoder().decode(formatStats(limits))}`)
    const usage = await readStats(client, statPathOf(path))
    ctx.output.out(`Output stat for ${path} ${new TextDecoder().decode(formatStats(usage))}`)
  } catch (error) {
    if (isNoNode(error)) throw new ShellError(`quota for ${path} does not exist.`)
    throw error
  }
}

/**
 * Deletes the empty quota directories from `dir` up to /zookeeper/quota (DelQuotaCommand's
 * trimProcQuotas).
 */
async function trimQuotaDirs(client: ZooKeeperClient, dir: string): Promise<void> {
  for (let at = dir; at !== quotaRoot && at.startsWith(`${quotaRoot}/`); at = at.slice(0, at.lastIndexOf('/'))) {
    if ((await client.getChildren(at)).length > 0) return
    await client.delete(at, -1)
  }
}

/**
 * `delquota [-n|-b|-N|-B] path`: with an option, unsets that one limit (the quota stays); without,
 * deletes the quota (its limit and stat nodes, and the quota directories left empty).
 */
export async function delQuota(ctx: CommandContext, parsed: ParsedArgs): Promise<undefined> {
  const path = parsed.args[1]
  if (path === undefined) throw new UsageError()
  const client = ctx.requireClient()
  const limitPath = limitPathOf(path)
  if ((await client.exists(limitPath)) === null) throw new ShellError(`Quota does not exist for ${path}`)
  const limits = await readStats(client, limitPath)
  const letter = quotaOption(parsed)
  if (letter !== undefined) {
    await client.setData(limitPath, formatStats({ ...limits, [figureOf[letter].key]: -1 }), -1)
    return
  }
  const dir = quotaDirOf(path)
  for (const child of await client.getChildren(dir)) await client.delete(`${dir}/${child}`, -1)
  await trimQuotaDirs(client, dir)
}
