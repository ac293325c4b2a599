/**
 * The Sessions view: every session the members report, with its timeout, its ephemeral nodes and
 * its watches; read while the view shows.
 * @module
 */
import type { SessionRowJson, SessionsJson } from '../api-types.js'
import { $, api, el, failed, seconds, table } from './core.js'

/** A list of paths, one per line, or the count alone past `shown`. */
function paths(list: readonly string[] | undefined, shown = 20): string {
  if (list === undefined) return ''
  const more = list.length > shown ? `\n… ${list.length - shown} more` : ''
  return list.slice(0, shown).join('\n') + more
}

const columns: readonly (readonly [string, string, (s: SessionRowJson) => string])[] = [
  ['session', 'Session', (s) => s.id],
  ['member', 'Member', (s) => s.member],
  ['client', 'Client', (s) => s.client ?? ''],
  ['timeout', 'Timeout', (s) => seconds(s.timeoutMs)],
  ['expires', 'Expires in', (s) => seconds(s.expiresInMs)],
  ['ephemerals', 'Ephemerals', (s) => paths(s.ephemerals)],
  ['watches', 'Watches', (s) => paths(s.watches)],
]

function render(answer: SessionsJson): void {
  const sessions = table('sessions', columns, answer.sessions, (s) => ({ 'data-session': s.id }))
  if (answer.sessions.length === 0) sessions.append(el('tr', {}, el('td', { colspan: String(columns.length), class: 'count' }, 'No sessions reported')))
  const count = `${answer.sessions.length} session${answer.sessions.length === 1 ? '' : 's'}`
  $('sessions-notes').textContent = [count, ...answer.notes].join(' · ')
}

/** Reads the sessions and shows them. */
export async function refreshSessions(): Promise<void> {
  try {
    render(await api<SessionsJson>('sessions'))
  } catch (error) {
    failed(error)
  }
}
