// Method: the pure quota functions on hand-written inputs. The StatsTrack texts are the ones
// ZooKeeper 3.8's setquota writes (checked with zkCli.sh in test/integration/cli/shell-quota.test.ts),
// and the verdicts follow ZooKeeperServer.checkQuota case by case: soft vs hard, a figure the
// write does not change, a write that shrinks data while over the limit.
import { describe, expect, it } from 'vitest'
import { formatStats, namespaceOf, parseStats, PendingUsage, QuotaLog, quotaByNamespace, quotaExcesses, quotaExcessLine, quotaLogIntervalMs, type QuotaStats } from '../../../lib/tree/quota.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const str = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('StatsTrack text', () => {
  it('reads the stat node, the 3.4 limit node and the 3.7+ limit node with its hard limits', () => {
    expect(parseStats(text('count=2,bytes=8'))).toEqual({ count: 2, bytes: 8 })
    expect(parseStats(text('count=5,bytes=-1'))).toEqual({ count: 5, bytes: -1 })
    expect(parseStats(text('count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=10'))).toEqual({ count: -1, bytes: -1, byteHardLimit: -1, countHardLimit: 10 })
  })

  it('reads as StatsTrack does: either separator, missing figures -1, empty values -1, unknown keys skipped', () => {
    expect(parseStats(text('countHardLimit=3'))).toEqual({ count: -1, bytes: -1, countHardLimit: 3 })
    expect(parseStats(text('bytes=7;count=1,,;other=9'))).toEqual({ count: 1, bytes: 7 })
    expect(parseStats(text('count==4,bytes=+5'))).toEqual({ count: -1, bytes: 5 })
    expect(parseStats(text(''))).toEqual({ count: -1, bytes: -1 })
  })

  it('refuses text that is not a quota node\'s: a pair without `=`, a value that is not an integer', () => {
    expect(parseStats(text('garbage'))).toBeUndefined()
    expect(parseStats(text('count=1.5,bytes=0'))).toBeUndefined()
    expect(parseStats(text('count=x'))).toBeUndefined()
  })

  it('writes count and bytes first, then the named hard limits sorted by name after `=;`', () => {
    expect(str(formatStats({ count: 3, bytes: 6 }))).toBe('count=3,bytes=6')
    expect(str(formatStats({ count: 5, bytes: -1, countHardLimit: -1, byteHardLimit: -1 }))).toBe('count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1')
    expect(str(formatStats({ count: -1, bytes: -1, countHardLimit: 10 }))).toBe('count=-1,bytes=-1=;countHardLimit=10')
  })

  it('round-trips every text setquota writes', () => {
    for (const written of ['count=0,bytes=0', 'count=5,bytes=-1=;byteHardLimit=-1;countHardLimit=-1', 'count=-1,bytes=-1=;byteHardLimit=100;countHardLimit=-1']) {
      expect(str(formatStats(parseStats(text(written)) as QuotaStats))).toBe(written)
    }
  })
})

describe('quotaExcesses (ZooKeeperServer.checkQuota)', () => {
  const usage = { count: 3, bytes: 10 }

  it('holds a figure to its hard limit when one is set, else its soft limit, and only past it', () => {
    expect(quotaExcesses({ count: 3, bytes: -1 }, usage, 1, 0)).toEqual([{ what: 'count', hard: false, limit: 3, value: 4 }])
    expect(quotaExcesses({ count: 10, bytes: -1, countHardLimit: 3 }, usage, 1, 0)).toEqual([{ what: 'count', hard: true, limit: 3, value: 4 }])
    // A hard limit shadows the soft one: a soft limit below the usage is not reported then.
    expect(quotaExcesses({ count: 1, bytes: -1, countHardLimit: 4 }, usage, 1, 0)).toEqual([])
    expect(quotaExcesses({ count: 4, bytes: -1 }, usage, 1, 0)).toEqual([])
  })

  it('checks bytes after count, and neither when the write leaves the figure unchanged', () => {
    const limits = { count: -1, bytes: -1, countHardLimit: 3, byteHardLimit: 12 }
    expect(quotaExcesses(limits, usage, 1, 5)).toEqual([
      { what: 'count', hard: true, limit: 3, value: 4 },
      { what: 'bytes', hard: true, limit: 12, value: 15 },
    ])
    expect(quotaExcesses(limits, usage, 0, 0)).toEqual([])
    expect(quotaExcesses({ count: -1, bytes: -1, countHardLimit: 3 }, usage, 0, 100)).toEqual([])
  })

  it('refuses a setData that shrinks the data while the subtree stays over a hard limit, as ZooKeeper does', () => {
    expect(quotaExcesses({ count: -1, bytes: -1, byteHardLimit: 5 }, usage, 0, -2)).toEqual([{ what: 'bytes', hard: true, limit: 5, value: 8 }])
    expect(quotaExcesses({ count: -1, bytes: -1, byteHardLimit: 8 }, usage, 0, -2)).toEqual([])
  })

  it('takes a hard byte limit of 0: any data is too much, an empty node is not', () => {
    const limits = { count: -1, bytes: -1, byteHardLimit: 0 }
    expect(quotaExcesses(limits, { count: 1, bytes: 0 }, 1, 0)).toEqual([])
    expect(quotaExcesses(limits, { count: 1, bytes: 0 }, 1, 1)).toEqual([{ what: 'bytes', hard: true, limit: 0, value: 1 }])
  })

  it('words the log line as ZooKeeper does', () => {
    expect(quotaExcessLine('/app', { what: 'count', hard: false, limit: 5, value: 6 })).toBe('Quota exceeded: /app [current count=6, softCountLimit=5]')
    expect(quotaExcessLine('/app', { what: 'bytes', hard: true, limit: 10, value: 12 })).toBe('Quota exceeded: /app [current bytes=12, hardByteLimit=10]')
  })
})

describe('PendingUsage', () => {
  it('sums the changes in flight by root and forgets a root once they cancel out', () => {
    const pending = new PendingUsage()
    const a = { root: '/a', count: 1, bytes: 5 }
    const b = { root: '/a', count: -1, bytes: -2 }
    pending.add(a)
    pending.add(b)
    pending.add({ root: '/b', count: 1, bytes: 1 })
    expect(pending.of('/a')).toEqual({ count: 0, bytes: 3 })
    pending.remove(a)
    pending.remove(b)
    expect(pending.of('/a')).toEqual({ count: 0, bytes: 0 })
    pending.clear()
    expect(pending.of('/b')).toEqual({ count: 0, bytes: 0 })
  })
})

describe('QuotaLog', () => {
  it('prints at most one line per quota root per interval and says how many it left out', () => {
    const lines: string[] = []
    const log = new QuotaLog((line) => lines.push(line))
    log.log('/a', 'first', 1000)
    log.log('/a', 'second', 1000 + quotaLogIntervalMs - 1)
    log.log('/b', 'other root', 1000 + quotaLogIntervalMs - 1)
    log.log('/a', 'third', 1000 + quotaLogIntervalMs - 1)
    log.log('/a', 'fourth', 1000 + quotaLogIntervalMs)
    log.log('/a', 'fifth', 1000 + quotaLogIntervalMs + 1)
    expect(lines).toEqual(['first', 'other root', 'fourth (2 more lines of this quota left out since the last one)'])
  })

  it('keeps a bounded memory of roots', () => {
    const lines: string[] = []
    const log = new QuotaLog((line) => lines.push(line))
    for (let i = 0; i < 5000; i++) log.log(`/r${i}`, `line ${i}`, i * quotaLogIntervalMs)
    expect(lines).toHaveLength(5000)
    expect((log as unknown as { roots: Map<string, unknown> }).roots.size).toBeLessThanOrEqual(1024)
  })
})

describe('quotaByNamespace (QuotaMetricsUtils)', () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s)
  /** A tree view over `nodes` (path → data; a node's children are the paths one level below it). */
  function view(nodes: Record<string, string>) {
    const paths = Object.keys(nodes)
    const childCount = (path: string) => paths.filter((p) => p.startsWith(`${path}/`) && !p.slice(path.length + 1).includes('/')).length
    return {
      forEachInSubtree(root: string, visit: (path: string, node: { data: Uint8Array; numChildren: number }) => void) {
        for (const path of paths) if (path === root || path.startsWith(`${root}/`)) visit(path, { data: text(nodes[path] ?? ''), numChildren: childCount(path) })
      },
    }
  }

  it('sums each namespace\'s limits (hard over soft) and usage over its quota roots, from leaf nodes only', () => {
    const figures = quotaByNamespace(view({
      '/zookeeper/quota': '',
      '/zookeeper/quota/app': '',
      '/zookeeper/quota/app/a': '',
      '/zookeeper/quota/app/a/zookeeper_limits': 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=2',
      '/zookeeper/quota/app/a/zookeeper_stats': 'count=2,bytes=5',
      '/zookeeper/quota/app/b': '',
      '/zookeeper/quota/app/b/zookeeper_limits': 'count=5,bytes=100',
      '/zookeeper/quota/app/b/zookeeper_stats': 'count=2,bytes=4',
      '/zookeeper/quota/other': '',
      '/zookeeper/quota/other/zookeeper_limits': 'count=10,bytes=-1',
      '/zookeeper/quota/other/zookeeper_stats': 'not a quota text',
    }))
    expect(Object.fromEntries(figures)).toEqual({
      app: { countLimit: 7, bytesLimit: 99, countUsage: 4, bytesUsage: 9 },
      other: { countLimit: 10, bytesLimit: -1, countUsage: 0, bytesUsage: 0 },
    })
  })

  it('is empty without a quota subtree, and names a path\'s namespace by its first component', () => {
    expect(quotaByNamespace(view({ '/a': '' })).size).toBe(0)
    expect(namespaceOf('/app/x/y')).toBe('app')
    expect(namespaceOf('/')).toBeUndefined()
  })
})
