/**
 * The error boundary both transports share (the contract is in transport.ts): the connection an
 * error came from is closed by the caller; a broken ZAB invariant goes on to the handler.
 * @module
 */
import type { Socket } from 'node:net'
import { describeError } from '../errors.js'
import { ZabInvariantError } from '../zab/assert.js'
import type { PeerHandler } from './transport.js'

/**
 * Passes `error` to `handler.fatal` when it is a {@link ZabInvariantError}. Without a `fatal`, or
 * when `fatal` itself throws, the transport stops (`stop`), so the member no longer talks to the
 * others. Other errors need nothing more: the caller closed the connection they came from.
 */
export function escalate(handler: PeerHandler, error: unknown, stop: () => void, log: (line: string) => void): void {
  if (!(error instanceof ZabInvariantError)) return
  if (handler.fatal === undefined) {
    log('no fatal handler for a broken invariant: closing the transport')
    return stop()
  }
  try {
    handler.fatal(error)
  } catch (again) {
    log(`the fatal handler threw (${describeError(again)}): closing the transport`)
    stop()
  }
}


/**
 * Calls the embedder's `log` with `line`; it is called from inside the boundary, so what it
 * throws is dropped (there is nothing to report it to).
 */
export function logSafely(log: ((line: string) => void) | undefined, line: string): void {
  try {
    log?.(line)
  } catch {
    // Nothing to report it to.
  }
}

/**
 * The boundary of a socket event or timer: runs `work`; an error it throws closes `socket` (if
 * any), is logged with `what`, and a broken ZAB invariant goes on to the handler (`escalate`).
 * Nothing escapes to the process.
 */
export function guarded(socket: Socket | undefined, what: string, work: () => void, handler: PeerHandler, stop: () => void, log: (line: string) => void): void {
  try {
    work()
  } catch (error) {
    socket?.destroy()
    log(`${what}: ${describeError(error)}${socket === undefined ? '' : '; connection closed'}`)
    escalate(handler, error, stop, log)
  }
}
