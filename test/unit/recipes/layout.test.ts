// Method: the naming and ordering helpers checked against dumb models of Curator's and kazoo's
// sort keys (StandardLockInternalsDriver.fixForSorting, kazoo Lock._get_sorted_children) on
// seeded random names.
import { describe, expect, it } from 'vitest'
import { curatorProtectedPrefix, sortBySequence } from '../../../lib/recipes/internal/nodes.js'

/** Curator: the text after the last occurrence of the lock name, or the whole name. */
function curatorKey(name: string, lockName: string): string {
  const index = name.lastIndexOf(lockName)
  return index >= 0 ? name.slice(index + lockName.length) : name
}

/** kazoo: `c[c.find(lockname) + len(lockname):]`, where find returns -1 when absent. */
function kazooKey(name: string): string {
  return name.slice(name.indexOf('__lock__') + '__lock__'.length)
}

function byKey(names: string[], key: (name: string) => string): string[] {
  return [...names].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
}

function seeded(seed: number): () => number {
  let state = seed
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
}

const hex = (random: () => number, length: number): string => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('')
const uuid = (random: () => number): string => `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`
const seq = (n: number): string => String(n).padStart(10, '0')

describe('lock node ordering', () => {
  it('orders Curator-layout names as Curator does, for 100 seeded sets', () => {
    const random = seeded(11)
    for (let set = 0; set < 100; set++) {
      const names = Array.from({ length: 8 }, (_, i) => `${curatorProtectedPrefix(uuid(random))}lock-${seq(Math.floor(random() * 1e9) * 10 + i)}`)
      expect(sortBySequence(names)).toEqual(byKey(names, (name) => curatorKey(name, 'lock-')))
    }
  })

  it('orders kazoo-layout names as kazoo does, for 100 seeded sets', () => {
    const random = seeded(12)
    for (let set = 0; set < 100; set++) {
      const names = Array.from({ length: 8 }, (_, i) => `${hex(random, 32)}__lock__${seq(Math.floor(random() * 1e9) * 10 + i)}`)
      expect(sortBySequence(names)).toEqual(byKey(names, kazooKey))
    }
  })

  it('orders mixed read and write nodes by sequence, as Curator keys __READ__ and __WRIT__ names', () => {
    const names = [`_c_${uuid(seeded(1))}-__WRIT__${seq(3)}`, `_c_${uuid(seeded(2))}-__READ__${seq(1)}`, `_c_${uuid(seeded(3))}-__READ__${seq(2)}`]
    const curator = (name: string): string => curatorKey(curatorKey(name, '__READ__'), '__WRIT__')
    expect(sortBySequence(names)).toEqual(byKey(names, curator))
  })

  it('shows why Curator and kazoo layouts must not share a path: kazoo puts itself ahead of an older Curator node', () => {
    const curatorNode = `${curatorProtectedPrefix('53345f98-9423-4e0c-a7b5-9f819e3ec2e1')}lock-${seq(1)}`
    const kazooNode = `${'ab'.repeat(16)}__lock__${seq(2)}`
    expect(sortBySequence([kazooNode, curatorNode])).toEqual([curatorNode, kazooNode])
    expect(byKey([curatorNode, kazooNode], kazooKey)).toEqual([kazooNode, curatorNode])
  })

  it('makes protected prefixes in Curator format: _c_ + 36-character UUID + -', () => {
    expect(curatorProtectedPrefix()).toMatch(/^_c_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-$/)
  })
})
