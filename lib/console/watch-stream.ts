/**
 * The Live view's stream: a persistent (optionally recursive) watch on the console's own
 * ZooKeeper session, written to the page as Server-Sent Events, one `data:` line of
 * {@link WatchEventJson} per event.
 * @module
 */
import type { ServerResponse } from 'node:http'
import type { ZooKeeperClient } from '../client/index.js'
import { parentPath } from '../path.js'
import type { WatchEventJson } from './api-types.js'
import { consoleWatchEventsBufferedMax, consoleWatchHeartbeatMs } from './limits.js'
import { hex } from './members.js'

/**
 * Streams the watch on `path` to `res` until `signal` aborts (the page went away), the session
 * ends, or the page reads too slowly. Sends `event: ready` once the server holds the watch, and
 * `event: end` with the reason when the stream ends from this side.
 */
export async function streamWatch(zk: ZooKeeperClient, path: string, recursive: boolean, signal: AbortSignal, res: ServerResponse, now: () => number): Promise<void> {
  const stream = zk.watch(path, { recursive, signal, eventsBufferedMax: consoleWatchEventsBufferedMax })
  try {
    await stream.ready
  } catch (error) {
    await stream.return()
    throw error
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' })
  res.write(`event: ready\ndata: ${JSON.stringify({ path, recursive })}\n\n`)
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), consoleWatchHeartbeatMs)
  heartbeat.unref()
  try {
    for await (const event of stream) {
      if (event.path === undefined) continue
      const json: WatchEventJson = { type: event.type, path: event.path, atMs: now() }
      const zxid = await changeZxid(zk, event.type, event.path)
      if (zxid !== undefined) json.zxid = zxid
      res.write(`data: ${JSON.stringify(json)}\n\n`)
    }
    res.end('event: end\ndata: {"reason":"closed"}\n\n')
  } catch (error) {
    if (!signal.aborted) res.end(`event: end\ndata: ${JSON.stringify({ reason: String(error) })}\n\n`)
  } finally {
    clearInterval(heartbeat)
    if (!res.writableEnded) res.end()
  }
}

/**
 * The zxid of the change an event reports, read right after it: a created or changed node's
 * mzxid, a deleted node's parent's pzxid (the children list changed with it). Undefined when the
 * node has gone again.
 */
async function changeZxid(zk: ZooKeeperClient, type: string, path: string): Promise<string | undefined> {
  const target = type === 'NodeDeleted' ? parentPath(path) : path
  const stat = await zk.exists(target).catch(() => null)
  if (stat === null) return undefined
  if (type === 'NodeDeleted' || type === 'NodeChildrenChanged') return hex(stat.pzxid)
  return hex(stat.mzxid)
}
