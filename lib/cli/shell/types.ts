/**
 * The types the shell and its commands share. They live apart from both so that `commands.ts`
 * (which needs the shell's side of the contract) and `shell.ts` (which runs the commands) do not
 * import each other.
 * @module
 */
import type { WatchedEvent, ZooKeeperClient } from '../../index.js'

/** How a command ended. */
export type CommandOutcome = 'ok' | 'failed' | 'notFound' | 'quit'

/** Where the shell writes: whole lines to stdout and stderr. */
export interface ShellOutput {
  /** A line (or lines) for stdout, without the trailing newline. */
  out(text: string): void
  /** A line (or lines) for stderr, without the trailing newline. */
  err(text: string): void
}

/** What a command may use of the shell. */
export interface CommandContext {
  /** Where output goes. */
  readonly output: ShellOutput
  /** The connect string of the current (or last) session, `host:port[,host:port...][/chroot]`. */
  readonly server: string
  /** Whether watches print when they fire. */
  printWatches: boolean
  /** The watcher `-w` reads and addWatch leave. */
  readonly watcher: (event: WatchedEvent) => void
  /** The connected client, or throws `Not connected`. */
  requireClient(): ZooKeeperClient
  /** Opens a session to another server (or the same one again). */
  connect(server?: string): Promise<boolean>
  /** Closes the session. */
  closeSession(): Promise<void>
}
