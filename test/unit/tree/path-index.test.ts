import { describe, expect, it } from 'vitest'
import { PathIndex } from '../../../lib/tree/path-index.js'

/** A deterministic pseudo-random source (xorshift32). */
function random(seed: number): () => number {
  let state = seed | 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 0x1_0000_0000
  }
}

describe('PathIndex', () => {
  it('agrees with a Map under random sets, adds, deletes and clears, iteration order included', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed)
      const index = new PathIndex<number>()
      const map = new Map<string, number>()
      const keyCount = 20 + Math.floor(next() * 400)
      for (let step = 0; step < 3_000; step++) {
        const key = `/k${Math.floor(next() * keyCount)}`
        const roll = next()
        if (roll < 0.4) {
          index.set(key, step)
          map.set(key, step)
        } else if (roll < 0.6) {
          const had = map.has(key)
          expect(index.add(key, step)).toBe(!had)
          if (!had) map.set(key, step)
        } else if (roll < 0.7) {
          const hash = index.hashIfAbsent(key)
          expect(hash === undefined).toBe(map.has(key))
          if (hash !== undefined) {
            index.addHashed(key, step, hash)
            map.set(key, step)
          }
        } else if (roll < 0.995) {
          expect(index.delete(key)).toBe(map.delete(key))
        } else {
          index.clear()
          map.clear()
        }
        expect(index.get(key)).toBe(map.get(key))
        expect(index.has(key)).toBe(map.has(key))
        expect(index.size).toBe(map.size)
      }
      expect([...index.entries()]).toEqual([...map.entries()])
      expect([...index.keys()]).toEqual([...map.keys()])
    }
  })

  it('keeps iterators valid across adds, deletes and compactions, as a Map does', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const next = random(seed)
      const index = new PathIndex<number>()
      const map = new Map<string, number>()
      for (let i = 0; i < 500; i++) {
        index.set(`/n${i}`, i)
        map.set(`/n${i}`, i)
      }
      const fromIndex = index.entries()
      const fromMap = map.entries()
      let fresh = 500
      for (;;) {
        const a = fromIndex.next()
        const b = fromMap.next()
        expect(a).toEqual(b)
        if (b.done === true) break
        // Between steps, delete many (forcing compactions) and add some.
        for (let k = 0; k < 6; k++) {
          const key = `/n${Math.floor(next() * fresh)}`
          expect(index.delete(key)).toBe(map.delete(key))
        }
        if (next() < 0.5) {
          index.set(`/n${fresh}`, fresh)
          map.set(`/n${fresh}`, fresh)
          fresh++
        }
      }
    }
  })

  it('ends an iteration under way when cleared, then sees what is added after', () => {
    const index = new PathIndex<number>()
    const map = new Map<string, number>()
    for (const target of [index, map]) {
      target.set('/a', 1)
      target.set('/b', 2)
    }
    const a = index.entries()
    const b = map.entries()
    expect(a.next()).toEqual(b.next())
    index.clear()
    map.clear()
    index.set('/c', 3)
    map.set('/c', 3)
    expect([...a]).toEqual([...b])
  })

  it('holds a hundred thousand keys that share long prefixes, and keeps order when half go', () => {
    const index = new PathIndex<number>()
    const prefix = `/${'p'.repeat(200)}/`
    for (let i = 0; i < 100_000; i++) expect(index.add(`${prefix}${i}`, i)).toBe(true)
    expect(index.add(`${prefix}5`, 0)).toBe(false)
    expect(index.get(`${prefix}99999`)).toBe(99_999)
    for (let i = 0; i < 100_000; i += 2) index.delete(`${prefix}${i}`)
    expect(index.size).toBe(50_000)
    expect(index.get(`${prefix}3`)).toBe(3)
    expect(index.get(`${prefix}4`)).toBeUndefined()
    expect([...index.keys()].slice(0, 3)).toEqual([`${prefix}1`, `${prefix}3`, `${prefix}5`])
  })

  it('keeps entries, values and order across pages of 65,536 positions, through compaction and an iterator under way', () => {
    const index = new PathIndex<number>()
    const count = 3 * 65_536 + 100
    for (let i = 0; i < count; i++) index.set(`/n${i}`, i)
    const walking = index.entries()
    expect(walking.next().value).toEqual(['/n0', 0])
    // Two of every three go: the dense arrays are compacted into fewer pages under the iterator.
    for (let i = 0; i < count; i++) if (i % 3 !== 2) index.delete(`/n${i}`)
    index.set('/n65537', -1)
    index.set('/after', count)
    const kept = Array.from({ length: count }, (_, i) => i).filter((i) => i % 3 === 2)
    expect(index.size).toBe(kept.length + 1)
    for (const i of [2, 65_540, 131_072, kept[kept.length - 1]!]) expect(index.get(`/n${i}`)).toBe(i)
    expect(index.get('/n65537')).toBe(-1)
    expect(index.get('/n65538')).toBeUndefined()
    const rest = [...walking]
    expect(rest.map(([key]) => key)).toEqual([...kept.map((i) => `/n${i}`), '/after'])
    expect(rest.find(([key]) => key === '/n65537')?.[1]).toBe(-1)
  })

  it('draws a new seed when keys collide under the first, and finds every key after', () => {
    const seeds = [1, 2, 3]
    // Under seed 1 every key hashes alike, as keys chosen to collide would.
    const hash = (key: string, seed: number): number => (seed === 1 ? 7 : [...key].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x0100_0193), seed))
    const index = new PathIndex<number>({ hash, seeds: () => seeds.shift() ?? 9 })
    // Half through set, half through hashIfAbsent and addHashed, whose hash must be the new seed's.
    for (let i = 0; i < 2_000; i++) {
      if (i % 2 === 0) index.set(`/c${i}`, i)
      else index.addHashed(`/c${i}`, i, index.hashIfAbsent(`/c${i}`)!)
    }
    expect(index.reseeds).toBe(1)
    for (let i = 0; i < 2_000; i++) expect(index.get(`/c${i}`)).toBe(i)
    expect([...index.keys()]).toHaveLength(2_000)
  })

  it('stays correct, and draws few seeds, when every seed collides', () => {
    const index = new PathIndex<number>({ hash: () => 7 })
    for (let i = 0; i < 3_000; i++) index.set(`/c${i}`, i)
    for (let i = 0; i < 3_000; i += 3) expect(index.delete(`/c${i}`)).toBe(true)
    for (let i = 0; i < 3_000; i++) expect(index.get(`/c${i}`)).toBe(i % 3 === 0 ? undefined : i)
    // At most once per half the entries added: 1,000 then 1,500... of 3,000 adds.
    expect(index.reseeds).toBeLessThanOrEqual(3)
  })
})
