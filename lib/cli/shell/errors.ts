/**
 * The two ways a shell command fails on its own (ZooKeeper errors aside).
 * @module
 */

/** A command failed with a line of its own (printed verbatim on stderr). */
export class ShellError extends Error {}

/** A command was given the wrong arguments: its usage line is printed. */
export class UsageError extends Error {}
