/**
 * `paddock data ...`: moving data between Apache ZooKeeper and Paddock (import, export) and the
 * dataDir tools (dump-snapshot, dump-log, verify, purge), as ZooKeeper's zkSnapShotToolkit,
 * zkTxnLogToolkit and zkCleanup.sh are for its files. A progress line goes to stderr when it is a
 * terminal.
 * @module
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createLevelStorage, levelSubdirectory, StorageError, type SnapshotInfo } from '../../storage/index.js'
import { snapRetainCountMin } from '../limits.js'
import { quietLogger } from '../migrate/paddock-dir.js'
import { formatZxid } from '../protocol/zxid.js'
import {
  exportToZooKeeper,
  importZooKeeperDataDir,
  verifyDataDir,
  type MigrationSummary,
} from '../migrate/index.js'
import { terminalProgress } from '../migrate/progress.js'
import { logEntryLine, readPaddockDataDir, readZooKeeperLogFile, readZooKeeperSnapshotFile, snapshotDumpLines } from '../migrate/tools.js'
import type { Output } from './server-command.js'
import { runBackup, runRestore } from './backup-command.js'

/** The usage text of `paddock data`. */
export const dataUsage = `usage:
  paddock data import --from-zookeeper ZK_DATADIR [--data-log-dir DIR] PADDOCK_DATADIR
  paddock data export --to-zookeeper PADDOCK_DATADIR ZK_DATADIR
  paddock data dump-snapshot [--json] PADDOCK_DATADIR | --zookeeper SNAPSHOT_FILE
  paddock data dump-log [--json] PADDOCK_DATADIR | --zookeeper LOG_FILE
  paddock data verify PADDOCK_DATADIR
  paddock data purge [-n COUNT] PADDOCK_DATADIR
  paddock data backup --connect HOST:ADMIN_PORT [ADMIN_OPTIONS] OUT_FILE
  paddock data restore --connect HOST:ADMIN_PORT [ADMIN_OPTIONS] IN_FILE
ADMIN_OPTIONS (the admin server's snapshot and restore commands need credentials):
  --auth SCHEME[:CREDENTIAL]   sent as the Authorization header: digest:user:password, ip or x509
  --auth-file F                the same, from the first line of F (keeps a password out of ps)
  --tls, --ca F, --cert F [--key F]   HTTPS (admin.forceHttps), as paddock shell takes them;
                               x509 needs --cert (admin.needClientAuth)`

/** Where the command writes, and whether stderr is a terminal (for the progress line). */
export interface DataCommandIO extends Output {
  /** stderr, when it is a TTY: the progress line is drawn on it. */
  progressStream?: NodeJS.WriteStream | undefined
}

function summaryLine(verb: string, s: MigrationSummary): string {
  const seconds = Math.max(s.elapsedMs / 1000, 0.001)
  const from = s.source === undefined ? '' : ` (snapshot ${formatZxid(s.source.snapshotZxid)} + ${s.source.logRecords} log records)`
  return `paddock data: ${verb} ${s.znodes} znodes, ${s.sessions} sessions at zxid ${formatZxid(s.zxid)}${from} in ${seconds.toFixed(1)} s (${Math.round(s.znodes / seconds)} znodes/s)`
}

async function runImport(args: string[], io: DataCommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'from-zookeeper': { type: 'string' }, 'data-log-dir': { type: 'string' } }, allowPositionals: true, strict: true })
  const from = values['from-zookeeper']
  const to = positionals[0]
  if (from === undefined || to === undefined || positionals.length !== 1) return usageError(io, 'import needs --from-zookeeper ZK_DATADIR and one PADDOCK_DATADIR')
  const progress = io.progressStream === undefined ? undefined : terminalProgress(io.progressStream)
  try {
    const summary = await importZooKeeperDataDir(from, to, {
      ...(values['data-log-dir'] === undefined ? {} : { dataLogDir: values['data-log-dir'] }),
      ...(progress === undefined ? {} : { onProgress: progress.update }),
      warn: (line) => io.err(`paddock data: warning: ${line}`),
    })
    progress?.clear()
    io.out(summaryLine('imported', summary))
    return 0
  } finally {
    progress?.clear()
  }
}

async function runExport(args: string[], io: DataCommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'to-zookeeper': { type: 'boolean' } }, allowPositionals: true, strict: true })
  const [from, to] = positionals
  if (values['to-zookeeper'] !== true || from === undefined || to === undefined || positionals.length !== 2) return usageError(io, 'export needs --to-zookeeper PADDOCK_DATADIR ZK_DATADIR')
  const progress = io.progressStream === undefined ? undefined : terminalProgress(io.progressStream)
  try {
    const summary = await exportToZooKeeper(from, to, { ...(progress === undefined ? {} : { onProgress: progress.update }), warn: (line) => io.err(`paddock data: warning: ${line}`) })
    progress?.clear()
    io.out(summaryLine('exported', summary))
    return 0
  } finally {
    progress?.clear()
  }
}

async function runDumpSnapshot(args: string[], io: DataCommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false }, zookeeper: { type: 'string' } }, allowPositionals: true, strict: true })
  const state = values.zookeeper !== undefined ? await readZooKeeperSnapshotFile(values.zookeeper) : positionals[0] !== undefined ? await readPaddockDataDir(positionals[0]) : undefined
  if (state === undefined) return usageError(io, 'dump-snapshot needs PADDOCK_DATADIR or --zookeeper SNAPSHOT_FILE')
  for (const line of snapshotDumpLines(state, values.json)) io.out(line)
  return 0
}

async function runDumpLog(args: string[], io: DataCommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean', default: false }, zookeeper: { type: 'string' } }, allowPositionals: true, strict: true })
  if (values.zookeeper !== undefined) {
    for (const entry of await readZooKeeperLogFile(values.zookeeper)) io.out(logEntryLine(entry, values.json))
    return 0
  }
  const dir = positionals[0]
  if (dir === undefined) return usageError(io, 'dump-log needs PADDOCK_DATADIR or --zookeeper LOG_FILE')
  const state = await readPaddockDataDir(dir, (entry) => io.out(logEntryLine(entry, values.json)))
  if (!values.json) io.out(`${state.logEntries} log entries after ${state.snapshotZxid === undefined ? 'no snapshot' : `snapshot ${formatZxid(state.snapshotZxid)}`}`)
  return 0
}

async function runVerify(args: string[], io: DataCommandIO): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true })
  const dir = positionals[0]
  if (dir === undefined || positionals.length !== 1) return usageError(io, 'verify needs one PADDOCK_DATADIR')
  const report = await verifyDataDir(dir)
  const snapshot = report.snapshotZxid === undefined ? 'no snapshot' : `snapshot ${formatZxid(report.snapshotZxid)}`
  io.out(`paddock data: ok: ${snapshot} + ${report.logEntries} log entries reach ${formatZxid(report.zxid)} (${report.znodes} znodes); every checksum matched (${report.snapshotsChecked} snapshot(s), ${report.logRecordsChecked} log records)`)
  return 0
}

/** The retain count `-n` gives (PurgeTxnLog's: an integer, at least 3), or the problem with it. */
function retainCount(text: string | undefined): number | string {
  if (text === undefined) return snapRetainCountMin
  const count = Number(text)
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(count)) return `'${text}' can not be parsed to integer.`
  return count >= snapRetainCountMin ? count : `count should be greater than or equal to ${snapRetainCountMin}`
}

/** What purge kept: `N snapshot(s), <oldest> to <newest>, and the log after <oldest>`. */
function keptLine(snapshots: readonly SnapshotInfo[]): string {
  const newest = snapshots[0]
  const oldest = snapshots[snapshots.length - 1]
  if (newest === undefined || oldest === undefined) return 'no snapshot and the whole log (nothing to purge before a snapshot)'
  return `${snapshots.length} snapshot(s), ${formatZxid(oldest.zxid)} to ${formatZxid(newest.zxid)}, and the log after ${formatZxid(oldest.zxid)}`
}

/**
 * `paddock data purge [-n COUNT] DIR` (zkCleanup.sh, ZooKeeper's PurgeTxnLog): keeps the newest
 * COUNT snapshots (3 by default, at least 3) and the log after the oldest of them, through the
 * storage's own purge (the one a server's autopurge runs). Refused while a server holds the dataDir.
 */
async function runPurge(args: string[], io: DataCommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { count: { type: 'string', short: 'n' } }, allowPositionals: true, strict: true })
  const dir = positionals[0]
  if (dir === undefined || positionals.length !== 1) return usageError(io, 'purge needs one PADDOCK_DATADIR')
  const count = retainCount(values.count)
  if (typeof count === 'string') return usageError(io, count)
  if (!existsSync(join(dir, levelSubdirectory))) {
    io.err(`paddock data purge: ${dir} holds no Paddock data (no ${levelSubdirectory}/ directory in it)`)
    return 1
  }
  const storage = createLevelStorage({ dataDir: dir, logger: quietLogger((line) => io.err(`paddock data: warning: ${line}`)) })
  try {
    await storage.open()
  } catch (error) {
    if (!(error instanceof StorageError && error.code === 'DIR_IN_USE')) throw error
    io.err(`paddock data purge: ${dir} is in use: a running server (or another tool) holds its lock. A server purges its own dataDir (autopurge.snapRetainCount, autopurge.purgeInterval); stop it to purge by hand`)
    return 1
  }
  try {
    const result = await storage.purge(count)
    io.out(`paddock data: purged ${result.snapshotsRemoved} snapshot(s) and ${result.logEntriesRemoved} log entries; kept ${keptLine(await storage.listSnapshots())}`)
    return 0
  } finally {
    await storage.close()
  }
}

function usageError(io: Output, why: string): number {
  io.err(`paddock data: ${why}\n${dataUsage}`)
  return 2
}

const subcommands: Readonly<Record<string, (args: string[], io: DataCommandIO) => Promise<number>>> = {
  import: runImport,
  export: runExport,
  'dump-snapshot': runDumpSnapshot,
  'dump-log': runDumpLog,
  verify: runVerify,
  purge: runPurge,
  backup: (args, io) => runBackup(args, io, (why) => usageError(io, why)),
  restore: (args, io) => runRestore(args, io, (why) => usageError(io, why)),
}

/** Runs `paddock data <subcommand> ...`; resolves to the exit code (1 for a failure, 2 for bad usage). */
export async function runDataCommand(argv: readonly string[], io: DataCommandIO): Promise<number> {
  const [sub, ...rest] = argv
  const run = sub === undefined ? undefined : subcommands[sub]
  if (run === undefined) {
    if (sub === undefined || sub === 'help' || sub === '--help') {
      io.out(dataUsage)
      return sub === undefined ? 2 : 0
    }
    return usageError(io, `unknown subcommand ${JSON.stringify(sub)}`)
  }
  try {
    return await run(rest, io)
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return usageError(io, (error as Error).message)
    // A MigrationError or a StorageError names the file or key at fault in its message.
    io.err(`paddock data ${sub}: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}
