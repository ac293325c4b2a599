/**
 * The tree's index of paths: a hash table of its own in place of a `Map`. At millions of paths a
 * `Map` is slow to add to: each insertion walks a bucket's chain of entries scattered through a
 * table of hundreds of megabytes, and inserting ten million fresh path strings took 13–20 s
 * alone (0.8 µs each at four million, 1.4–2 µs at ten), most of a restore of that many znodes.
 * Here the table is an `Int32Array` of positions into dense arrays of keys, values and hashes, so
 * a probe reads adjacent slots and compares a stored hash before any key, and growing the table
 * moves 4-byte numbers, not entries: the same ten million took 9.4 s, and 1M lookups of fresh
 * strings in them 1.8 s against 2.5 s. The price is at the small end: with a few thousand paths,
 * where a `Map` is all in cache, a lookup computes its hash in JavaScript and costs about 5% of
 * an in-process read more.
 *
 * It keeps what the tree relied on from `Map`: iteration in insertion order, and iterators that
 * stay valid while entries are added and removed (an entry added during an iteration comes later
 * in it, one removed before it is reached does not come). Removed entries leave holes in the dense
 * arrays until holes are half of them; then the arrays are compacted, and the positions removed
 * are kept for iterators still walking the old positions (as V8's own tables do), only as long as
 * such an iterator holds them.
 *
 * The hash is seeded per index, and a probe that walks more than {@link longProbe} slots draws a
 * new seed and rebuilds the table, so that paths chosen to collide cannot make every lookup walk
 * the whole table. The seeds come from the caller (the server draws them at random); this module
 * is pure, so without them it takes a fixed sequence, which a simulation can replay.
 * @module
 */

/**
 * A probe longer than this many slots draws a new seed and rebuilds the table. Far above what a
 * random seed gives: at the largest load, the longest run of used slots in a table of ten million
 * entries is expected to be about 150.
 */
const longProbe = 512
/** The table grows (or is rebuilt) when its used slots would pass this share of it. */
const maxLoad = 0.6
/** Fewer holes than this never compact the dense arrays. */
const compactMin = 64

/**
 * A slot never used. Other slots hold {@link removedSlot}, or an entry: its dense position plus
 * one in the low {@link positionBits} bits, and above them the top bits of its hash, so that a
 * probe passes most other entries without reading their stored hash (in a big table, a read from
 * memory far from the slot).
 */
const emptySlot = 0
/** Bits of a slot that hold a dense position plus one. */
const positionBits = 26
const positionMask = (1 << positionBits) - 1
/** Dense positions stay below this (the tree holds at most 2^24 znodes, and holes are compacted at half). */
const positionsMax = positionMask - 1
/** The hash bits a slot keeps, in place: the top five, shifted to sit above the position. */
function tagOf(hash: number): number {
  return (hash >>> 27) << positionBits
}
/** A slot whose entry was removed: probes walk past it, inserts may take it. */
const removedSlot = -1

/**
 * The dense arrays are kept in pages of this many positions, so that they grow a page at a time:
 * an array grown by copying leaves its old copy to the collector, and at ten million entries the
 * last copies of the keys and values (about 100 MiB) were still garbage in the heap when a
 * server that had just recovered them served its first read.
 */
const pageBits = 16
const pageSize = 1 << pageBits
const pageMask = pageSize - 1
/** Room for hashes the first page starts with; it doubles up to a whole page. */
const firstHashes = 16

/**
 * One layout of the dense arrays. When they are compacted, the old layout gets the positions that
 * were removed, in order, and a link to the new one: an iterator still on the old layout moves its
 * position down by the holes before it.
 */
class Layout {
  next: Layout | null = null
  holes: Int32Array | null = null
}

/** How many of the ascending `holes` are below `position`. */
function holesBelow(holes: Int32Array, position: number): number {
  let low = 0
  let high = holes.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (holes[mid]! < position) low = mid + 1
    else high = mid
  }
  return low
}

/** A fixed sequence of seeds (xorshift32 from a constant), for an index given none. */
function fixedSeeds(): () => number {
  let state = 0x2545_f491
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return state | 0
  }
}

/** FNV-1a over the UTF-16 code units, from the seed, then a final mix. */
function seededHash(key: string, seed: number): number {
  let hash = seed
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x0100_0193)
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85eb_ca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2_ae35)
  return hash ^ (hash >>> 16)
}

/** What a test may replace: the hash and where seeds come from. */
export interface PathIndexOptions {
  /** A 32-bit hash of `key` under `seed`. @defaultValue FNV-1a from the seed, with a final mix */
  hash?: (key: string, seed: number) => number
  /** Draws a seed: random ones keep chosen collisions out. @defaultValue a fixed xorshift32 sequence */
  seeds?: () => number
}

/** Smallest power of two of at least 16 slots that holds `count` entries below {@link maxLoad}. */
function capacityFor(count: number): number {
  let capacity = 16
  while (count >= capacity * maxLoad) capacity *= 2
  return capacity
}

/** A map from path strings to values, in insertion order (see the module comment). */
export class PathIndex<V> {
  private readonly hashOf: (key: string, seed: number) => number
  private readonly seeds: () => number
  private seed: number
  /** Times a long probe drew a new seed. */
  reseeds = 0
  private slots = new Int32Array(16)
  /** Slots holding {@link removedSlot}. */
  private removedSlots = 0
  /** The dense arrays, in pages (see {@link pageBits}): keys (undefined where removed), values and hashes. */
  private keyPages: (string | undefined)[][] = [[]]
  private valuePages: (V | undefined)[][] = [[]]
  private hashPages: Int32Array[] = [new Int32Array(firstHashes)]
  /** Dense positions used, removed ones included. */
  private used = 0
  /** Entries added since the seed was last drawn (a new seed is drawn at most once per half the entries). */
  private addedSinceSeed = 0
  private live = 0
  private holes = 0
  private layout = new Layout()

  constructor(options: PathIndexOptions = {}) {
    this.hashOf = options.hash ?? seededHash
    this.seeds = options.seeds ?? fixedSeeds()
    this.seed = this.seeds()
  }

  /** Number of entries. */
  get size(): number {
    return this.live
  }

  /** The value at `key`, or undefined. */
  get(key: string): V | undefined {
    const slot = this.find(key, this.hash(key))
    if (slot < 0) return undefined
    const position = (this.slots[slot]! & positionMask) - 1
    return this.valuePages[position >>> pageBits]![position & pageMask]
  }

  /** Whether `key` has an entry. */
  has(key: string): boolean {
    return this.find(key, this.hash(key)) >= 0
  }

  /** Sets the value at `key`; a new key comes last in iteration order. */
  set(key: string, value: V): this {
    const seed = this.seed
    const hash = this.hash(key)
    const slot = this.find(key, hash)
    if (slot >= 0) {
      const position = (this.slots[slot]! & positionMask) - 1
      this.valuePages[position >>> pageBits]![position & pageMask] = value
    } else this.insert(key, value, seed === this.seed ? hash : this.hash(key))
    return this
  }

  /** Adds an entry at `key` unless it has one: false, and nothing changed, when it had. */
  add(key: string, value: V): boolean {
    const hash = this.hashIfAbsent(key)
    if (hash === undefined) return false
    this.insert(key, value, hash)
    return true
  }

  /**
   * The hash `key` is to be added under, or undefined when it has an entry. With
   * {@link addHashed}, a check that comes before making the value, and the add after, hash the key
   * once.
   */
  hashIfAbsent(key: string): number | undefined {
    const seed = this.seed
    const hash = this.hash(key)
    if (this.find(key, hash) >= 0) return undefined
    // The lookup may have drawn a new seed.
    return seed === this.seed ? hash : this.hash(key)
  }

  /** Adds `key` under the hash {@link hashIfAbsent} just gave for it; the index must not have changed since. */
  addHashed(key: string, value: V, hash: number): void {
    this.insert(key, value, hash)
  }

  /** Removes the entry at `key`; false when there was none. */
  delete(key: string): boolean {
    const slot = this.find(key, this.hash(key))
    if (slot < 0) return false
    const position = (this.slots[slot]! & positionMask) - 1
    this.slots[slot] = removedSlot
    this.removedSlots++
    this.keyPages[position >>> pageBits]![position & pageMask] = undefined
    this.valuePages[position >>> pageBits]![position & pageMask] = undefined
    this.live--
    this.holes++
    if (this.holes >= compactMin && this.holes * 2 > this.used) this.compact()
    return true
  }

  /** Removes every entry; iterators under way end. */
  clear(): void {
    const old = this.layout
    old.holes = Int32Array.from({ length: this.used }, (_, position) => position)
    this.layout = old.next = new Layout()
    this.keyPages = [[]]
    this.valuePages = [[]]
    this.hashPages = [new Int32Array(firstHashes)]
    this.used = 0
    this.slots = new Int32Array(16)
    this.removedSlots = 0
    this.live = 0
    this.holes = 0
  }

  /** The keys, in insertion order; valid across changes (see the module comment). */
  *keys(): Generator<string, void, undefined> {
    for (const [key] of this.entries()) yield key
  }

  /** The entries, in insertion order; valid across changes (see the module comment). */
  *entries(): Generator<[string, V], void, undefined> {
    let layout = this.layout
    let position = 0
    for (;;) {
      while (layout.next !== null) {
        position -= holesBelow(layout.holes!, position)
        layout = layout.next
      }
      if (position >= this.used) return
      const key = this.keyPages[position >>> pageBits]![position & pageMask]
      const value = this.valuePages[position >>> pageBits]![position & pageMask]
      position++
      if (key !== undefined) yield [key, value as V]
    }
  }

  /** The slot holding `key`, or -1. */
  private find(key: string, hash: number): number {
    const slots = this.slots
    const mask = slots.length - 1
    const tag = tagOf(hash)
    let slot = hash & mask
    for (let walked = 0; ; walked++) {
      const held = slots[slot]!
      if (held === emptySlot) return -1
      if (held > 0 && (held & ~positionMask) === tag && this.holds((held & positionMask) - 1, key, hash)) return slot
      slot = (slot + 1) & mask
      if (walked === longProbe && this.addedSinceSeed * 2 >= this.live) return this.findAfterReseed(key)
    }
  }

  /**
   * A probe walked too far: new seed, rebuilt table, and the lookup again. At most once per half
   * the entries added, so that it costs each entry a constant on average whatever the keys.
   */
  private findAfterReseed(key: string): number {
    this.seed = this.seeds()
    this.addedSinceSeed = 0
    this.reseeds++
    for (let position = 0; position < this.used; position++) {
      const held = this.keyPages[position >>> pageBits]![position & pageMask]
      if (held !== undefined) this.hashPages[position >>> pageBits]![position & pageMask] = this.hash(held)
    }
    this.rebuild(this.slots.length)
    // No entry was added under the new seed, so this lookup cannot draw another.
    return this.find(key, this.hash(key))
  }

  /** Whether dense `position` holds `key`, whose hash is `hash`. */
  private holds(position: number, key: string, hash: number): boolean {
    return this.hashPages[position >>> pageBits]![position & pageMask] === hash && this.keyPages[position >>> pageBits]![position & pageMask] === key
  }

  /** Adds `key`, which has no entry, with its hash under the current seed. */
  private insert(key: string, value: V, hash: number): void {
    if (this.used >= positionsMax) {
      if (this.holes === 0) throw new RangeError(`a PathIndex holds at most ${positionsMax} entries`)
      this.compact()
    }
    if (this.live + this.removedSlots + 1 >= this.slots.length * maxLoad) this.rebuild(capacityFor(this.live + 1))
    const position = this.used++
    this.append(position, key, value, hash)
    this.live++
    this.addedSinceSeed++
    this.place(hash, position)
  }

  /** Puts dense `position` in the first free slot of `hash`'s probe. */
  private place(hash: number, position: number): void {
    const slots = this.slots
    const mask = slots.length - 1
    let slot = hash & mask
    while (slots[slot]! > 0) slot = (slot + 1) & mask
    if (slots[slot] === removedSlot) this.removedSlots--
    slots[slot] = tagOf(hash) | (position + 1)
  }

  /** A fresh table of `capacity` slots holding every entry (and no removed slots). */
  private rebuild(capacity: number): void {
    this.slots = new Int32Array(capacity)
    this.removedSlots = 0
    for (let position = 0; position < this.used; position++) {
      const page = position >>> pageBits
      const at = position & pageMask
      if (this.keyPages[page]![at] !== undefined) this.place(this.hashPages[page]![at]!, position)
    }
  }

  /** Puts an entry at dense `position`, the next one, adding a page or room in the last as needed. */
  private append(position: number, key: string, value: V, hash: number): void {
    const page = position >>> pageBits
    const at = position & pageMask
    if (at === 0 && page > 0) {
      this.keyPages.push([])
      this.valuePages.push([])
      this.hashPages.push(new Int32Array(pageSize))
    }
    this.keyPages[page]!.push(key)
    this.valuePages[page]!.push(value)
    let hashes = this.hashPages[page]!
    if (at === hashes.length) {
      hashes = new Int32Array(Math.min(pageSize, at * 2))
      hashes.set(this.hashPages[page]!)
      this.hashPages[page] = hashes
    }
    hashes[at] = hash
  }

  /** Drops the holes from the dense arrays, keeping the order; iterators follow (see {@link Layout}). */
  private compact(): void {
    const holes = new Int32Array(this.holes)
    const keyPages = this.keyPages
    const valuePages = this.valuePages
    const hashPages = this.hashPages
    const used = this.used
    this.keyPages = [[]]
    this.valuePages = [[]]
    this.hashPages = [new Int32Array(firstHashes)]
    this.used = 0
    let found = 0
    for (let position = 0; position < used; position++) {
      const page = position >>> pageBits
      const at = position & pageMask
      const key = keyPages[page]![at]
      if (key === undefined) {
        holes[found++] = position
        continue
      }
      this.append(this.used++, key, valuePages[page]![at] as V, hashPages[page]![at]!)
    }
    const old = this.layout
    old.holes = holes
    this.layout = old.next = new Layout()
    this.holes = 0
    this.rebuild(capacityFor(this.live))
  }

  private hash(key: string): number {
    return this.hashOf(key, this.seed)
  }
}
