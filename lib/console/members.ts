/**
 * Members' figures for the Ensemble and Metrics views, from the one report every
 * ZooKeeper-compatible server gives: `mntr` (the four-letter word, or the admin server's `monitor`
 * command, which has the same keys without their `zk_` prefix). Pure: the transport that fetches
 * the report is the caller's.
 * @module
 */
import type { MemberJson, SessionRowJson } from './api-types.js'

/** One member's report: its `mntr` keys (without `zk_`) and values, or why it could not be read. */
export interface MemberReport {
  /** The member's name as the page shows it (its id, or host:port). */
  name: string
  /** The `mntr` figures; absent when the member did not answer. */
  mntr?: Readonly<Record<string, unknown>>
  /** Why the member could not be read. */
  error?: string
  /** The sessions the member knows of (its own report, without the `member` field). */
  sessions?: Omit<SessionRowJson, 'member'>[]
}

/**
 * The sessions a `cons` four-letter-word answer lists, one per connection:
 * ` /127.0.0.1:52614[1](queued=0,recved=5,sent=5,sid=0x10000a,lop=PING,est=…,to=30000,…)`.
 */
export function parseCons(text: string): Omit<SessionRowJson, 'member'>[] {
  const sessions: Omit<SessionRowJson, 'member'>[] = []
  for (const line of text.split('\n')) {
    const match = /^\s*\/?(\S+?)\[[0-9a-f]+\]\((.*)\)\s*$/.exec(line)
    if (match === null) continue
    const fields = new Map((match[2] ?? '').split(',').map((pair) => pair.split('=', 2) as [string, string]))
    const sid = fields.get('sid')
    if (sid === undefined || !/^0x[0-9a-f]+$/i.test(sid)) continue
    const timeout = Number(fields.get('to'))
    sessions.push({ id: sid.toLowerCase(), client: match[1] ?? '', ...(Number.isFinite(timeout) ? { timeoutMs: timeout } : {}) })
  }
  return sessions
}

/**
 * Parses a `mntr` four-letter-word answer (`zk_key<TAB>value` lines) into the admin command's
 * shape: keys without `zk_`, numbers as numbers, anything else as text.
 */
export function parseMntr(text: string): Record<string, string | number> {
  const figures: Record<string, string | number> = {}
  for (const line of text.split('\n')) {
    const match = /^zk_(\S+)\s+(.*?)\s*$/.exec(line)
    if (match === null) continue
    const [, key = '', value = ''] = match
    const number = Number(value)
    figures[key] = value !== '' && Number.isFinite(number) ? number : value
  }
  return figures
}

/**
 * Adds what a `srvr` answer tells beyond `mntr` (Apache ZooKeeper's `mntr` has no last zxid):
 * `Zxid: 0x…` as `last_processed_zxid`, unless the report already has one.
 */
export function withSrvr(mntr: Record<string, string | number>, srvr: string): Record<string, string | number> {
  const hex = /^Zxid: 0x([0-9a-f]+)$/im.exec(srvr)?.[1]
  if (hex === undefined || mntr['last_processed_zxid'] !== undefined) return mntr
  return { ...mntr, last_processed_zxid: Number.parseInt(hex, 16) }
}

/** A member's figures as the page shows them. */
export function memberJson(report: MemberReport): MemberJson {
  const { mntr } = report
  if (mntr === undefined) return { name: report.name, role: 'unreachable', ...(report.error === undefined ? {} : { error: report.error }) }
  const number = (key: string): number | undefined => {
    const value = mntr[key]
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined
  }
  const zxid = number('last_processed_zxid')
  const member: MemberJson = { name: report.name, role: typeof mntr['server_state'] === 'string' ? mntr['server_state'] : 'unknown' }
  if (zxid !== undefined) {
    member.zxid = hex(zxid)
    member.epoch = Math.floor(zxid / 2 ** 32)
  }
  const fields: [keyof MemberJson, string][] = [
    ['connections', 'num_alive_connections'],
    ['outstandingRequests', 'outstanding_requests'],
    ['znodeCount', 'znode_count'],
    ['watchCount', 'watch_count'],
    ['sessionCount', 'global_sessions'],
    ['packetsReceived', 'packets_received'],
    ['avgLatencyMs', 'avg_latency'],
    ['maxLatencyMs', 'max_latency'],
  ]
  for (const [field, key] of fields) {
    const value = number(key)
    if (value !== undefined) (member as unknown as Record<string, number>)[field] = value
  }
  return member
}

/** A zxid or session id as zkCli.sh prints it: `0x` and lower-case hex. */
export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`
}
