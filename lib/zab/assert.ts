/**
 * Invariant assertions for the ZAB core. They stay on in production: a broken invariant means the
 * algorithm (or its driver) is wrong, and continuing would risk replicating a corrupt history.
 * Operating errors (lost peers, stale messages, bad timing) are handled, never asserted.
 * @module
 */

/** A broken ZAB invariant: a programmer error in the core or in the runtime that drives it. */
export class ZabInvariantError extends Error {
  override readonly name = 'ZabInvariantError'
}

/**
 * Throws {@link ZabInvariantError} with `message` when `condition` is false. On hot paths pass the
 * message as a function, so it is only formatted when the assertion fails.
 */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new ZabInvariantError(typeof message === 'string' ? message : message())
}

/** Throws {@link ZabInvariantError}: for hot paths, as `if (!condition) invariantBroken(\`...\`)`. */
export function invariantBroken(message: string): never {
  throw new ZabInvariantError(message)
}
