/**
 * The text zkCli.sh prints, reproduced from its output: the Stat printout with Java's
 * `Date.toString()` times, ACL entries, Java list syntax, watch events and the error lines of
 * ZooKeeper's CliWrapperException. Pure functions, so each format has a unit-sized test.
 * @module
 */
import type { ACL, Stat, WatchedEvent } from '../../index.js'
import { ZooKeeperError } from '../../index.js'

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const

function pad2(n: number): string {
  return String(n).padStart(2, '0')
}

/** The short name of the zone `ms` falls in (`UTC`, `CET`, `GMT+2`), as Java prints it. */
function zoneName(ms: number, timeZone: string | undefined): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short', ...(timeZone === undefined ? {} : { timeZone }) }).formatToParts(ms)
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? 'UTC'
}

/**
 * Formats ms since the epoch as Java's `Date.toString()` does (`Thu Nov 26 06:52:41 UTC 2026`),
 * in the local time zone, or in UTC when `utc` is set.
 */
export function javaDateString(ms: number, utc = false): string {
  const d = new Date(ms)
  const get = utc
    ? { day: d.getUTCDay(), month: d.getUTCMonth(), date: d.getUTCDate(), h: d.getUTCHours(), m: d.getUTCMinutes(), s: d.getUTCSeconds(), y: d.getUTCFullYear() }
    : { day: d.getDay(), month: d.getMonth(), date: d.getDate(), h: d.getHours(), m: d.getMinutes(), s: d.getSeconds(), y: d.getFullYear() }
  const zone = utc ? 'UTC' : zoneName(ms, undefined)
  return `${weekdays[get.day]} ${months[get.month]} ${pad2(get.date)} ${pad2(get.h)}:${pad2(get.m)}:${pad2(get.s)} ${zone} ${get.y}`
}

/** `0x` and lower-case hex, as zkCli prints zxids and session ids (unsigned 64-bit). */
export function hex(value: number | bigint): string {
  return `0x${BigInt.asUintN(64, BigInt(value)).toString(16)}`
}

/** The eleven `name = value` lines zkCli prints for a Stat (StatPrinter). */
export function formatStat(stat: Stat, utc = false): string[] {
  return [
    `cZxid = ${hex(stat.czxid)}`,
    `ctime = ${javaDateString(stat.ctime, utc)}`,
    `mZxid = ${hex(stat.mzxid)}`,
    `mtime = ${javaDateString(stat.mtime, utc)}`,
    `pZxid = ${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ]
}

/** A list as Java's `List.toString()` prints it: `[a, b]`. */
export function javaList(items: readonly string[]): string {
  return `[${items.join(', ')}]`
}

// ZooKeeper's permission letters in the order zkCli's getPermString prints them.
const permLetters: ReadonlyArray<readonly [string, number]> = [
  ['c', 4],
  ['d', 8],
  ['r', 1],
  ['w', 2],
  ['a', 16],
]

/** Permission bits as letters (`cdrwa`). */
export function permString(perms: number): string {
  return permLetters
    .filter(([, bit]) => (perms & bit) !== 0)
    .map(([letter]) => letter)
    .join('')
}

/** One ACL entry as two lines, as getAcl prints it: `'world,'anyone` then `: cdrwa`. */
export function formatAcl(acl: ACL): string[] {
  return [`'${acl.id.scheme},'${acl.id.id}`, `: ${permString(acl.perms)}`]
}

/** A parsed ACL: the entries that parsed, and a warning line for each that did not. */
export interface ParsedAcl {
  /** The entries that parsed. */
  acl: ACL[]
  /** zkCli's complaints (`x does not have the form scheme:id:perm`, `Unknown perm type: q`). */
  warnings: string[]
}

/**
 * Parses `scheme:id:perms[,scheme:id:perms...]` as zkCli's AclParser does: the id runs from the
 * first colon to the last (so `ip:10.0.0.1:r` and `digest:user:hash:cdrwa` both work), and entries
 * that do not parse are skipped with a warning.
 */
export function parseAcl(text: string): ParsedAcl {
  const acl: ACL[] = []
  const warnings: string[] = []
  for (const entry of text.split(',')) {
    const first = entry.indexOf(':')
    const last = entry.lastIndexOf(':')
    if (first === -1 || first === last) {
      warnings.push(`${entry} does not have the form scheme:id:perm`)
      continue
    }
    let perms = 0
    for (const letter of entry.slice(last + 1)) {
      const bit = permLetters.find(([l]) => l === letter)?.[1]
      if (bit === undefined) warnings.push(`Unknown perm type: ${letter}`)
      else perms |= bit
    }
    acl.push({ perms, id: { scheme: entry.slice(0, first), id: entry.slice(first + 1, last) } })
  }
  return { acl, warnings }
}

/** The lines zkCli's default watcher prints for an event (`printwatches on`). */
export function formatWatchedEvent(event: Pick<WatchedEvent, 'state' | 'type' | 'path'>): string[] {
  return ['', 'WATCHER::', '', `WatchedEvent state:${event.state} type:${event.type} path:${event.path ?? 'null'}`]
}

/**
 * The line zkCli prints for a failed command (CliWrapperException.getMessage): a phrase and the
 * path for the common codes, ZooKeeper's own message otherwise.
 */
export function errorLine(error: unknown, path: string | undefined): string {
  if (!(error instanceof ZooKeeperError)) return error instanceof Error ? error.message : String(error)
  const where = error.path ?? path ?? 'null'
  switch (error.code) {
    case 'NONODE':
      return `Node does not exist: ${where}`
    case 'NOCHILDRENFOREPHEMERALS':
      return `Ephemerals cannot have children: ${where}`
    case 'NODEEXISTS':
      return `Node already exists: ${where}`
    case 'NOTEMPTY':
      return `Node not empty: ${where}`
    case 'NOTREADONLY':
      return `Not a read-only call: ${where}`
    case 'INVALIDACL':
      return `Acl is not valid : ${where}`
    case 'NOAUTH':
      return `Insufficient permission : ${where}`
    case 'BADARGUMENTS':
      return `Arguments are not valid : ${where}`
    case 'BADVERSION':
      return `version No is not valid : ${where}`
    case 'QUOTAEXCEEDED':
      return `Quota has exceeded : ${where}`
    default:
      // ZooKeeper's own `KeeperErrorCode = No such watcher for /x` when there is a path.
      return where === 'null' ? error.message : new ZooKeeperError(error.code, { path: where }).message
  }
}
