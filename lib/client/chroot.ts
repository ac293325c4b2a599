/**
 * Chroot mapping (apache/zookeeper ClientCnxn.prependChroot / stripChroot): with a connect string
 * ending in `/app`, every path goes out as `/app/...` and comes back (create results, sync,
 * getEphemerals, watch events) without the prefix. Pure functions over requests and responses.
 * @module
 */
import type { MultiResult, Request, Response } from '../protocol/requests.js'
import type { WatchNotification } from '../protocol/watch.js'

/** `/a` under chroot `/app` is `/app/a`; `/` is `/app`. An empty chroot changes nothing. */
export function prependChroot(chroot: string, path: string): string {
  if (chroot === '') return path
  return path === '/' ? chroot : chroot + path
}

/** `/app/a` under chroot `/app` is `/a`; `/app` is `/`. A path outside the chroot is kept as it is. */
export function stripChroot(chroot: string, path: string): string {
  if (chroot === '') return path
  if (path === chroot) return '/'
  if (path.startsWith(chroot) && path.charCodeAt(chroot.length) === 0x2f) return path.slice(chroot.length)
  return path
}

/** The request as the server must see it under `chroot`. */
export function requestUnderChroot(chroot: string, request: Request): Request {
  if (chroot === '') return request
  const up = (path: string): string => prependChroot(chroot, path)
  switch (request.op) {
    case 'multi':
      return { ...request, ops: request.ops.map((op) => ({ ...op, path: up(op.path) })) }
    case 'multiRead':
      return { ...request, ops: request.ops.map((op) => ({ ...op, path: up(op.path) })) }
    case 'getEphemerals':
      return { ...request, prefix: up(request.prefix === '' ? '/' : request.prefix) }
    case 'setWatches':
      return {
        ...request,
        dataWatches: request.dataWatches.map(up),
        existWatches: request.existWatches.map(up),
        childWatches: request.childWatches.map(up),
        persistentWatches: request.persistentWatches.map(up),
        persistentRecursiveWatches: request.persistentRecursiveWatches.map(up),
      }
    case 'closeSession':
    case 'setAuth':
    case 'whoAmI':
    case 'ping':
    case 'reconfig':
      return request
    default:
      return { ...request, path: up(request.path) }
  }
}

/** The response with the chroot taken off the paths it names. */
export function responseUnderChroot(chroot: string, request: Request, response: Response): Response {
  if (chroot === '' || response.err !== 0) return response
  const down = (path: string): string => stripChroot(chroot, path)
  const body = response as Response & { path?: string; paths?: string[]; results?: MultiResult[] }
  switch (request.op) {
    case 'create':
    case 'sync':
      return { ...body, path: down(body.path ?? '') } as Response
    case 'getEphemerals':
      return { ...body, paths: (body.paths ?? []).map(down) } as Response
    case 'multi':
      return { ...body, results: (body.results ?? []).map((r) => (r.op === 'create' ? { ...r, path: down(r.path) } : r)) } as Response
    default:
      return response
  }
}

/** A watch notification with the chroot taken off its path. */
export function notificationUnderChroot(chroot: string, event: WatchNotification): WatchNotification {
  return chroot === '' ? event : { ...event, path: stripChroot(chroot, event.path) }
}
