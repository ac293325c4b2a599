/**
 * The Sessions view's rows: each session with its timeout, its ephemeral nodes and its watches,
 * from what the members report of them: the four-letter words `cons`, `dump` and `wchc` (text,
 * from any ZooKeeper-compatible server), or the admin commands `connections`, `dump` and
 * `watches` (JSON, on a Paddock member's own console). Pure: the caller fetches the answers.
 * @module
 */
import type { SessionRowJson } from './api-types.js'

/** A session as one member knows it. */
export type MemberSession = Omit<SessionRowJson, 'member'>

/** What one member reported of its sessions, or why it could not. */
export interface MemberSessionsReport {
  /** The member's name, as the Ensemble view shows it. */
  name: string
  /** Its sessions. */
  sessions: MemberSession[]
  /** Why some or all of them could not be read. */
  error?: string
}

/** The four-letter-word answers one member gave; a word it refused leaves its text empty. */
export interface FourLetterSessionAnswers {
  /** `cons`: the connections, with their session ids and timeouts. */
  cons: string
  /** `dump`: the sessions with their expiry, and the ephemerals of each. */
  dump: string
  /** `wchc`: the paths each session watches. */
  wchc: string
}

/** A session id, as a number, a bigint, a decimal string (the admin JSON's keys) or `0x…`, in zkCli.sh's hex. */
export function sessionHex(id: bigint | number | string): string {
  return `0x${BigInt.asUintN(64, BigInt(id)).toString(16)}`
}

/**
 * The sessions a `cons` answer lists, one per connection:
 * ` /127.0.0.1:52614[1](queued=0,recved=5,sent=5,sid=0x10000a,lop=PING,est=…,to=30000,…)`.
 */
export function parseCons(text: string): MemberSession[] {
  const sessions: MemberSession[] = []
  for (const line of text.split('\n')) {
    const match = /^\s*\/?(\S+?)\[[0-9a-f]+\]\((.*)\)\s*$/.exec(line)
    if (match === null) continue
    const fields = new Map((match[2] ?? '').split(',').map((pair) => pair.split('=', 2) as [string, string]))
    const sid = fields.get('sid')
    if (sid === undefined || !/^0x[0-9a-f]+$/i.test(sid)) continue
    const timeout = Number(fields.get('to'))
    sessions.push({ id: sessionHex(sid), client: match[1] ?? '', ...(Number.isFinite(timeout) ? { timeoutMs: timeout } : {}) })
  }
  return sessions
}

/** What a `dump` answer tells: when each session expires, and each session's ephemerals. */
export interface DumpFacts {
  /** Session id (hex) to when it expires, ms since the epoch. */
  expiresAtMs: Map<string, number>
  /** Session id (hex) to its ephemeral paths. */
  ephemerals: Map<string, string[]>
}

/**
 * Parses a `dump` answer: `N expire at <time>:` lines each followed by `\t0x…` session lines, then
 * `Sessions with Ephemerals (N):` and `0x…:` lines each followed by `\t/path` lines. A time that
 * does not parse leaves the session's expiry unknown.
 */
export function parseDump(text: string): DumpFacts {
  const facts: DumpFacts = { expiresAtMs: new Map(), ephemerals: new Map() }
  let section: 'sessions' | 'ephemerals' | 'other' = 'other'
  let expiry = Number.NaN
  let owner: string[] | undefined
  for (const line of text.split('\n')) {
    if (/^(SessionTracker dump|Session Sets)/.test(line)) section = 'sessions'
    else if (/^(ephemeral nodes dump|Sessions with Ephemerals)/.test(line)) section = 'ephemerals'
    else if (/^Connections dump/.test(line)) section = 'other'
    const bucket = /^\d+ expire at (.*):$/.exec(line)
    if (section === 'sessions' && bucket !== null) expiry = Date.parse(bucket[1] ?? '')
    const sid = /^\t(0x[0-9a-f]+)\s*$/i.exec(line)?.[1]
    if (section === 'sessions' && sid !== undefined && Number.isFinite(expiry)) facts.expiresAtMs.set(sessionHex(sid), expiry)
    const ephemeralOwner = /^(0x[0-9a-f]+):\s*$/i.exec(line)?.[1]
    if (section === 'ephemerals' && ephemeralOwner !== undefined) facts.ephemerals.set(sessionHex(ephemeralOwner), (owner = []))
    const path = /^\t(\/.*)$/.exec(line)?.[1]
    if (section === 'ephemerals' && path !== undefined) owner?.push(path)
  }
  return facts
}

/** Parses a `wchc` answer (`0x…` lines each followed by `\t/path` lines): session id (hex) to its watched paths. */
export function parseWchc(text: string): Map<string, string[]> {
  const watches = new Map<string, string[]>()
  let paths: string[] | undefined
  for (const line of text.split('\n')) {
    const sid = /^(0x[0-9a-f]+)\s*$/i.exec(line)?.[1]
    if (sid !== undefined) watches.set(sessionHex(sid), (paths = []))
    const path = /^\t(\/.*)$/.exec(line)?.[1]
    if (path !== undefined) paths?.push(path)
  }
  return watches
}

/** One member's sessions from its `cons`, `dump` and `wchc` answers, at `nowMs`. */
export function sessionsFromFourLetterWords(answers: FourLetterSessionAnswers, nowMs: number): MemberSession[] {
  const { expiresAtMs, ephemerals } = parseDump(answers.dump)
  return combine(parseCons(answers.cons), expiresAtMs, ephemerals, parseWchc(answers.wchc), nowMs)
}

/** The admin commands' answers one member gave (their JSON bodies); a command that failed leaves its body empty. */
export interface AdminSessionAnswers {
  /** `connections`: `connections` and `secure_connections`, each with `session_id`, `remote_socket_address`, `session_timeout`. */
  connections: Readonly<Record<string, unknown>>
  /** `dump`: `expiry_time_to_session_ids` and `session_id_to_ephemeral_paths`. */
  dump: Readonly<Record<string, unknown>>
  /** `watches`: `session_id_to_watched_paths`. */
  watches: Readonly<Record<string, unknown>>
}

/** One member's sessions from its admin commands `connections`, `dump` and `watches`, at `nowMs`. */
export function sessionsFromAdmin(answers: AdminSessionAnswers, nowMs: number): MemberSession[] {
  const connected: MemberSession[] = []
  for (const key of ['connections', 'secure_connections']) {
    for (const c of records(answers.connections[key])) {
      if (!isSessionId(c['session_id']) || BigInt(c['session_id']) === 0n) continue
      const timeout = c['session_timeout']
      connected.push({ id: sessionHex(c['session_id']), client: String(c['remote_socket_address'] ?? ''), ...(typeof timeout === 'number' ? { timeoutMs: timeout } : {}) })
    }
  }
  const expiresAtMs = new Map<string, number>()
  for (const [at, ids] of Object.entries(objectOf(answers.dump['expiry_time_to_session_ids']))) {
    for (const id of Array.isArray(ids) ? ids : []) if (isSessionId(id)) expiresAtMs.set(sessionHex(id), Number(at))
  }
  return combine(connected, expiresAtMs, pathsBySession(answers.dump['session_id_to_ephemeral_paths']), pathsBySession(answers.watches['session_id_to_watched_paths']), nowMs)
}

function isSessionId(value: unknown): value is bigint | number | string {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d+$/.test(value))
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(objectOf) : []
}

/** `{ "<decimal session id>": ["/path", …] }` as session id (hex) to paths. */
function pathsBySession(value: unknown): Map<string, string[]> {
  const bySession = new Map<string, string[]>()
  for (const [id, paths] of Object.entries(objectOf(value))) {
    if (isSessionId(id) && Array.isArray(paths)) bySession.set(sessionHex(id), paths.map(String))
  }
  return bySession
}

/** Every session any of the facts names, with what each tells of it. */
function combine(connected: readonly MemberSession[], expiresAtMs: ReadonlyMap<string, number>, ephemerals: ReadonlyMap<string, string[]>, watches: ReadonlyMap<string, string[]>, nowMs: number): MemberSession[] {
  const rows = new Map<string, MemberSession>(connected.map((s) => [s.id, { ...s }]))
  const row = (id: string): MemberSession => rows.get(id) ?? rows.set(id, { id }).get(id)!
  for (const [id, at] of expiresAtMs) row(id).expiresInMs = Math.max(0, at - nowMs)
  for (const [id, paths] of ephemerals) row(id).ephemerals = [...paths].sort()
  for (const [id, paths] of watches) row(id).watches = [...new Set(paths)].sort()
  return [...rows.values()]
}

/**
 * One row per session over every member's report: the member its client is connected to (else
 * the first that reported it) with the client's address and timeout; the expiry the first member
 * that knows it reports; the ephemerals and watches every member reports, together. At most
 * `max` rows, by member order.
 */
export function mergeSessions(reports: readonly MemberSessionsReport[], max: number): SessionRowJson[] {
  const rows = new Map<string, SessionRowJson>()
  for (const report of reports) {
    for (const session of report.sessions) {
      const row = rows.get(session.id)
      if (row === undefined) {
        if (rows.size < max) rows.set(session.id, { ...session, member: report.name })
        continue
      }
      mergeInto(row, session, report.name)
    }
  }
  return [...rows.values()]
}

function mergeInto(row: SessionRowJson, session: MemberSession, member: string): void {
  if (row.client === undefined && session.client !== undefined) {
    row.member = member
    row.client = session.client
    if (session.timeoutMs !== undefined) row.timeoutMs = session.timeoutMs
  }
  if (row.timeoutMs === undefined && session.timeoutMs !== undefined) row.timeoutMs = session.timeoutMs
  if (row.expiresInMs === undefined && session.expiresInMs !== undefined) row.expiresInMs = session.expiresInMs
  for (const key of ['ephemerals', 'watches'] as const) {
    const paths = session[key]
    if (paths !== undefined) row[key] = [...new Set([...(row[key] ?? []), ...paths])].sort()
  }
}
