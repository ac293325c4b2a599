/**
 * Paddock's version and the ZooKeeper version it speaks, as `paddock --version`,
 * `paddock server version` and the shell's `version` print them. Both come from the version line
 * the four-letter words print (`3.9.5-paddock-0.1.0, built on n/a`), so every command reports the
 * same.
 * @module
 */
import { paddockVersionLine } from '../host/client-port.js'

const parts = /^(\d+\.\d+\.\d+)-paddock-([^,\s]+)/.exec(paddockVersionLine)

/** The ZooKeeper version Paddock speaks (`3.9.5`). */
export const zooKeeperVersion: string = parts?.[1] ?? 'unknown'

/** Paddock's own version (`0.1.0`), as in package.json. */
export const paddockVersion: string = parts?.[2] ?? 'unknown'

/** The full version line, as `srvr` prints it and zkCli's `version` shows it: `3.9.5-paddock-0.1.0, built on n/a`. */
export const fullVersion: string = paddockVersionLine

/**
 * What `paddock --version` and `paddock server version` print, in the form of zkServer.sh's
 * `Apache ZooKeeper, version …`: `Paddock, version 0.1.0 (ZooKeeper 3.9.5 compatible)`.
 */
export function versionLine(): string {
  return `Paddock, version ${paddockVersion} (ZooKeeper ${zooKeeperVersion} compatible)`
}
