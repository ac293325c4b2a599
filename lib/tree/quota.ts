/**
 * Quota bookkeeping, as ZooKeeper's DataTree keeps it (`Quotas`, `StatsTrack`, the path trie):
 * `/zookeeper/quota/<path>/zookeeper_limits` marks `<path>` as a quota root, and the tree keeps
 * `/zookeeper/quota/<path>/zookeeper_stats` at `count=<nodes>,bytes=<data bytes>` of that subtree
 * (the root included) as transactions apply. Pure: the tree calls it.
 * @module
 */

/** Where quota nodes live. */
export const quotaRoot = '/zookeeper/quota'
/** The node holding a quota's limits. */
export const limitNode = 'zookeeper_limits'
/** The node the tree keeps the subtree's usage in. */
export const statNode = 'zookeeper_stats'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The quota path a node directly under a quota directory names (`/zookeeper/quota/a/b` → `/a/b`),
 * or undefined when `parent` is not under the quota root or names nothing (ZooKeeper ignores a
 * limit or stat node directly under `/zookeeper/quota`).
 */
export function quotaPathOf(parent: string): string | undefined {
  if (!parent.startsWith(`${quotaRoot}/`)) return undefined
  return parent.slice(quotaRoot.length)
}

/** The stat node of quota root `path`. */
export const statPathOf = (path: string): string => `${quotaRoot}${path}/${statNode}`

/** `count` and `bytes` of a stats node's text (`count=3,bytes=6`), or undefined when it is not one. */
export function parseStats(data: Uint8Array): { count: number; bytes: number } | undefined {
  const match = /^count=(-?\d+),bytes=(-?\d+)/.exec(decoder.decode(data))
  if (match === null) return undefined
  return { count: Number(match[1]), bytes: Number(match[2]) }
}

/** The stats node text ZooKeeper's StatsTrack writes for usage. */
export function formatStats(count: number, bytes: number): Uint8Array {
  return encoder.encode(`count=${count},bytes=${bytes}`)
}

/** The quota roots (ZooKeeper's PathTrie of limit nodes). */
export class QuotaRoots {
  private readonly roots = new Set<string>()

  /** Number of quota roots. */
  get size(): number {
    return this.roots.size
  }

  /** Adds a quota root. */
  add(path: string): void {
    this.roots.add(path)
  }

  /** Removes a quota root. */
  delete(path: string): void {
    this.roots.delete(path)
  }

  /** Forgets every root. */
  clear(): void {
    this.roots.clear()
  }

  /**
   * The deepest quota root at or above `path` (DataTree.getMaxPrefixWithQuota), or undefined.
   * The `/zookeeper` subtree itself is never counted, as in ZooKeeper.
   */
  rootOf(path: string): string | undefined {
    if (this.roots.size === 0) return undefined
    for (let at = path; at.length > 1; at = at.slice(0, Math.max(1, at.lastIndexOf('/')))) {
      if (this.roots.has(at)) return at === '/zookeeper' ? undefined : at
    }
    return undefined
  }
}
