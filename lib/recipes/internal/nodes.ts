/**
 * Znode naming shared with Apache Curator and kazoo: protected (GUID-prefixed) names that let a
 * client find its own sequential node after a lost reply, sorting by the sequence suffix, and
 * creating parents on demand.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { Data, ZooKeeperClient } from '../../client/index.js'
import { CreateMode, type CreateModeValue } from '../../protocol/create-mode.js'
import { transientRetriesMax } from '../../limits.js'
import { hasCode, isTransient, retrying, whenConnected } from './session.js'

/** Curator's protected prefix: `_c_` + a canonical UUID + `-` (ProtectedUtils.getProtectedPrefix). */
export function curatorProtectedPrefix(uuid: string = randomUUID()): string {
  return `_c_${uuid}-`
}

/** Length of ZooKeeper's sequence suffix (`%010d` of the parent's cversion). */
export const sequenceDigits = 10

/** The sequence suffix of a sequential node's name. */
export function sequenceOf(name: string): string {
  return name.slice(-sequenceDigits)
}

/**
 * Sorts names by their sequence suffix: the order in which ZooKeeper created them, whatever
 * their prefixes. For Curator's names this is Curator's order (it compares the text after the
 * last `lock-`), and for kazoo's it is kazoo's (the text after `__lock__`).
 */
export function sortBySequence(names: readonly string[]): string[] {
  return [...names].sort((a, b) => compare(sequenceOf(a), sequenceOf(b)) || compare(a, b))
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Joins a parent path and a child name. */
export function join(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`
}

/** The last segment of a path. */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/**
 * Creates `path` and its missing ancestors as containers (Curator's
 * creatingParentContainersIfNeeded), so the server removes them once they are empty again.
 */
export async function ensurePath(client: ZooKeeperClient, path: string, signal?: AbortSignal, mode: CreateModeValue = CreateMode.CONTAINER): Promise<void> {
  let prefix = ''
  for (const segment of path.split('/').filter((s) => s !== '')) {
    prefix = `${prefix}/${segment}`
    const at = prefix
    await retrying(client, () => createIfMissing(client, at, mode), signal)
  }
}

async function createIfMissing(client: ZooKeeperClient, path: string, mode: CreateModeValue): Promise<void> {
  try {
    await client.create(path, undefined, { mode })
  } catch (error) {
    if (!hasCode(error, 'NODEEXISTS')) throw error
  }
}

/**
 * A sequential node this process creates under `parent` with a unique name prefix. When the
 * reply to the create is lost (CONNECTIONLOSS) the node may exist anyway; we then look for a
 * child starting with our prefix instead of creating a second one (Curator's "protected" mode,
 * kazoo's Lock._find_node).
 */
export class OwnNode {
  /** The full path, once known. */
  path: string | undefined

  constructor(
    private readonly client: ZooKeeperClient,
    /** Parent of the node. */
    readonly parent: string,
    /** The name up to the sequence suffix; unique to this node. */
    readonly prefix: string,
  ) {}

  /** Creates the node (parents as containers on demand) and returns its path. */
  async create(data: Data | undefined, mode: CreateModeValue, signal?: AbortSignal): Promise<string> {
    let replyLost = false
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted()
      try {
        this.path = (replyLost ? await this.find() : undefined) ?? (await this.client.create(join(this.parent, this.prefix), data, { mode }))
        return this.path
      } catch (error) {
        if (attempt >= transientRetriesMax) throw error
        if (hasCode(error, 'NONODE')) await ensurePath(this.client, this.parent, signal)
        else if (isTransient(error)) replyLost = true
        else throw error
        if (replyLost) await whenConnected(this.client, signal)
      }
    }
  }

  /** Looks for our node among the parent's children. */
  async find(): Promise<string | undefined> {
    const children = await this.client.getChildren(this.parent)
    const name = children.find((child) => child.startsWith(this.prefix))
    return name === undefined ? undefined : join(this.parent, name)
  }

  /**
   * Deletes the node if it exists, also when a create was interrupted before its reply came.
   * Errors are swallowed: when the session is gone the server removes the ephemeral anyway.
   */
  async deleteQuietly(): Promise<void> {
    try {
      await retrying(this.client, () => this.deleteOnce())
    } catch {
      // The session ended (its ephemerals go with it) or the retries ran out; nothing else to do.
    }
    this.path = undefined
  }

  private async deleteOnce(): Promise<void> {
    const path = this.path ?? (await this.find())
    if (path === undefined) return
    try {
      await this.client.delete(path)
    } catch (error) {
      if (!hasCode(error, 'NONODE')) throw error
    }
  }
}
