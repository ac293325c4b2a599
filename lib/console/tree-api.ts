/**
 * The Tree view's operations over one ZooKeeper session: read a node with its Stat and ACL, page
 * its children, count and delete a subtree, edit with the version read, create. Every call is a
 * normal client request, so the server's ACLs decide what succeeds.
 * @module
 */
import { ZooKeeperError } from '../errors.js'
import type { ZooKeeperClient } from '../client/index.js'
import type { CreateModeValue } from '../protocol/create-mode.js'
import type { ACL, Stat } from '../protocol/data.js'
import type { AclJson, ChildJson, ChildrenPageJson, NodeJson, StatJson } from './api-types.js'
import { consoleChildrenPageMax, consoleDeleteConcurrencyMax, consoleDeleteNodesMax } from './limits.js'
import { hex } from './members.js'

/** A Stat as the page shows it. */
export function statJson(stat: Stat): StatJson {
  return {
    czxid: hex(stat.czxid),
    mzxid: hex(stat.mzxid),
    pzxid: hex(stat.pzxid),
    ctime: stat.ctime,
    mtime: stat.mtime,
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: hex(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  }
}

// ZooKeeper's permission letters in zkCli.sh's order, with their bits.
const permLetters: readonly [string, number][] = [
  ['c', 4],
  ['d', 8],
  ['r', 1],
  ['w', 2],
  ['a', 16],
]

function aclJson(acl: readonly ACL[]): AclJson[] {
  return acl.map((entry) => ({
    scheme: entry.id.scheme,
    id: entry.id.id,
    perms: permLetters.filter(([, bit]) => (entry.perms & bit) !== 0).map(([letter]) => letter).join(''),
  }))
}

/** `GET api/node`: data, Stat and ACL. */
export async function readNode(zk: ZooKeeperClient, path: string): Promise<NodeJson> {
  const [{ data, stat }, { acl }] = await Promise.all([zk.getData(path), zk.getACL(path)])
  return { path, data: Buffer.from(data).toString('base64'), stat: statJson(stat), acl: aclJson(acl) }
}

/**
 * `GET api/children`: one page of the sorted children whose name contains `filter`. ZooKeeper has
 * no paged getChildren, so the names come over the session once per page; only the page goes to
 * the browser, with each child's child count and kind.
 */
export async function childrenPage(zk: ZooKeeperClient, path: string, offset: number, limit: number, filter: string): Promise<ChildrenPageJson> {
  const names = await zk.getChildren(path)
  const matched = filter === '' ? names : names.filter((name) => name.includes(filter))
  const start = Math.max(0, Math.min(offset, matched.length))
  const page = matched.slice(start, start + Math.max(1, Math.min(limit, consoleChildrenPageMax)))
  const base = path === '/' ? '' : path
  const stats = await Promise.all(page.map((name) => zk.exists(`${base}/${name}`).catch(() => null)))
  const children = page.map((name, i): ChildJson => {
    const stat = stats[i]
    return stat === null || stat === undefined ? { name } : { name, numChildren: stat.numChildren, ephemeral: stat.ephemeralOwner !== 0n }
  })
  return { path, total: names.length, matched: matched.length, offset: start, children }
}

/** The subtree at `path` level by level (itself first); BADARGUMENTS past consoleDeleteNodesMax nodes. */
async function subtree(zk: ZooKeeperClient, path: string): Promise<string[][]> {
  const levels: string[][] = [[path]]
  let count = 1
  for (;;) {
    const parents = levels[levels.length - 1] ?? []
    const next: string[] = []
    for (const parent of parents) {
      const names = await zk.getChildren(parent).catch((error: unknown) => (error instanceof ZooKeeperError && error.code === 'NONODE' ? [] : Promise.reject(error)))
      for (const name of names) next.push(`${parent === '/' ? '' : parent}/${name}`)
      count += names.length
      if (count > consoleDeleteNodesMax) throw new ZooKeeperError('BADARGUMENTS', { path, message: `${path} has more than ${consoleDeleteNodesMax} nodes; the console deletes at most that many at once` })
    }
    if (next.length === 0) return levels
    levels.push(next)
  }
}

/** `GET api/count`: the number of nodes a recursive delete of `path` would remove (itself included). */
export async function countSubtree(zk: ZooKeeperClient, path: string): Promise<number> {
  return (await subtree(zk, path)).reduce((sum, level) => sum + level.length, 0)
}

/**
 * `POST api/delete` with `recursive`: deletes the subtree deepest level first, but only when it
 * still has the `expectedCount` nodes the user confirmed; otherwise fails with NOTEMPTY naming the
 * new count, and deletes nothing.
 */
export async function deleteSubtree(zk: ZooKeeperClient, path: string, expectedCount: number): Promise<number> {
  const levels = await subtree(zk, path)
  const count = levels.reduce((sum, level) => sum + level.length, 0)
  if (count !== expectedCount) {
    throw new ZooKeeperError('NOTEMPTY', { path, message: `${path} now has ${count} nodes, not the ${expectedCount} confirmed; nothing was deleted` })
  }
  for (const level of levels.reverse()) {
    for (let i = 0; i < level.length; i += consoleDeleteConcurrencyMax) {
      const batch = level.slice(i, i + consoleDeleteConcurrencyMax)
      // A node someone else deleted meanwhile is gone as asked; any other failure stops here.
      await Promise.all(batch.map((node) => zk.delete(node).catch((error: unknown) => (error instanceof ZooKeeperError && error.code === 'NONODE' ? undefined : Promise.reject(error)))))
    }
  }
  return count
}

/** What `POST api/create` takes. */
export interface CreateRequest {
  /** Path (the prefix, for sequential modes). */
  path: string
  /** Data, base64. */
  data: string
  /** A CreateMode number. */
  mode: CreateModeValue
  /** Time to live, ms, for the TTL modes. */
  ttlMs?: number
}

/** `POST api/create`: the created path. */
export function createNode(zk: ZooKeeperClient, request: CreateRequest): Promise<string> {
  const options = request.ttlMs === undefined ? { mode: request.mode } : { mode: request.mode, ttlMs: request.ttlMs }
  return zk.create(request.path, Buffer.from(request.data, 'base64'), options)
}

/** ACL entries as the page sends them (`perms` as letters, `cdrwa`). */
export function aclOf(entries: unknown): ACL[] {
  if (!Array.isArray(entries) || entries.length === 0) throw new ZooKeeperError('INVALIDACL', { message: 'An ACL has at least one entry' })
  return entries.map((entry: unknown) => {
    const { scheme, id, perms } = (entry ?? {}) as Record<string, unknown>
    if (typeof scheme !== 'string' || typeof id !== 'string' || typeof perms !== 'string' || !/^[cdrwa]*$/.test(perms)) {
      throw new ZooKeeperError('INVALIDACL', { message: `An ACL entry is {scheme, id, perms} with perms from cdrwa, not ${JSON.stringify(entry)}` })
    }
    let bits = 0
    for (const [letter, bit] of permLetters) if (perms.includes(letter)) bits |= bit
    return { perms: bits, id: { scheme, id } }
  })
}

/** `POST api/acl`: replaces the ACL only if the node still has the aversion it was read at (else BADVERSION). */
export async function setNodeAcl(zk: ZooKeeperClient, path: string, entries: unknown, aversion: number): Promise<StatJson> {
  return statJson(await zk.setACL(path, aclOf(entries), aversion))
}

/** `POST api/set`: replaces the data only if the node still has the version it was read at (else BADVERSION). */
export async function setNodeData(zk: ZooKeeperClient, path: string, data: string, version: number): Promise<StatJson> {
  return statJson(await zk.setData(path, Buffer.from(data, 'base64'), version))
}
