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

/** One level of {@link QuotaRoots}: the names below it, and whether a quota root ends here. */
interface TrieNode {
  root: boolean
  readonly children: Map<string, TrieNode>
}

const trieNode = (): TrieNode => ({ root: false, children: new Map() })

/**
 * The quota roots (ZooKeeper's PathTrie of limit nodes): a trie of path components, so finding
 * the deepest root above a path costs one step per component, whatever the depth and the number
 * of roots, and hashes no long prefix strings.
 */
export class QuotaRoots {
  private top = trieNode()
  private count = 0

  /** Number of quota roots. */
  get size(): number {
    return this.count
  }

  /** Adds a quota root. */
  add(path: string): void {
    let at = this.top
    for (const name of components(path)) {
      let next = at.children.get(name)
      if (next === undefined) at.children.set(name, (next = trieNode()))
      at = next
    }
    if (!at.root) this.count++
    at.root = true
  }

  /** Removes a quota root (the trie keeps its empty levels: roots are few and rarely removed). */
  delete(path: string): void {
    let at: TrieNode | undefined = this.top
    for (const name of components(path)) {
      at = at.children.get(name)
      if (at === undefined) return
    }
    if (at.root) this.count--
    at.root = false
  }

  /** Forgets every root. */
  clear(): void {
    this.top = trieNode()
    this.count = 0
  }

  /**
   * The deepest quota root at or above `path` (DataTree.getMaxPrefixWithQuota), or undefined.
   * The `/zookeeper` subtree itself is never counted, as in ZooKeeper.
   */
  rootOf(path: string): string | undefined {
    if (this.count === 0) return undefined
    let at = this.top
    let deepest = -1
    let end = 0
    for (const name of components(path)) {
      const next = at.children.get(name)
      if (next === undefined) break
      at = next
      end += 1 + name.length
      if (at.root) deepest = end
    }
    // The root `/` itself is never a quota root here: ZooKeeper ignores a limit node directly under /zookeeper/quota.
    if (deepest <= 0) return undefined
    const root = path.slice(0, deepest)
    return root === '/zookeeper' ? undefined : root
  }
}

/** The names of `path`'s components in order (`/a/b` → a, b); none for `/`. */
function* components(path: string): Generator<string> {
  for (let start = 1; start < path.length; ) {
    const slash = path.indexOf('/', start)
    const end = slash < 0 ? path.length : slash
    yield path.slice(start, end)
    start = end + 1
  }
}
