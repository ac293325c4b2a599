/**
 * A small seeded PRNG (sfc32) for the simulator: every choice of a run flows from one seed, so a
 * seed replays exactly.
 * @module
 */

/** A deterministic random source. */
export class Prng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor(seed: number) {
    this.#a = 0x9e3779b9
    this.#b = 0x243f6a88
    this.#c = 0xb7e15162
    this.#d = (seed ^ 0xdeadbeef) >>> 0
    const high = Math.floor(seed / 2 ** 32)
    this.#c = (this.#c ^ high) >>> 0
    for (let i = 0; i < 15; i++) this.next()
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0
    this.#d = (this.#d + 1) >>> 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) >>> 0
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0
    this.#c = (this.#c + t) >>> 0
    return t / 2 ** 32
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p
  }

  /** One of `items`, chosen uniformly. */
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error('pick from an empty list')
    return item
  }

  /** A new independent generator, for one member's jitter. */
  fork(): Prng {
    return new Prng(Math.floor(this.next() * 2 ** 32) + Math.floor(this.next() * 2 ** 20) * 2 ** 32)
  }
}
