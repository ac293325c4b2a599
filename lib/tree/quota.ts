/**
 * Quota bookkeeping, as ZooKeeper's DataTree keeps it (`Quotas`, `StatsTrack`, the path trie):
 * `/zookeeper/quota/<path>/zookeeper_limits` marks `<path>` as a quota root and holds its limits,
 * and the tree keeps `/zookeeper/quota/<path>/zookeeper_stats` at `count=<nodes>,bytes=<data bytes>`
 * of that subtree (the root included) as transactions apply. Also the rules ZooKeeperServer's
 * checkQuota applies to a write (hard limits refuse, soft limits log), and the usage of writes in
 * flight that prep adds to the stat nodes'. Pure: the tree and prep call it.
 * @module
 */

/** Where quota nodes live. */
export const quotaRoot = '/zookeeper/quota'
/** The node holding a quota's limits. */
export const limitNode = 'zookeeper_limits'
/** The node the tree keeps the subtree's usage in. */
export const statNode = 'zookeeper_stats'

/** The quota root and a slash: the start of every quota directory's path. */
const quotaDirectory = `${quotaRoot}/`

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/**
 * The quota path a node directly under a quota directory names (`/zookeeper/quota/a/b` → `/a/b`),
 * or undefined when `parent` is not under the quota root or names nothing (ZooKeeper ignores a
 * limit or stat node directly under `/zookeeper/quota`).
 */
export function quotaPathOf(parent: string): string | undefined {
  if (!parent.startsWith(quotaDirectory)) return undefined
  return parent.slice(quotaRoot.length)
}

/** The stat node of quota root `path`. */
export const statPathOf = (path: string): string => `${quotaRoot}${path}/${statNode}`

/** The limit node of quota root `path`. */
export const limitPathOf = (path: string): string => `${quotaRoot}${path}/${limitNode}`

/**
 * The figures of a quota node, as ZooKeeper's StatsTrack holds them; -1 means "not set". A stat
 * node holds the subtree's usage in `count` and `bytes`; a limit node holds the soft limits there
 * and the hard limits in `countHardLimit` and `byteHardLimit`, which only nodes written by ZooKeeper
 * 3.7 and later (or Paddock) name at all.
 */
export interface QuotaStats {
  /** Nodes: the usage (stat node) or the soft limit (limit node). */
  count: number
  /** Data bytes: the usage (stat node) or the soft limit (limit node). */
  bytes: number
  /** The hard limit on nodes, when the text names it. */
  countHardLimit?: number
  /** The hard limit on data bytes, when the text names it. */
  byteHardLimit?: number
}

/** The hard-limit keys of {@link QuotaStats}, in the order StatsTrack writes them (sorted by name). */
const hardLimitKeys = ['byteHardLimit', 'countHardLimit'] as const

/**
 * A quota node's text read as StatsTrack reads it: `key=value` pairs separated by `,` or `;`
 * (`count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=10`), an empty value standing for -1, text
 * after a second `=` ignored, unknown keys skipped, `count` and `bytes` -1 when absent. Undefined
 * when a pair has no `=` or a value is not an integer: the text is not a quota node's.
 */
export function parseStats(data: Uint8Array): QuotaStats | undefined {
  const stats: QuotaStats = { count: -1, bytes: -1 }
  for (const pair of decoder.decode(data).split(/[,;]+/)) {
    if (pair === '') continue
    const [key = '', text] = pair.split('=')
    if (text === undefined) return undefined
    const value = text === '' ? -1 : /^[+-]?\d+$/.test(text) ? Number(text) : NaN
    if (Number.isNaN(value)) return undefined
    if (key === 'count' || key === 'bytes' || key === 'countHardLimit' || key === 'byteHardLimit') stats[key] = value
  }
  return stats
}

/**
 * The text StatsTrack writes for `stats`: `count` and `bytes` first, then, when a hard limit is
 * named, a `=` and each named one after a `;`, sorted by name. The odd `=` and `;` keep the text
 * readable by ZooKeeper 3.4's parser, which reads only the first two figures.
 */
export function formatStats(stats: QuotaStats): Uint8Array {
  let text = `count=${stats.count},bytes=${stats.bytes}`
  const named = hardLimitKeys.filter((key) => stats[key] !== undefined)
  if (named.length > 0) text += '=' + named.map((key) => `;${key}=${stats[key] ?? -1}`).join('')
  return encoder.encode(text)
}

/** One limit a write would take its quota root past. */
export interface QuotaExcess {
  /** Which figure: nodes or data bytes. */
  what: 'count' | 'bytes'
  /** Whether the limit is a hard one (the write is refused) or a soft one (the write is only logged). */
  hard: boolean
  /** The limit. */
  limit: number
  /** The figure the write would leave. */
  value: number
}

/** The limit a figure is held to: its hard limit when one is set, else its soft one (-1: none). */
function limitOf(soft: number, hard: number | undefined): { limit: number; hard: boolean } {
  return hard !== undefined && hard > -1 ? { limit: hard, hard: true } : { limit: soft, hard: false }
}

/**
 * The limits a write adding `countDiff` nodes and `bytesDiff` data bytes under a quota root would
 * exceed, nodes first, as ZooKeeperServer.checkQuota decides: a figure the write does not change
 * is not checked; one it changes is held to its hard limit when one is set, else to its soft
 * limit, and exceeds it when the new figure is above it (a write that shrinks data is checked
 * too, and exceeds while the usage stays above the limit).
 */
export function quotaExcesses(limits: QuotaStats, usage: QuotaStats, countDiff: number, bytesDiff: number): QuotaExcess[] {
  const found: QuotaExcess[] = []
  const figures = [
    { what: 'count', diff: countDiff, used: usage.count, ...limitOf(limits.count, limits.countHardLimit) },
    { what: 'bytes', diff: bytesDiff, used: usage.bytes, ...limitOf(limits.bytes, limits.byteHardLimit) },
  ] as const
  for (const { what, diff, used, limit, hard } of figures) {
    if (diff === 0 || limit < 0) continue
    const value = used + diff
    if (value > limit) found.push({ what, hard, limit, value })
  }
  return found
}

/** The log line of an excess: `Quota exceeded: /app [current count=6, hardCountLimit=5]`, as ZooKeeper words it. */
export function quotaExcessLine(root: string, excess: QuotaExcess): string {
  const kind = excess.hard ? 'hard' : 'soft'
  const limitName = excess.what === 'count' ? 'CountLimit' : 'ByteLimit'
  return `Quota exceeded: ${root} [current ${excess.what}=${excess.value}, ${kind}${limitName}=${excess.limit}]`
}

/** A change of a quota root's usage that a write in flight will make once it applies. */
export interface UsageChange {
  /** The quota root whose stat node the write changes. */
  readonly root: string
  /** Nodes added (negative: removed). */
  readonly count: number
  /** Data bytes added (negative: removed). */
  readonly bytes: number
}

/**
 * The usage changes of the writes in flight, summed by quota root: what the stat nodes will show
 * once those writes apply, over what they show now.
 */
export class PendingUsage {
  private readonly byRoot = new Map<string, { count: number; bytes: number }>()

  /** Counts a change in flight. */
  add(change: UsageChange): void {
    const sum = this.byRoot.get(change.root) ?? { count: 0, bytes: 0 }
    sum.count += change.count
    sum.bytes += change.bytes
    this.byRoot.set(change.root, sum)
  }

  /** Stops counting a change (it applied, or it never will). */
  remove(change: UsageChange): void {
    const sum = this.byRoot.get(change.root)
    if (sum === undefined) return
    sum.count -= change.count
    sum.bytes -= change.bytes
    if (sum.count === 0 && sum.bytes === 0) this.byRoot.delete(change.root)
  }

  /** The sum of the changes in flight under `root`. */
  of(root: string): { count: number; bytes: number } {
    return this.byRoot.get(root) ?? { count: 0, bytes: 0 }
  }

  /** Forgets every change. */
  clear(): void {
    this.byRoot.clear()
  }
}

/** Least time between two log lines of one quota root, ms; the lines in between are counted, not printed. */
export const quotaLogIntervalMs = 1000

/** Quota roots {@link QuotaLog} remembers before it forgets those whose interval has passed. */
const quotaLogRootsMax = 1024

/**
 * Quota log lines, at most one per quota root per {@link quotaLogIntervalMs} (ZooKeeper
 * rate-limits them too): a line within the interval of the root's last one printed is counted,
 * and the root's next line printed says how many were left out.
 */
export class QuotaLog {
  private readonly roots = new Map<string, { lastAt: number; skipped: number }>()

  /** Creates a log that prints through `write`. */
  constructor(private readonly write: (line: string) => void) {}

  /** Logs `line` about quota root `root` at `now` (ms), unless the root's last line was printed less than the interval before. */
  log(root: string, line: string, now: number): void {
    const last = this.roots.get(root)
    if (last !== undefined && now >= last.lastAt && now - last.lastAt < quotaLogIntervalMs) {
      last.skipped++
      return
    }
    const skipped = last?.skipped ?? 0
    this.write(skipped === 0 ? line : `${line} (${skipped} more lines of this quota left out since the last one)`)
    if (last === undefined && this.roots.size >= quotaLogRootsMax) this.forgetQuiet(now)
    this.roots.set(root, { lastAt: now, skipped: 0 })
  }

  /** Forgets the roots whose last line is older than the interval (their next line prints anyway). */
  private forgetQuiet(now: number): void {
    for (const [root, last] of this.roots) if (now - last.lastAt >= quotaLogIntervalMs) this.roots.delete(root)
  }
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
   * A quota on `/zookeeper` itself is never counted (ZooKeeper would count one; Paddock's
   * `setquota` refuses to set it), so the quota nodes' own writes never count against a quota.
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

/** One namespace's quota figures, as ZooKeeper's per-namespace quota gauges report them. */
export interface NamespaceQuota {
  /** The node limits of its quota roots, summed: each root's hard limit when set, else its soft one. */
  countLimit: number
  /** The data-byte limits of its quota roots, summed the same way. */
  bytesLimit: number
  /** Nodes under its quota roots (their stat nodes' counts, summed). */
  countUsage: number
  /** Data bytes under its quota roots (their stat nodes' bytes, summed). */
  bytesUsage: number
}

/** The part of a tree {@link quotaByNamespace} reads. */
export interface QuotaTreeView {
  /** Visits `path` and every node below it. */
  forEachInSubtree(path: string, visit: (path: string, node: { readonly data: Uint8Array; readonly numChildren: number }) => void): void
}

/**
 * The quota figures of each top-level namespace (`/app/x` and `/app/y` both count for `app`), as
 * ZooKeeper's QuotaMetricsUtils gathers them: every leaf under `/zookeeper/quota` named
 * `zookeeper_limits` adds its limit (hard when set, else soft) and every leaf named
 * `zookeeper_stats` its usage to the namespace of the path it sits under. A node whose text is not
 * a quota node's is skipped.
 */
export function quotaByNamespace(tree: QuotaTreeView): Map<string, NamespaceQuota> {
  const found = new Map<string, NamespaceQuota>()
  tree.forEachInSubtree(quotaRoot, (path, node) => {
    if (node.numChildren > 0) return
    const kind = path.endsWith(`/${limitNode}`) ? 'limit' : path.endsWith(`/${statNode}`) ? 'stat' : undefined
    const namespace = namespaceOf(path.slice(quotaRoot.length))
    const stats = kind === undefined || namespace === undefined ? undefined : parseStats(node.data)
    if (stats === undefined || namespace === undefined) return
    let figures = found.get(namespace)
    if (figures === undefined) found.set(namespace, (figures = { countLimit: 0, bytesLimit: 0, countUsage: 0, bytesUsage: 0 }))
    if (kind === 'limit') {
      figures.countLimit += limitOf(stats.count, stats.countHardLimit).limit
      figures.bytesLimit += limitOf(stats.bytes, stats.byteHardLimit).limit
    } else {
      figures.countUsage += stats.count
      figures.bytesUsage += stats.bytes
    }
  })
  return found
}

/** The namespace a path counts for in the per-namespace quota figures: its first component (`/app/x` → `app`). */
export function namespaceOf(path: string): string | undefined {
  const first = path.split('/')[1]
  return first === undefined || first === '' ? undefined : first
}
