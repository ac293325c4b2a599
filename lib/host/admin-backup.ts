/**
 * The admin server's `snapshot` and `restore` commands (ZooKeeper 3.9's SnapshotCommand and
 * RestoreCommand): an online backup streamed out in ZooKeeper's snapshot format, and a restore
 * from such a body. As in ZooKeeper, both are served only to a request whose `Authorization`
 * header holds ids with every permission on `/` (./admin-auth.ts), from loopback as from anywhere.
 * Paddock adds two guards of its own in front: both are off unless enabled, and served to loopback
 * clients only unless `allowRemote` says otherwise.
 *
 * The checks run in this order: the client's address (403), a serving member (503),
 * authentication (401) and authorization (403), then the command's own (disabled 503, busy 409,
 * too large 413, rate limited 429). A client that has not authenticated learns nothing of the
 * server's settings, as in ZooKeeper, whose feature flags are read after its auth check too.
 *
 * A backup is of one zxid: the tree is captured copy-on-write ({@link TreeCapture}) and written
 * out in pieces while the member keeps applying writes, so requests stall only for the copy of
 * the list of paths.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminRestoreBytesMax } from '../limits.js'
import { decodeBackup, ZkBackup, type BackupSession, type RestoredBackup } from '../migrate/backup.js'
import { MigrationError } from '../migrate/errors.js'
import { notServingError } from '../server/admin-commands.js'
import type { TreeCapture } from '../tree/capture.js'
import type { AdminAuthorizer } from './admin-auth.js'
import { readBody, reply, sendJson } from './admin-http.js'

/** ZooKeeper's default `admin.rateLimiterIntervalInMS`: one snapshot, and one restore, per 5 minutes. */
export const adminRateLimiterIntervalMsDefault = 300_000

/** The settings of the two commands. */
export interface AdminBackupSettings {
  /** Serve `snapshot` (ZooKeeper's `admin.snapshot.enabled`). @defaultValue false */
  readonly snapshotEnabled: boolean
  /** Serve `restore` (ZooKeeper's `admin.restore.enabled`). @defaultValue false */
  readonly restoreEnabled: boolean
  /**
   * Serve them to clients that are not on loopback too (`admin.snapshot.allowRemote`, Paddock's
   * own); authentication is required either way. @defaultValue false
   */
  readonly allowRemote: boolean
  /** Least time between two snapshots, and between two restores, in ms (`admin.rateLimiterIntervalInMS`). */
  readonly rateLimiterIntervalMs: number
}

/** What the commands act on: the member now (it changes across restores and rebuilds). */
export interface AdminBackupSource extends AdminBackupSettings {
  /** Captures the tree and the sessions now. */
  capture(): { capture: TreeCapture; sessions: BackupSession[] }
  /** Why this member cannot take a restore, or undefined when it can. */
  restoreRefusal(): string | undefined
  /** The largest restore body this member takes now, in bytes. @defaultValue adminRestoreBytesMax */
  restoreBytesMax?(): number
  /**
   * Installs `backup` (decoded from `body`) as the member's state, or on an ensemble's leader as
   * every member's; resolves to the zxid the member continues from.
   */
  restore(backup: RestoredBackup, body: Uint8Array): Promise<number>
}

/** The commands' names, primary first, as ZooKeeper registers them. */
export const backupCommandNames = { snapshot: ['snapshot', 'snap'], restore: ['restore', 'rest'] } as const

/** Which of the two commands `name` names, if either. */
export function backupCommandOf(name: string): 'snapshot' | 'restore' | undefined {
  if ((backupCommandNames.snapshot as readonly string[]).includes(name)) return 'snapshot'
  if ((backupCommandNames.restore as readonly string[]).includes(name)) return 'restore'
  return undefined
}

/** The response header with the zxid of the backup (ZooKeeper's `last_zxid`, `0x` + hex). */
export const lastZxidHeader = 'last_zxid'
/** The response header with the backup's size in bytes (ZooKeeper's `snapshot_size`). */
export const snapshotSizeHeader = 'snapshot_size'

/** The two commands of one admin server, with their rate limits. */
export class AdminBackupCommands {
  private lastSnapshotMs = -Infinity
  private lastRestoreMs = -Infinity
  private restoring = false

  constructor(
    private readonly source: AdminBackupSource,
    private readonly authorize: AdminAuthorizer,
    private readonly now: () => number = Date.now,
  ) {}

  /** `GET /commands/snapshot[?streaming=false]`. */
  async snapshot(req: IncomingMessage, res: ServerResponse, serving: boolean, args: ReadonlyMap<string, string>): Promise<void> {
    req.resume()
    const refused = this.refusal('snapshot', req, serving)
    if (refused !== undefined) return reply(res, refused.status, 'snapshot', refused.error)
    if (!this.allowed('snapshot')) return reply(res, 429, 'snapshot', `snapshot was rate limited: one per ${this.source.rateLimiterIntervalMs} ms (admin.rateLimiterIntervalInMS)`)
    // ZooKeeper's Boolean.parseBoolean: only "true" (any case) streams; absent means true.
    const text = args.get('streaming')
    const streaming = text === undefined || text.toLowerCase() === 'true'
    const { capture, sessions } = this.source.capture()
    try {
      const backup = new ZkBackup(capture, sessions)
      while (!backup.plan()) await nextTurn()
      if (capture.broken !== undefined) return reply(res, 503, 'snapshot', `the snapshot was abandoned: ${capture.broken}; try again`)
      res.setHeader(lastZxidHeader, `0x${backup.zxid.toString(16)}`)
      res.setHeader(snapshotSizeHeader, String(backup.size))
      if (!streaming) return reply(res, 200, 'snapshot', null)
      await stream(backup, capture, res)
    } finally {
      capture.release()
    }
  }

  /** `POST /commands/restore` with a snapshot as the body. */
  async restore(req: IncomingMessage, res: ServerResponse, serving: boolean): Promise<void> {
    const refused = this.refusal('restore', req, serving) ?? this.restoreRefusal(req)
    if (refused !== undefined) {
      req.resume()
      return reply(res, refused.status, 'restore', refused.error, refused.status === 413)
    }
    if (!this.allowed('restore')) {
      req.resume()
      return reply(res, 429, 'restore', `restore was rate limited: one per ${this.source.rateLimiterIntervalMs} ms (admin.rateLimiterIntervalInMS)`)
    }
    this.restoring = true
    try {
      const bytesMax = this.restoreBytesMax
      const body = await readBody(req, bytesMax)
      if (body === undefined) return reply(res, 413, 'restore', `the snapshot is over ${bytesMax} bytes, the most a restore takes here`, true)
      if (body.length === 0) return reply(res, 400, 'restore', 'the request has no body: send the snapshot as the body')
      let backup: RestoredBackup
      try {
        backup = decodeBackup(body, 'the restore body')
      } catch (error) {
        if (!(error instanceof MigrationError)) throw error
        return reply(res, 400, 'restore', `not a usable snapshot, nothing was changed: ${error.message}`)
      }
      const zxid = await this.source.restore(backup, body)
      sendJson(res, 200, { last_zxid: backup.zxid, restored_zxid: `0x${zxid.toString(16)}`, node_count: backup.state.tree.size, command: 'restore', error: null })
    } finally {
      this.restoring = false
    }
  }

  // The checks both commands make: Paddock's address guard, then ZooKeeper's order (serving, auth, the feature flag).
  private refusal(command: 'snapshot' | 'restore', req: IncomingMessage, serving: boolean): { status: number; error: string } | undefined {
    if (!this.source.allowRemote && !isLoopback(req.socket.remoteAddress)) {
      return { status: 403, error: `${command} is served to loopback clients only; set admin.snapshot.allowRemote=true to serve others` }
    }
    if (!serving) return { status: 503, error: notServingError }
    const denied = this.authorize(req)
    if (denied !== undefined) return denied
    const enabled = command === 'snapshot' ? this.source.snapshotEnabled : this.source.restoreEnabled
    if (!enabled) return { status: 503, error: `${command} is disabled: set admin.${command}.enabled=true (see "Online backup and restore" in the operations guide)` }
    return undefined
  }

  private restoreRefusal(req: IncomingMessage): { status: number; error: string } | undefined {
    if (this.restoring) return { status: 409, error: 'a restore is already under way' }
    const why = this.source.restoreRefusal()
    if (why !== undefined) return { status: 409, error: why }
    const length = Number(req.headers['content-length'] ?? 0)
    const bytesMax = this.restoreBytesMax
    if (length > bytesMax) return { status: 413, error: `the snapshot is ${length} bytes, over ${bytesMax}, the most a restore takes here` }
    return undefined
  }

  private get restoreBytesMax(): number {
    return this.source.restoreBytesMax?.() ?? adminRestoreBytesMax
  }

  private allowed(command: 'snapshot' | 'restore'): boolean {
    const now = this.now()
    const last = command === 'snapshot' ? this.lastSnapshotMs : this.lastRestoreMs
    if (now - last < this.source.rateLimiterIntervalMs) return false
    if (command === 'snapshot') this.lastSnapshotMs = now
    else this.lastRestoreMs = now
    return true
  }
}

/** Writes the backup's parts, waiting for the socket to drain and yielding between parts. */
async function stream(backup: ZkBackup, capture: TreeCapture, res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': backup.size, 'Cache-Control': 'no-store' })
  let written = 0
  for (const part of backup.parts()) {
    // A client gone, or a tree replaced under the capture: cut the response short, so the client sees it incomplete.
    if (res.destroyed || capture.broken !== undefined) return void res.destroy()
    written += part.length
    if (!res.write(part)) await drained(res)
    else await nextTurn()
  }
  if (written !== backup.size) return void res.destroy(new Error(`backup size ${written} is not the ${backup.size} announced`))
  res.end()
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.')
}
