/**
 * Write load through failures: writers that keep creating nodes one request at a time, each
 * bounded in count and time, and a record of every acknowledged create and every error code, to
 * check afterwards that no acknowledged write was lost and what the clients saw.
 * @module
 */
import { connect, CreateMode, ZooKeeperError, type ZooKeeperClient } from '../../../lib/index.js'
import { connectNzk, errorNames, type NzkClient } from './nzk.js'
import { withTimeout } from './wait.js'

/** One acknowledged create: who wrote it, its path, when the acknowledgement arrived (ms since the epoch). */
export interface AckedWrite {
  readonly writer: string
  readonly path: string
  readonly at: number
}

/** The longest time a writer went without an acknowledgement, from {@link AckedWrites.longestGap}. */
export interface AckGap {
  readonly writer: string
  readonly ms: number
  /** The acknowledgement that ended the gap (ms since the epoch). */
  readonly endedAt: number
}

/** Every acknowledged create and every error code of a test's writers. */
export class AckedWrites {
  /** The acknowledged creates, in the order they arrived. */
  readonly acked: AckedWrite[] = []
  /** Error codes (ZooKeeper's names, or kazoo's exception names) by writer, with their counts. */
  readonly errors = new Map<string, Map<string, number>>()

  /** Records an acknowledged create. */
  ack(writer: string, path: string, at = Date.now()): void {
    this.acked.push({ writer, path, at })
  }

  /** Records a failed request's error code. */
  fail(writer: string, code: string, count = 1): void {
    const mine = this.errors.get(writer) ?? new Map<string, number>()
    mine.set(code, (mine.get(code) ?? 0) + count)
    this.errors.set(writer, mine)
  }

  /** The error codes seen by any writer (or by those `writer` accepts), sorted. */
  errorCodes(writer: (name: string) => boolean = () => true): string[] {
    const codes = new Set<string>()
    for (const [name, mine] of this.errors) if (writer(name)) for (const code of mine.keys()) codes.add(code)
    return [...codes].sort()
  }

  /** The error counts as `writer: CODE×n, …` lines, for messages and logs. */
  describeErrors(): string {
    return [...this.errors].map(([name, mine]) => `${name}: ${[...mine].map(([code, n]) => `${code}×${n}`).join(', ')}`).join('; ') || 'none'
  }

  /** How many creates `writer` had acknowledged. */
  count(writer: string): number {
    return this.acked.filter((w) => w.writer === writer).length
  }

  /**
   * The longest time one writer (of those `writer` accepts) went between two acknowledgements
   * that both arrived within [from, to].
   */
  longestGap(from = 0, to = Number.POSITIVE_INFINITY, writer: (name: string) => boolean = () => true): AckGap {
    let longest: AckGap = { writer: 'none', ms: 0, endedAt: from }
    const last = new Map<string, number>()
    for (const w of this.acked) {
      if (!writer(w.writer) || w.at < from || w.at > to) continue
      const before = last.get(w.writer)
      if (before !== undefined && w.at - before > longest.ms) longest = { writer: w.writer, ms: w.at - before, endedAt: w.at }
      last.set(w.writer, w.at)
    }
    return longest
  }

  /** The acknowledged paths absent from `tree` (a member's whole tree by path). */
  missingFrom(tree: ReadonlyMap<string, unknown>): string[] {
    return this.acked.filter((w) => !tree.has(w.path)).map((w) => `${w.path} (${w.writer})`)
  }
}

/** A running writer of {@link startWriteLoop}. */
export interface WriteLoop {
  /** Ends the loop after its current request, closes its client, and resolves once done. */
  stop(): Promise<void>
  /** Resolves once the loop has ended by itself (bounds reached) or by {@link WriteLoop.stop}. */
  readonly done: Promise<void>
}

/** How a {@link startWriteLoop} talks to its servers, one client library's way. */
export interface WriteClient<C> {
  /** Opens a session (on `connectString`). */
  open(): Promise<C>
  /** Creates one node; resolves with its path once acknowledged. */
  create(client: C, index: number): Promise<string>
  /** Closes the client. */
  close(client: C): Promise<void>
  /** The error code of a failed request or open: ZooKeeper's name, or a description. */
  codeOf(error: unknown): string
}

/** Bounds of a {@link startWriteLoop}. */
export interface WriteLoopOptions {
  /** The writer's name in the {@link AckedWrites}. */
  readonly writer: string
  /** At most this many creates, acknowledged or not. */
  readonly maxWrites: number
  /** At most this long, ms. */
  readonly maxMs: number
  /** How long one request (or opening a session) may take before it counts as `TIMEOUT`, ms. @defaultValue 15000 */
  readonly requestTimeoutMs?: number
  /** The pause after a failure before the next attempt (a retry's back-off), ms. @defaultValue 200 */
  readonly backoffMs?: number
  /** The pause after an acknowledged create (a rate limit, so the trees stay small), ms. @defaultValue 0 */
  readonly paceMs?: number
}

/**
 * Creates nodes one at a time through `client` until stopped or out of bounds, recording each
 * acknowledgement and error in `record`. A failed create is followed by a new one (a create whose
 * answer was lost may exist; only acknowledged ones are checked); after SESSIONEXPIRED, or when
 * opening failed, the loop opens a new session.
 */
export function startWriteLoop<C>(record: AckedWrites, client: WriteClient<C>, options: WriteLoopOptions): WriteLoop {
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000
  const backoffMs = options.backoffMs ?? 200
  const deadline = Date.now() + options.maxMs
  let stopped = false
  const run = async (): Promise<void> => {
    let open: C | undefined
    for (let i = 0; !stopped && i < options.maxWrites && Date.now() < deadline; ) {
      try {
        open ??= await withTimeout(client.open(), requestTimeoutMs, `${options.writer} to open a session`)
        const path = await withTimeout(client.create(open, i++), requestTimeoutMs, `${options.writer}'s create`)
        record.ack(options.writer, path)
        if (options.paceMs !== undefined) await pause(options.paceMs)
      } catch (error) {
        const code = /^timed out /.test((error as Error).message) ? 'TIMEOUT' : client.codeOf(error)
        record.fail(options.writer, code)
        if (open === undefined || code === 'SESSIONEXPIRED') {
          if (open !== undefined) await client.close(open).catch(() => undefined)
          open = undefined
        }
        await pause(backoffMs)
      }
    }
    if (open !== undefined) await withTimeout(client.close(open), requestTimeoutMs, `${options.writer} to close`).catch(() => undefined)
  }
  const done = run()
  return {
    done,
    stop: async () => {
      stopped = true
      await done
    },
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Paddock's client writing persistent sequential nodes `${prefix}-NNNNNNNNNN` through `connectString`. */
export function paddockWriter(connectString: string, prefix: string, sessionTimeoutMs = 20_000): WriteClient<ZooKeeperClient> {
  return {
    open: () => connect(connectString, { sessionTimeoutMs, reconnectDelayMs: 500 }),
    create: (zk) => zk.create(`${prefix}-`, 'w', { mode: CreateMode.PERSISTENT_SEQUENTIAL }),
    close: (zk) => zk.close(),
    codeOf: (error) => (error instanceof ZooKeeperError ? error.code : `other: ${(error as Error).message}`),
  }
}

/** node-zookeeper-client writing persistent sequential nodes `${prefix}-NNNNNNNNNN` through `connectString`. */
export function nzkWriter(connectString: string, prefix: string, sessionTimeoutMs = 20_000): WriteClient<NzkClient> {
  return {
    open: () => connectNzk(connectString, { sessionTimeoutMs }),
    create: (zk) => zk.create(`${prefix}-`, 'w', 2 /* PERSISTENT_SEQUENTIAL */),
    close: (zk) => zk.close(),
    codeOf: (error) => {
      const code = (error as { code?: unknown }).code
      return typeof code === 'number' ? (errorNames[code] ?? `code ${code}`) : `other: ${(error as Error).message}`
    },
  }
}
