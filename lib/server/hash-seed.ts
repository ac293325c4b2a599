/**
 * Seeds for the hash of a tree's index of paths (lib/tree/path-index.ts), drawn at random here,
 * outside the pure tree.
 * @module
 */
import { randomBytes } from 'node:crypto'

/**
 * A random seed for the hash of a tree's index of paths: a client that could know the seed could
 * choose paths that collide under it, and make every lookup among them walk the table.
 */
export function randomHashSeed(): number {
  return randomBytes(4).readInt32LE(0)
}
