/**
 * The admin server's `shed_connections` command (alias `shed`; ZooKeeper's ShedConnectionsCommand,
 * ZOOKEEPER-5015, on its main branch after 3.9): `POST` with `{"percentage": N}` closes N% of the
 * client connections, so that their clients reconnect elsewhere, say before a member is taken out
 * of service. Their sessions live on. Like `snapshot` and `restore` it needs authentication with
 * every permission on `/` (./admin-auth.ts); it has no feature flag and no address guard, as in
 * ZooKeeper.
 *
 * One difference: ZooKeeper closes each connection with probability N%, so the count varies from
 * call to call; Paddock closes exactly N% of them, rounded to the nearest whole connection,
 * chosen at random. The answer reports the count either way (`connections_shed`).
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { adminJsonBodyBytesMax } from '../limits.js'
import { notServingError } from '../server/admin-commands.js'
import type { AdminAuthorizer } from './admin-auth.js'
import { readBody, reply, sendJson } from './admin-http.js'

/** The command's names, primary first, as ZooKeeper registers them. */
export const shedCommandNames = ['shed_connections', 'shed'] as const

/** Whether `name` names the command. */
export function isShedCommand(name: string): boolean {
  return (shedCommandNames as readonly string[]).includes(name)
}

/** What the command acts on: the client port, whose connections it closes. */
export interface ShedTarget {
  /** Closes `percentage` of the client connections; returns how many. */
  shedConnections(percentage: number): number
}

const primary = shedCommandNames[0]

/** The percentage a request body asks for, or the 400 error ZooKeeper (or Paddock, for a non-integer) answers. */
export function shedPercentage(body: Uint8Array): { percentage: number } | { error: string } {
  if (body.length === 0) return { error: 'Request body is required' }
  let request: unknown
  try {
    request = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch (error) {
    return { error: `Invalid JSON or failed to read request body: ${(error as Error).message}` }
  }
  if (typeof request !== 'object' || request === null || !('percentage' in request)) return { error: 'Missing required field: percentage' }
  const percentage = (request as { percentage: unknown }).percentage
  if (typeof percentage !== 'number' || !Number.isInteger(percentage)) return { error: `percentage must be an integer, got ${JSON.stringify(percentage)}` }
  if (percentage < 0 || percentage > 100) return { error: 'Percentage must be between 0 and 100' }
  return { percentage }
}

/**
 * `POST /commands/shed_connections`: checks that the member serves and the credentials, reads
 * the body (at most {@link adminJsonBodyBytesMax} bytes), and sheds. A server with no client
 * port (reachable in-process only) sheds nothing.
 */
export async function shedConnections(req: IncomingMessage, res: ServerResponse, serving: boolean, authorize: AdminAuthorizer, target: ShedTarget | undefined): Promise<void> {
  const refused = serving ? authorize(req) : { status: 503, error: notServingError }
  if (refused !== undefined) {
    req.resume()
    return reply(res, refused.status, primary, refused.error)
  }
  const body = await readBody(req, adminJsonBodyBytesMax)
  if (body === undefined) return reply(res, 413, primary, `the request body is over ${adminJsonBodyBytesMax} bytes; send {"percentage": N}`, true)
  const asked = shedPercentage(body)
  if ('error' in asked) return reply(res, 400, primary, asked.error)
  const shed = asked.percentage === 0 ? 0 : (target?.shedConnections(asked.percentage) ?? 0)
  sendJson(res, 200, { connections_shed: shed, percentage_requested: asked.percentage, command: primary, error: null })
}
