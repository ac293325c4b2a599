/**
 * What every interop target provides: a server on a loopback port that real clients connect to.
 * @module
 */

/** A server under test, listening on 127.0.0.1. */
export interface RunningServer {
  readonly name: 'apache' | 'paddock'
  readonly host: string
  readonly port: number
  /** host:port, as clients take it. */
  readonly connectString: string
  /** Stops the server and removes what it wrote; safe to call twice. */
  stop(): Promise<void>
}

/** Settings both targets are started with, so timeouts mean the same on each. */
export interface ServerSettings {
  /** tickTime, in ms. */
  tickTimeMs: number
  /** minSessionTimeout, in ms. */
  minSessionTimeoutMs: number
  /** maxSessionTimeout, in ms. */
  maxSessionTimeoutMs: number
  /** How often empty containers and expired TTL nodes are removed, in ms. */
  containerCheckIntervalMs: number
}
