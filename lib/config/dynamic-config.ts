/**
 * ZooKeeper's dynamic configuration text: the `server.N=...` lines of an ensemble, as
 * `/zookeeper/config` shows them (`QuorumMaj.toString`) and as the `zoo.cfg.dynamic.<version>`
 * files hold them, and the membership changes a reconfig asks for (PrepRequestProcessor's
 * incremental and non-incremental rules).
 * @module
 */
import { ConfigError, parseServerLine, type ServerEndpoint, type ServerSpec } from './zoo-cfg.js'

/** A host as ZooKeeper writes it in a server line: IPv6 addresses in brackets. */
function hostText(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}

function endpointText(endpoint: ServerEndpoint): string {
  return `${hostText(endpoint.host)}:${endpoint.quorumPort}:${endpoint.electionPort}`
}

/**
 * One member's value in a server line (ZooKeeper's `QuorumServer.toString`): its addresses joined
 * by `|`, its role, and `;clientAddress:clientPort` when it has a client port (`0.0.0.0` when the
 * line gave a port alone).
 */
export function serverValue(server: ServerSpec): string {
  const addresses = server.addresses !== undefined && server.addresses.length > 0 ? server.addresses : [server]
  const client = server.clientPort === undefined ? '' : `;${hostText(server.clientAddress ?? '0.0.0.0')}:${server.clientPort}`
  return `${addresses.map(endpointText).join('|')}:${server.role}${client}`
}

/** The `server.N=...` lines of `servers` in id order, each ending in a newline. */
export function dynamicConfigText(servers: readonly ServerSpec[]): string {
  return [...servers].sort((a, b) => a.id - b.id).map((s) => `server.${s.id}=${serverValue(s)}\n`).join('')
}

/** The servers of a dynamic configuration text (lines other than `server.N` are skipped). */
export function serversOfText(text: string, file = '/zookeeper/config'): ServerSpec[] {
  const servers: ServerSpec[] = []
  let number = 0
  for (const raw of text.split(/\r?\n|,/)) {
    number++
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const key = eq < 0 ? line : line.slice(0, eq).trim()
    if (!key.startsWith('server.')) continue
    servers.push(parseServerLine(file, { key, value: line.slice(eq + 1).trim(), line: number }))
  }
  return servers
}

/** What a reconfig request asks for (its three strings, null when absent). */
export interface MembershipChange {
  /** `server.N=...` specifications to add or change, comma-separated. */
  readonly joiningServers: string | null
  /** Server ids to remove, comma-separated. */
  readonly leavingServers: string | null
  /** The whole new membership, comma- or newline-separated (non-incremental). */
  readonly newMembers: string | null
}

/**
 * The servers a reconfig leads to from `current`, or why the request cannot be read (ZooKeeper
 * answers BADARGUMENTS): non-incremental when `newMembers` is given, else incremental (leavers
 * removed, then joiners added or replaced). A joiner must give a client port, and no two members
 * may share a quorum or election address.
 */
export function plannedServers(current: readonly ServerSpec[], change: MembershipChange): ServerSpec[] | { error: string } {
  try {
    if (change.newMembers !== null) return checked(parseMembers(change.newMembers))
    const next = new Map(current.map((s) => [s.id, s]))
    for (const text of splitList(change.leavingServers)) {
      const sid = Number(text)
      if (!Number.isSafeInteger(sid) || sid < 1 || !/^\d+$/.test(text)) return { error: `not a server id: ${JSON.stringify(text)}` }
      next.delete(sid)
    }
    for (const text of splitList(change.joiningServers)) {
      const joiner = parseJoiner(text)
      if (joiner.clientPort === undefined) return { error: `${text}: each server should have at least 3 ports specified (quorum, election and client)` }
      next.set(joiner.id, joiner)
    }
    return checked([...next.values()])
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) }
  }
}

function splitList(text: string | null): string[] {
  return text === null ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

function parseJoiner(text: string): ServerSpec {
  const eq = text.indexOf('=')
  if (eq < 0) throw new ConfigError('reconfig', undefined, `wrong format of server string ${JSON.stringify(text)}: expected server.N=host:quorumPort:electionPort[:role];[clientAddress:]clientPort`)
  return parseServerLine('reconfig', { key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim(), line: 0 })
}

function parseMembers(text: string): ServerSpec[] {
  const servers: ServerSpec[] = []
  for (const raw of text.split(/\r?\n|,/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const key = line.slice(0, Math.max(0, line.indexOf('='))).trim()
    if (key === 'version') continue
    if (!key.startsWith('server.')) throw new ConfigError('reconfig', undefined, `${JSON.stringify(line)}: only server.N lines can be given to reconfig -members (group and weight lines are not supported)`)
    servers.push(parseJoiner(line))
  }
  return servers
}

// Ids once each, no quorum or election address used twice (ZooKeeper: checkAddressDuplicate).
function checked(servers: readonly ServerSpec[]): ServerSpec[] {
  const ids = new Set<number>()
  const endpoints = new Map<string, number>()
  for (const server of servers) {
    if (ids.has(server.id)) throw new ConfigError('reconfig', undefined, `server.${server.id} is given twice`)
    ids.add(server.id)
    for (const endpoint of server.addresses ?? [server]) {
      for (const port of [endpoint.quorumPort, endpoint.electionPort]) {
        const where = `${endpoint.host}:${port}`
        const other = endpoints.get(where)
        if (other !== undefined && other !== server.id) throw new ConfigError('reconfig', undefined, `${where} is used by server.${other} and server.${server.id}`)
        endpoints.set(where, server.id)
      }
    }
  }
  return [...servers].sort((a, b) => a.id - b.id)
}
