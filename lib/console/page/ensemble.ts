/**
 * The Ensemble view: the members with their lag behind the leader, the election history the
 * console observed, and the configuration.
 * @module
 */
import type { ConfigurationJson, ElectionJson, ElectionsJson, EnsembleJson, MemberJson, RoleChangeJson, ServerJson } from '../api-types.js'
import { $, clock, el, seconds, table } from './core.js'

/** Renders the whole view from one reading. */
export function renderEnsemble(ensemble: EnsembleJson): void {
  renderMembers(ensemble.members)
  renderElections(ensemble.elections, ensemble.atMs)
  renderConfiguration(ensemble.configuration)
}

function text(value: number | string | undefined): string {
  return value === undefined ? '' : String(value)
}

const memberColumns: readonly (readonly [string, string, (m: MemberJson) => string])[] = [
  ['member', 'Member', (m) => m.name],
  ['role', 'Role', (m) => m.role],
  ['zxid', 'zxid', (m) => m.zxid ?? ''],
  ['epoch', 'Epoch', (m) => text(m.epoch)],
  ['lag', 'Lag (txns)', (m) => (m.lag === undefined ? (m.lagNote ?? '') : String(m.lag))],
  ['connections', 'Connections', (m) => text(m.connections)],
  ['outstanding', 'Outstanding', (m) => text(m.outstandingRequests)],
  ['znodes', 'Znodes', (m) => text(m.znodeCount)],
  ['watches', 'Watches', (m) => text(m.watchCount)],
  ['sessions', 'Sessions', (m) => text(m.sessionCount)],
  ['elections', 'Elections', (m) => text(m.elections)],
  ['election-time', 'Election avg/max ms', (m) => (m.electionAvgMs === undefined ? '' : `${m.electionAvgMs} / ${m.electionMaxMs ?? ''}`)],
  ['latency', 'Latency avg/max ms', (m) => (m.avgLatencyMs === undefined ? '' : `${m.avgLatencyMs} / ${m.maxLatencyMs ?? ''}`)],
  ['note', 'Note', (m) => m.error ?? ''],
]

/** Columns shown even when empty: who, what, and the lag (empty says there is no leader to lag behind). */
const alwaysShown: ReadonlySet<string> = new Set(['member', 'role', 'lag'])

function renderMembers(members: readonly MemberJson[]): void {
  // A figure no member reports (Apache ZooKeeper's mntr has no election count) takes no room.
  const columns = memberColumns.filter(([key, , cell]) => alwaysShown.has(key) || members.some((m) => cell(m) !== ''))
  table('members', columns, members, (m) => ({ 'data-member': m.name, 'data-role': m.role, ...(m.lag === undefined ? {} : { 'data-lag': String(m.lag) }) }))
}

/** A leaderless time as the readings bound it: `1.9 to 4.0 s`, or `at most 2.1 s` when no reading fell in it. */
function leaderless(election: ElectionJson): string {
  const { leaderlessMinMs: min, leaderlessMaxMs: max } = election
  if (max === undefined) return `at least ${seconds(min)}`
  return min === 0 ? `at most ${seconds(max)}` : `${(min / 1000).toFixed(1)} to ${seconds(max)}`
}

/** One line on the leader now and the last election. */
function leaderSummary(history: ElectionsJson, atMs: number): string {
  const now = history.leader === undefined ? `No leader${history.leaderlessSinceMs === undefined ? '' : ` for ${seconds(atMs - history.leaderlessSinceMs)}`}` : `Leader: ${history.leader}`
  const last = history.elections[0]
  if (last === undefined) return `${now}. No election seen since ${clock(history.observedSinceMs)}.`
  const after = last.previous === undefined ? '' : ` after ${last.previous}`
  return `${now}. Last election seen at ${clock(last.atMs)}: ${last.leader ?? 'a member not read'} leads${after}; no leader for ${leaderless(last)}.`
}

const electionColumns: readonly (readonly [string, string, (e: ElectionJson) => string])[] = [
  ['time', 'Seen at', (e) => clock(e.atMs)],
  ['leader', 'New leader', (e) => e.leader ?? '(not read)'],
  ['previous', 'Previous leader', (e) => e.previous ?? ''],
  ['leaderless', 'Without a leader', leaderless],
]

const roleColumns: readonly (readonly [string, string, (r: RoleChangeJson) => string])[] = [
  ['time', 'Seen at', (r) => clock(r.atMs)],
  ['member', 'Member', (r) => r.member],
  ['change', 'Role', (r) => `${r.from} → ${r.to}`],
]

function renderElections(history: ElectionsJson, atMs: number): void {
  $('leader-summary').textContent = leaderSummary(history, atMs)
  table('election-history', electionColumns, history.elections, (e) => ({ 'data-leader': e.leader ?? '' }))
  table('role-changes', roleColumns, history.roleChanges, (r) => ({ 'data-member': r.member, 'data-to': r.to }))
}

const serverColumns: readonly (readonly [string, string, (s: ServerJson) => string])[] = [
  ['id', 'Server', (s) => `server.${s.id}`],
  ['address', 'Quorum:election', (s) => s.address],
  ['role', 'Role', (s) => s.role],
  ['client', 'Client address', (s) => s.client ?? ''],
]

function renderConfiguration(configuration: ConfigurationJson | undefined): void {
  const about = $('configuration-about')
  if (configuration === undefined) {
    about.textContent = 'No member reports its configuration (a Paddock member\'s own console shows its server list; Apache ZooKeeper writes its configuration to /zookeeper/config).'
    $('configuration').replaceChildren()
    return
  }
  const version = configuration.version === undefined ? 'no version' : `version 0x${configuration.version}`
  about.replaceChildren(el('span', { id: 'configuration-version' }, version), ` · from ${configuration.source}`)
  table('configuration', serverColumns, configuration.servers, (s) => ({ 'data-server': String(s.id) }))
}
